/**
 * Test PKI: keys from node:crypto (WebCrypto), certificates signed with @peculiar/x509.
 * Everything is generated per run; nothing is checked in.
 */
import { KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;

export type KeyKind = 'rsa' | 'ecdsa' | 'ed25519';

const algorithms: Record<
  KeyKind,
  { gen: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm; sign: Algorithm | EcdsaParams }
> = {
  rsa: {
    gen: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    sign: { name: 'RSASSA-PKCS1-v1_5' },
  },
  ecdsa: { gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams },
  ed25519: { gen: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
};

export interface Issued {
  kind: KeyKind;
  keys: CryptoKeyPair;
  certificate: x509.X509Certificate;
  certPem: string;
  /** PKCS#8 PEM of the private key, unencrypted. */
  keyPem: string;
  /** The same key, encrypted with `passphrase`. */
  encryptedKeyPem(passphrase: string): string;
}

async function keyPair(kind: KeyKind): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithms[kind].gen as RsaHashedKeyGenParams, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
}

function exported(keys: CryptoKeyPair) {
  const keyObject = KeyObject.from(keys.privateKey as webcrypto.CryptoKey);
  return {
    keyPem: keyObject.export({ type: 'pkcs8', format: 'pem' }).toString(),
    encryptedKeyPem: (passphrase: string) =>
      keyObject.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString(),
  };
}

/** A certificate for `subject`, self-signed or signed by `issuer`. */
export async function issue(
  kind: KeyKind,
  subject: string,
  issuer?: Issued,
  ca = false,
  hosts: string[] = [],
): Promise<Issued> {
  const keys = await keyPair(kind);
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(ca, undefined, true)];
  if (hosts.length > 0)
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        hosts.map((h) => (/^[\d.]+$/.test(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h })),
      ),
    );
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 365 * 86_400_000);
  const certificate = issuer
    ? await x509.X509CertificateGenerator.create({
        subject,
        issuer: issuer.certificate.subject,
        publicKey: keys.publicKey as never,
        signingKey: issuer.keys.privateKey as never,
        signingAlgorithm: algorithms[issuer.kind].sign,
        notBefore,
        notAfter,
        extensions,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({
        name: subject,
        keys: keys as never,
        signingAlgorithm: algorithms[kind].sign,
        notBefore,
        notAfter,
        extensions,
      });
  return { kind, keys, certificate, certPem: certificate.toString('pem'), ...exported(keys) };
}

/** A CA and a server certificate for 127.0.0.1 and localhost, for TLS test servers. */
export async function serverCertificate() {
  const ca = await issue('ecdsa', 'CN=Tresor Test CA', undefined, true);
  const server = await issue('ecdsa', 'CN=localhost', ca, false, ['127.0.0.1', 'localhost']);
  return { ca: ca.certPem, cert: server.certPem, key: server.keyPem };
}

/** Root CA → intermediate CA → leaf, all of one key kind. */
export async function chainOf(kind: KeyKind) {
  const root = await issue(kind, 'CN=Test Root', undefined, true);
  const intermediate = await issue(kind, 'CN=Test Intermediate', root, true);
  const leaf = await issue(kind, 'CN=service.example.test', intermediate);
  return { root, intermediate, leaf };
}
