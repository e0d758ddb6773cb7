import { beforeAll, describe, expect, it } from 'vitest';
import { SshKey } from '../../../credential-types/ssh-key.ts';
import type { CredentialType } from '../../../src/credentials/index.ts';
import { builtInRegistry, refused } from '../../support/registry.ts';
import { type SshKind, sshKey } from '../../support/ssh-keys.ts';

let ssh: CredentialType<SshKey>;
beforeAll(async () => {
  ssh = (await builtInRegistry()).of(SshKey);
});

const expectedType: Record<SshKind, RegExp> = { rsa: /^RSA 2048$/, ecdsa: /^ECDSA 256$/, ed25519: /^ED25519 256$/ };

describe.each<SshKind>(['rsa', 'ecdsa', 'ed25519'])('ssh key type with %s', (kind) => {
  const key = sshKey(kind);

  const formats: [string, string | undefined, string | undefined][] = [
    ['OpenSSH', key.openssh, undefined],
    ['OpenSSH, encrypted', key.opensshEncrypted('s3same'), 's3same'],
    ['PKCS#8 PEM', key.pkcs8, undefined],
    ['PKCS#8 PEM, encrypted', key.pkcs8Encrypted('s3same'), 's3same'],
    ['traditional PEM', key.traditional(), undefined],
    ['traditional PEM, encrypted', key.traditional('s3same'), 's3same'],
  ];

  for (const [format, text, passphrase] of formats) {
    if (text === undefined) continue; // Ed25519 has no traditional PEM form
    it(`opens ${format} and derives type, public key and SHA256 fingerprint`, async () => {
      const payload = ssh.parseCreate(passphrase ? { privateKey: text, passphrase } : { privateKey: text });
      const facts = (await ssh.inspect(payload)).facts;
      expect(facts.keyType).toMatch(expectedType[kind]);
      expect(facts.fingerprint).toBe(key.fingerprint);
      expect(facts.publicKey).toBe(key.publicKey);
    });
  }

  it('names the passphrase when an encrypted key comes without it or with the wrong one', async () => {
    for (const encrypted of [key.opensshEncrypted('right'), key.pkcs8Encrypted('right')]) {
      expect((await refused(ssh, { privateKey: encrypted })).issues).toEqual([
        { path: 'passphrase', message: 'Passphrase is required: the private key is encrypted' },
      ]);
      const wrong = await refused(ssh, { privateKey: encrypted, passphrase: 'wrong' });
      expect(wrong.issues).toEqual([{ path: 'passphrase', message: 'Passphrase does not open the private key' }]);
    }
  });
});

describe('ssh key refusals', () => {
  it('refuses text that is no private key, naming the field', async () => {
    const error = await refused(ssh, {
      privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nbm9wZQ==\n-----END OPENSSH PRIVATE KEY-----',
    });
    expect(error.issues).toEqual([{ path: 'privateKey', message: 'Private key is not an OpenSSH or PEM private key' }]);
  });
});
