/** SSH test keys from node:crypto, written in PEM (PKCS#1/PKCS#8/SEC1) and OpenSSH (via sshpk) formats. */
import { generateKeyPairSync } from 'node:crypto';
import sshpk from 'sshpk';

export type SshKind = 'rsa' | 'ecdsa' | 'ed25519';

export function sshKey(kind: SshKind) {
  const { privateKey } =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : kind === 'ecdsa'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const parsed = sshpk.parsePrivateKey(pkcs8, 'pem');
  return {
    pkcs8,
    pkcs8Encrypted: (passphrase: string) =>
      privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString(),
    /** PKCS#1 (RSA) or SEC1 (EC) "traditional" PEM, encrypted with the legacy DEK-Info header when a passphrase is given. */
    traditional: (passphrase?: string) =>
      kind === 'ed25519'
        ? undefined
        : privateKey
            .export({
              type: kind === 'rsa' ? 'pkcs1' : 'sec1',
              format: 'pem',
              ...(passphrase ? { cipher: 'aes-256-cbc', passphrase } : {}),
            })
            .toString(),
    openssh: parsed.toString('openssh'),
    opensshEncrypted: (passphrase: string) =>
      (parsed.toBuffer as (format: string, options: { passphrase: string }) => Buffer)('openssh', {
        passphrase,
      }).toString(),
    fingerprint: parsed.fingerprint('sha256').toString(),
    publicKey: parsed.toPublic().toString('ssh'),
  };
}
