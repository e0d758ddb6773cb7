import { describe, expect, it } from 'vitest';
import { openArchive, sealArchive } from '../../../src/transfer/archive.ts';

const passphrase = 'a long enough passphrase';

describe('opening an archive', () => {
  it('inflates no more than the secrets it declares allow, and says so instead of failing with a 500', async () => {
    // 40 MiB of one letter gzips to a few tens of kilobytes: a bomb for an archive that declares one secret.
    const bomb = await sealArchive(
      passphrase,
      { secrets: ['x'.repeat(40 * 1024 * 1024)] },
      { secrets: 1, allVersions: false },
    );
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expect(openArchive(bomb, passphrase)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'archive',
      message: expect.stringContaining('more than the 1 secret(s) it declares'),
    });
  });

  it('opens an archive within its budget', async () => {
    const fine = await sealArchive(passphrase, { secrets: [{ name: 'a' }] }, { secrets: 1, allVersions: false });
    expect((await openArchive(fine, passphrase)).content).toEqual({ secrets: [{ name: 'a' }] });
  });
});
