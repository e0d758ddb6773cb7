import { beforeAll, describe, expect, it } from 'vitest';
import type { CredentialRegistry } from '../../../src/credentials/index.ts';
import { compareVersions } from '../../../src/secrets/version-compare.ts';
import { builtInRegistry } from '../../support/registry.ts';

describe('comparing two versions', () => {
  let registry: CredentialRegistry;
  beforeAll(async () => {
    registry = await builtInRegistry();
  });

  it('names the pairs that came and went and says whether values changed, never which or what', () => {
    const generic = registry.get('generic');
    const before = generic.parseCreate({
      entries: [
        { name: 'DB', value: 'CANARY-1' },
        { name: 'OLD', value: 'CANARY-2' },
      ],
    });
    const after = generic.parseCreate({
      entries: [
        { name: 'DB', value: 'CANARY-3' },
        { name: 'NEW', value: 'CANARY-4' },
      ],
    });
    const entered = new Set(['entries']);
    const [entries] = compareVersions(generic, before, after, entered);
    expect(entries).toEqual({
      key: 'entries',
      secret: true,
      pairs: true,
      changed: true,
      added: ['NEW'],
      removed: ['OLD'],
      valuesChanged: true,
    });
    expect(JSON.stringify(compareVersions(generic, before, after, entered))).not.toMatch(/CANARY/);
    const same = generic.parseCreate({
      entries: [
        { name: 'DB', value: 'CANARY-1' },
        { name: 'NEW', value: 'x' },
      ],
    });
    // Whether values changed is what the versions recorded, never a comparison: entered again reads as entered.
    expect(compareVersions(generic, before, same, new Set())[0]).toMatchObject({
      valuesChanged: false,
      added: ['NEW'],
    });
    expect(compareVersions(generic, before, same, entered)[0]).toMatchObject({ valuesChanged: true, added: ['NEW'] });
  });

  it('tells a secret field set, removed and unchanged apart', () => {
    const smtp = registry.get('smtp');
    const a = smtp.parseCreate({ host: 'h', username: 'u', password: 'CANARY-5' });
    const b = smtp.parseCreate({ host: 'h', username: 'u', password: 'CANARY-5' });
    const password = compareVersions(smtp, a, b, new Set()).find((f) => f.key === 'password');
    expect(password).toEqual({ key: 'password', secret: true, changed: false, setBefore: true, setAfter: true });
    // The same value entered again is a change: "unchanged" would confirm a guess.
    const reentered = compareVersions(smtp, a, b, new Set(['password'])).find((f) => f.key === 'password');
    expect(reentered).toMatchObject({ changed: true });
    const host = compareVersions(smtp, a, { ...b, host: 'h2' }, new Set()).find((f) => f.key === 'host');
    expect(host).toEqual({ key: 'host', secret: false, changed: true, from: 'h', to: 'h2' });
  });
});
