/** The file provider's folder is held to what a mount looks like: links stay inside, nothing writable by others. */
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileProvider } from '../../src/providers/file.provider.ts';

function mount(): string {
  const folder = mkdtempSync(join(tmpdir(), 'tresor-files-'));
  // As Kubernetes lays a secret volume out: the files live under ..data, the names are links into it.
  const data = join(folder, '..2026_12_07');
  mkdirSync(join(data, 'relay'), { recursive: true });
  writeFileSync(join(data, 'relay', 'type'), 'smtp\n');
  writeFileSync(join(data, 'relay', 'host'), 'mail.example.com\n');
  symlinkSync(data, join(folder, '..data'));
  symlinkSync(join('..data', 'relay'), join(folder, 'relay'));
  return folder;
}

describe('the file provider', () => {
  it("follows Kubernetes' links inside the folder", async () => {
    const [relay] = await fileProvider(mount()).load();
    expect(relay).toMatchObject({ name: 'relay', type: 'smtp', fields: { host: 'mail.example.com' } });
    expect(relay?.problem).toBeUndefined();
  });

  it('refuses a link that leads outside the folder, naming it, and reads nothing through it', async () => {
    const folder = mount();
    const outside = mkdtempSync(join(tmpdir(), 'tresor-outside-'));
    writeFileSync(join(outside, 'shadow'), 'CANARY-outside-file\n');
    mkdirSync(join(folder, 'stolen'));
    writeFileSync(join(folder, 'stolen', 'type'), 'password\n');
    symlinkSync(join(outside, 'shadow'), join(folder, 'stolen', 'password'));
    const stolen = await fileProvider(folder).find?.('stolen');
    expect(stolen?.problem).toMatch(/leads outside/);
    expect(JSON.stringify(stolen)).not.toContain('CANARY-outside-file');
  });

  it('refuses a folder, a secret or a file that group or others may write', async () => {
    const folder = mount();
    mkdirSync(join(folder, 'planted'));
    writeFileSync(join(folder, 'planted', 'type'), 'password\n');
    writeFileSync(join(folder, 'planted', 'users'), 'mallory@example.test\n');
    chmodSync(join(folder, 'planted', 'users'), 0o666);
    expect((await fileProvider(folder).find?.('planted'))?.problem).toMatch(/written by group or others \(mode 666\)/);
    chmodSync(folder, 0o777);
    await expect(fileProvider(folder).load()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
