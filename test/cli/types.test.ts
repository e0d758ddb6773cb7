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
    expect(ids).toEqual(['api-key', 'certificate', 'generic', 'jira', 'password', 'smtp', 'ssh-key']);
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
    expect(stdout).toMatch(/^webhook\s+Signed webhook/m);
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
