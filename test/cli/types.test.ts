import { describe, expect, it } from 'vitest';
import { tresor } from '../support/cli.ts';

describe('tresor types', () => {
  it('lists the built-in types as a table', async () => {
    const { code, stdout } = await tresor(['types']);
    expect(code).toBe(0);
    const ids = stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/)[0]);
    expect(ids).toEqual([
      'api-key',
      'certificate',
      'generic',
      'google-oauth2',
      'jira',
      'oauth2',
      'password',
      'smtp',
      'ssh-key',
    ]);
  });

  it('prints id, name, description, logo, form model and JSON schema with --json', async () => {
    const { code, stdout } = await tresor(['types', '--json']);
    expect(code).toBe(0);
    const types = JSON.parse(stdout) as {
      id: string;
      name: string;
      logo: string;
      formModel: { fields: { key: string }[] };
      jsonSchema: { properties: Record<string, { writeOnly?: boolean }> };
    }[];
    const smtp = types.find((t) => t.id === 'smtp')!;
    expect(smtp.name).toBe('SMTP outgoing server');
    expect(smtp.logo).toBe('smtp.svg');
    expect(smtp.formModel.fields.map((f) => f.key)).toEqual([
      'host',
      'port',
      'security',
      'authentication',
      'username',
      'password',
      'from',
    ]);
    expect(smtp.jsonSchema.properties.password?.writeOnly).toBe(true);
  });

  it('loads extra types from TRESOR_TYPES_DIR', async () => {
    const { stdout } = await tresor(['types'], { TRESOR_TYPES_DIR: 'test/fixtures/guide' });
    expect(stdout).toMatch(/^webhook\s+Chat webhook/m);
  });

  it('prints the types in German with --locale de, or from LANG', async () => {
    const { code, stdout } = await tresor(['types', '--json', '--locale', 'de']);
    expect(code).toBe(0);
    const smtp = (
      JSON.parse(stdout) as {
        id: string;
        name: string;
        formModel: { fields: { key: string; label: string }[] };
        jsonSchema: { title: string; properties: Record<string, { title: string }> };
      }[]
    ).find((t) => t.id === 'smtp')!;
    expect(smtp.name).toBe('SMTP-Postausgangsserver');
    expect(smtp.formModel.fields.find((f) => f.key === 'host')!.label).toBe('Server');
    expect(smtp.jsonSchema.title).toBe('SMTP-Postausgangsserver');
    expect(smtp.jsonSchema.properties.password!.title).toBe('Passwort');
    const table = await tresor(['types'], { LANG: 'de_DE.UTF-8' });
    expect(table.stdout).toMatch(/^smtp\s+SMTP-Postausgangsserver — /m);
    const refused = await tresor(['types', '--locale', 'German']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('"German" is not a locale like de or pt-BR');
  });

  it('lists untranslated texts with --check-translations and exits 12 when there are any', async () => {
    const complete = await tresor(['types', '--check-translations']);
    expect(complete.code).toBe(0);
    expect(complete.stdout.trim()).toBe('Every text of every type is translated.');
    const french = await tresor(['types', '--check-translations', '--locale', 'fr', '--json']);
    expect(french.code).toBe(12);
    const missing = JSON.parse(french.stdout) as { type: string; locale: string; text: string; english: string }[];
    expect(missing).toContainEqual({ type: 'smtp', locale: 'fr', text: 'name', english: 'SMTP outgoing server' });
    expect(missing.every((m) => m.locale === 'fr')).toBe(true);
  });

  it('exits with the usage code and one line on an unknown command', async () => {
    const { code, stderr } = await tresor(['tpyes']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')[0]).toMatch(/unknown command 'tpyes'/);
  });

  it('exits with the config code when a setting is invalid, naming the variable', async () => {
    const { code, stderr } = await tresor(['types'], { TRESOR_PASSWORD_MIN_SCORE: '9' });
    expect(code).toBe(8);
    expect(stderr.trim()).toBe(
      'tresor: Environment variable TRESOR_PASSWORD_MIN_SCORE is invalid: Too big: expected number to be <=4',
    );
  });
});
