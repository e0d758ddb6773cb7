/**
 * A valid create payload for every built-in type, with a unique canary string in every
 * secret field where the field allows free text, so leak checks can search for them.
 */
import { randomBytes } from 'node:crypto';
import { issue } from './pki.ts';
import { sshKey } from './ssh-keys.ts';

export const canary = (label: string) => `CANARY-${label}-${randomBytes(6).toString('hex')}`;

export interface Sample {
  type: string;
  fields: Record<string, unknown>;
  /** Secret strings that must never appear outside a sealed payload. */
  canaries: string[];
}

export async function samplePayloads(): Promise<Sample[]> {
  const smtpPassword = canary('smtp-password');
  const jiraToken = canary('jira-token');
  const password = `${canary('password')}-Tundra-Violin-42`;
  const apiKey = canary('api-key');
  const certPassphrase = canary('cert-passphrase');
  const sshPassphrase = canary('ssh-passphrase');
  const genericValue = canary('generic-value');
  const leaf = await issue('ecdsa', 'CN=canary.example.test');
  const ssh = sshKey('ed25519');
  return [
    {
      type: 'smtp',
      fields: { host: 'smtp.example.test', username: 'mailer', password: smtpPassword, from: 'noreply@example.test' },
      canaries: [smtpPassword],
    },
    {
      type: 'jira',
      fields: { siteUrl: 'https://team.atlassian.net', email: 'bot@example.test', apiToken: jiraToken },
      canaries: [jiraToken],
    },
    { type: 'password', fields: { username: 'alice', password }, canaries: [password] },
    { type: 'api-key', fields: { key: apiKey, expiresOn: '2099-12-31' }, canaries: [apiKey] },
    {
      type: 'certificate',
      fields: { chain: leaf.certPem, privateKey: leaf.encryptedKeyPem(certPassphrase), passphrase: certPassphrase },
      // The PEM body of the key is secret too; its base64 lines are searched as they are.
      canaries: [certPassphrase, leaf.encryptedKeyPem(certPassphrase).split('\n')[1]!],
    },
    {
      type: 'ssh-key',
      fields: { privateKey: ssh.opensshEncrypted(sshPassphrase), passphrase: sshPassphrase },
      canaries: [sshPassphrase],
    },
    { type: 'generic', fields: { entries: [{ name: 'API_TOKEN', value: genericValue }] }, canaries: [genericValue] },
  ];
}
