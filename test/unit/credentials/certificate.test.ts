import { beforeAll, describe, expect, it } from 'vitest';
import { Certificate } from '../../../credential-types/certificate.ts';
import type { CredentialRegistry, CredentialType } from '../../../src/credentials/index.ts';
import { chainOf, issue, type KeyKind } from '../../support/pki.ts';
import { builtInRegistry, refused } from '../../support/registry.ts';

let registry: CredentialRegistry;
let certificate: CredentialType<Certificate>;
beforeAll(async () => {
  registry = await builtInRegistry();
  certificate = registry.of(Certificate);
});

describe.each<KeyKind>(['rsa', 'ecdsa', 'ed25519'])('certificate type with %s keys', (kind) => {
  it('accepts a leaf-first chain with the matching key, and derives subject, issuer, expiry and fingerprint', async () => {
    const { root, intermediate, leaf } = await chainOf(kind);
    const chain = leaf.certPem + intermediate.certPem + root.certPem;
    const payload = certificate.parseCreate({ chain, privateKey: leaf.keyPem });
    const facts = (await certificate.inspect(payload)).facts;
    expect(facts.subject).toBe('CN=service.example.test');
    expect(facts.issuer).toBe('CN=Test Intermediate');
    expect(facts.chainLength).toBe('3');
    expect(new Date(facts.notAfter!).getTime()).toBeGreaterThan(Date.now());
    expect(facts.fingerprint).toMatch(/^SHA256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(JSON.stringify(facts)).not.toContain('PRIVATE KEY');
  });

  it('accepts an encrypted key with its passphrase, and names the passphrase when it is missing or wrong', async () => {
    const leaf = await issue(kind, 'CN=enc.example.test');
    const encrypted = leaf.encryptedKeyPem('open sesame');
    expect(
      certificate.parseCreate({ chain: leaf.certPem, privateKey: encrypted, passphrase: 'open sesame' }).passphrase,
    ).toBe('open sesame');
    expect((await refused(certificate, { chain: leaf.certPem, privateKey: encrypted })).issues).toEqual([
      { path: 'passphrase', message: 'Passphrase is required: the private key is encrypted' },
    ]);
    const wrong = await refused(certificate, { chain: leaf.certPem, privateKey: encrypted, passphrase: 'guess' });
    expect(wrong.issues).toEqual([{ path: 'passphrase', message: 'Passphrase does not open the private key' }]);
    expect(wrong.message).not.toContain('guess');
  });

  it('refuses a key that belongs to another certificate', async () => {
    const leaf = await issue(kind, 'CN=a.example.test');
    const other = await issue(kind, 'CN=b.example.test');
    expect((await refused(certificate, { chain: leaf.certPem, privateKey: other.keyPem })).issues).toEqual([
      { path: 'privateKey', message: 'Private key does not match the leaf certificate' },
    ]);
  });
});

describe('certificate chain checks', () => {
  it('refuses a chain that is not leaf first', async () => {
    const { root, intermediate, leaf } = await chainOf('ecdsa');
    const error = await refused(certificate, {
      chain: root.certPem + intermediate.certPem + leaf.certPem,
      privateKey: leaf.keyPem,
    });
    expect(error.issues?.[0]).toEqual({
      path: 'chain',
      message:
        'Certificate chain is out of order: certificate 1 was not issued by certificate 2 (put the leaf first, then each issuer)',
    });
  });

  it('refuses a block that is not a valid certificate', async () => {
    const leaf = await issue('ecdsa', 'CN=x');
    const broken = '-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
    const error = await refused(certificate, { chain: leaf.certPem + broken, privateKey: leaf.keyPem });
    expect(error.issues).toEqual([{ path: 'chain', message: 'Certificate chain block 2 is not a valid certificate' }]);
  });

  it('refuses PEM that holds no certificate', async () => {
    const leaf = await issue('ecdsa', 'CN=x');
    expect((await refused(certificate, { chain: leaf.keyPem, privateKey: leaf.keyPem })).issues).toEqual([
      { path: 'chain', message: 'Certificate chain has no -----BEGIN CERTIFICATE----- block' },
    ]);
  });

  it('refuses a private key that is not a key', async () => {
    const leaf = await issue('ecdsa', 'CN=x');
    const fake = '-----BEGIN PRIVATE KEY-----\nZm9v\n-----END PRIVATE KEY-----';
    expect((await refused(certificate, { chain: leaf.certPem, privateKey: fake })).issues).toEqual([
      { path: 'privateKey', message: 'Private key is not a readable PEM private key' },
    ]);
  });
});
