/**
 * An SSH private key (OpenSSH or PEM; RSA, ECDSA, Ed25519). Validation proves the key
 * opens with the given passphrase; facts show its type, public key and fingerprint.
 */
import { createPrivateKey } from 'node:crypto';
import { createRequire } from 'node:module';
import type SshPk from 'sshpk';
import type { CredentialHooks, TestCheck, TestContext } from 'tresor';
import { Credential, Field, failed, keyCost, keyCostProblem, passed } from 'tresor';

const supported = new Set(['rsa', 'ecdsa', 'ed25519']);

// sshpk (25 modules) is loaded when the first key is opened, not at every start of Tresor or its CLI.
let loadedSshpk: typeof SshPk | undefined;
const sshpk = (): typeof SshPk => {
  loadedSshpk ??= createRequire(import.meta.url)('sshpk') as typeof SshPk;
  return loadedSshpk;
};

type Opened = { key: SshPk.PrivateKey } | { issue: { path: string; message: string } };

/** Opens the key: OpenSSH through sshpk; PEM (PKCS#1, PKCS#8, SEC1, encrypted or not) through node:crypto. */
function openSshKey(text: string, passphrase: string | undefined): Opened {
  try {
    if (text.includes('-----BEGIN OPENSSH PRIVATE KEY-----')) {
      return { key: sshpk().parsePrivateKey(text, 'openssh', passphrase ? { passphrase } : {}) };
    }
    const keyObject = createPrivateKey(passphrase ? { key: text, passphrase } : { key: text });
    const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'pem' }).toString();
    return { key: sshpk().parsePrivateKey(pkcs8, 'pem') };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    const encrypted = name === 'KeyEncryptedError' || /ENCRYPTED|Proc-Type: 4,ENCRYPTED/.test(text);
    if (encrypted && !passphrase)
      return { issue: { path: 'passphrase', message: 'Passphrase is required: the private key is encrypted' } };
    if (encrypted || /passphrase|decrypt/i.test(error instanceof Error ? error.message : ''))
      return { issue: { path: 'passphrase', message: 'Passphrase does not open the private key' } };
    return { issue: { path: 'privateKey', message: 'Private key is not an OpenSSH or PEM private key' } };
  }
}

@Credential({
  id: 'ssh-key',
  name: { en: 'SSH key', de: 'SSH-Schlüssel' },
  description: {
    en: 'An SSH private key for servers or Git hosts.',
    de: 'Ein privater SSH-Schlüssel für Server oder Git-Hosts.',
  },
  logo: 'ssh-key.svg',
  facts: {
    keyType: { label: { en: 'Key type', de: 'Schlüsseltyp' } },
    publicKey: { label: { en: 'Public key', de: 'Öffentlicher Schlüssel' }, kind: 'mono' },
    fingerprint: { label: { en: 'Fingerprint', de: 'Fingerabdruck' }, kind: 'mono' },
  },
})
export class SshKey implements CredentialHooks {
  @Field({
    label: { en: 'Private key', de: 'Privater Schlüssel' },
    style: 'pem',
    secret: true,
    help: {
      en: 'OpenSSH (-----BEGIN OPENSSH PRIVATE KEY-----) or PEM; RSA, ECDSA or Ed25519.',
      de: 'OpenSSH (-----BEGIN OPENSSH PRIVATE KEY-----) oder PEM; RSA, ECDSA oder Ed25519.',
    },
  })
  privateKey!: string;

  @Field({
    label: { en: 'Passphrase', de: 'Passphrase' },
    style: 'secret',
    optional: true,
    help: { en: 'Only if the key is encrypted.', de: 'Nur wenn der Schlüssel verschlüsselt ist.' },
  })
  passphrase?: string;

  /** Quick, on the event loop: a key whose derivation would cost more than Tresor opens is refused unopened. */
  validate() {
    const problem = keyCostProblem(keyCost(this.privateKey));
    return problem ? [{ path: 'privateKey', message: `Private key ${problem}` }] : [];
  }

  /** Slow (bcrypt-pbkdf, PBKDF2), so Tresor runs it in the hook worker: the key opens with the passphrase. */
  verify() {
    const opened = openSshKey(this.privateKey, this.passphrase);
    if ('issue' in opened) return [opened.issue];
    if (!supported.has(opened.key.type))
      return [
        {
          path: 'privateKey',
          message: `Private key type ${opened.key.type} is not supported (use RSA, ECDSA or Ed25519)`,
        },
      ];
    return [];
  }

  /** The opened key, for modules that connect with it. */
  open(): SshPk.PrivateKey {
    const opened = openSshKey(this.privateKey, this.passphrase);
    if ('issue' in opened) throw new Error(opened.issue.message);
    return opened.key;
  }

  facts(): Record<string, string> {
    const key = this.open();
    return {
      keyType: `${key.type.toUpperCase()} ${key.size}`,
      publicKey: key.toPublic().toString('ssh'),
      fingerprint: key.fingerprint('sha256').toString(),
    };
  }

  /** The key opens with its passphrase (in the hook worker: the derivation is slow); no host is needed. */
  async test(context: TestContext): Promise<TestCheck[]> {
    const issues = await context.verify();
    const name = this.passphrase ? 'Opens with the passphrase' : 'Opens';
    return [issues.length === 0 ? passed(name, 'The private key opens') : failed(name, issues[0]!.message)];
  }
}
