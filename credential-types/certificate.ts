/**
 * An X.509 certificate chain with its private key. Validation proves the chain parses,
 * is ordered leaf first (each certificate issued by the next), and that the key (opened
 * with the passphrase, if any) belongs to the leaf.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { CredentialHooks, TestCheck, TestContext } from 'tresor';
import {
  Credential,
  expiryChecks,
  Field,
  failed,
  keyCost,
  keyCostProblem,
  passed,
  pemBlocks,
  skipped,
  validFromCheck,
} from 'tresor';

/** A chain longer than this is not a chain anyone serves. */
const maxChainLength = 20;

interface Issue {
  path: string;
  message: string;
}

/** Every CERTIFICATE block of a PEM text, parsed; problems are reported, not thrown. */
function parseChain(pem: string): { chain: X509Certificate[]; issue?: Issue } {
  const blocks = pemBlocks(pem)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => b.text);
  if (blocks.length === 0)
    return {
      chain: [],
      issue: { path: 'chain', message: 'Certificate chain has no -----BEGIN CERTIFICATE----- block' },
    };
  const chain: X509Certificate[] = [];
  for (const [index, block] of blocks.entries()) {
    try {
      chain.push(new X509Certificate(block));
    } catch {
      return {
        chain,
        issue: { path: 'chain', message: `Certificate chain block ${index + 1} is not a valid certificate` },
      };
    }
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!)) {
      return {
        chain,
        issue: {
          path: 'chain',
          message:
            `Certificate chain is out of order: certificate ${i + 1} was not issued by certificate ` +
            `${i + 2} (put the leaf first, then each issuer)`,
        },
      };
    }
  }
  return { chain };
}

function openKey(pem: string, passphrase: string | undefined): { key?: KeyObject; issue?: Issue } {
  try {
    return { key: createPrivateKey(passphrase ? { key: pem, passphrase } : { key: pem }) };
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(pem);
    if (encrypted && !passphrase)
      return { issue: { path: 'passphrase', message: 'Passphrase is required: the private key is encrypted' } };
    if (encrypted) return { issue: { path: 'passphrase', message: 'Passphrase does not open the private key' } };
    void error;
    return { issue: { path: 'privateKey', message: 'Private key is not a readable PEM private key' } };
  }
}

@Credential({
  id: 'certificate',
  name: { en: 'Certificate', de: 'Zertifikat' },
  description: {
    en: 'An X.509 certificate chain and its private key, e.g. for TLS or mutual TLS.',
    de: 'Eine X.509-Zertifikatskette mit privatem Schlüssel, z. B. für TLS oder gegenseitiges TLS.',
  },
  logo: 'certificate.svg',
  facts: {
    subject: { label: { en: 'Subject', de: 'Inhaber' } },
    issuer: { label: { en: 'Issuer', de: 'Aussteller' } },
    // The leaf's not-after is the secret's expiry, unless the user sets an earlier one.
    notAfter: { label: { en: 'Valid until', de: 'Gültig bis' }, kind: 'date', expiry: true },
    fingerprint: { label: { en: 'Fingerprint', de: 'Fingerabdruck' }, kind: 'mono' },
    chainLength: { label: { en: 'Certificates in the chain', de: 'Zertifikate in der Kette' } },
  },
})
export class Certificate implements CredentialHooks {
  @Field({
    label: { en: 'Certificate chain', de: 'Zertifikatskette' },
    style: 'pem',
    help: {
      en: 'PEM, leaf certificate first, then each issuer.',
      de: 'PEM, zuerst das Endzertifikat, dann jeder Aussteller.',
    },
  })
  chain!: string;

  @Field({
    label: { en: 'Private key', de: 'Privater Schlüssel' },
    style: 'pem',
    secret: true,
    help: { en: 'PEM private key of the leaf certificate.', de: 'Privater PEM-Schlüssel des Endzertifikats.' },
  })
  privateKey!: string;

  @Field({
    label: { en: 'Passphrase', de: 'Passphrase' },
    style: 'secret',
    optional: true,
    help: { en: 'Only if the private key is encrypted.', de: 'Nur wenn der private Schlüssel verschlüsselt ist.' },
  })
  passphrase?: string;

  /** Quick, on the event loop: the chain's length and the key's derivation cost, read without opening anything. */
  validate(): Issue[] {
    const certificates = pemBlocks(this.chain).filter((b) => b.label === 'CERTIFICATE').length;
    if (certificates === 0)
      return [{ path: 'chain', message: 'Certificate chain has no -----BEGIN CERTIFICATE----- block' }];
    if (certificates > maxChainLength)
      return [
        { path: 'chain', message: `Certificate chain has ${certificates} certificates; at most ${maxChainLength}` },
      ];
    const problem = keyCostProblem(keyCost(this.privateKey));
    return problem ? [{ path: 'privateKey', message: `Private key ${problem}` }] : [];
  }

  /** Slow (signatures, key derivation), so Tresor runs it in the hook worker. */
  verify(): Issue[] {
    const { chain, issue } = parseChain(this.chain);
    if (issue) return [issue];
    const opened = openKey(this.privateKey, this.passphrase);
    if (opened.issue || !opened.key)
      return [opened.issue ?? { path: 'privateKey', message: 'Private key cannot be opened' }];
    if (!chain[0]!.checkPrivateKey(opened.key))
      return [{ path: 'privateKey', message: 'Private key does not match the leaf certificate' }];
    return [];
  }

  /** The leaf certificate, parsed. */
  leaf(): X509Certificate {
    const { chain } = parseChain(this.chain);
    if (!chain[0]) throw new Error('Certificate chain is empty');
    return chain[0];
  }

  facts(): Record<string, string> {
    const leaf = this.leaf();
    return {
      subject: leaf.subject.replaceAll('\n', ', '),
      issuer: leaf.issuer.replaceAll('\n', ', '),
      notAfter: new Date(leaf.validTo).toISOString(),
      fingerprint: `SHA256:${leaf.fingerprint256}`,
      chainLength: String(parseChain(this.chain).chain.length),
    };
  }

  /**
   * The leaf's dates against the test's clock, and (in the hook worker, through `verify`) the
   * chain's order and the key matching the leaf.
   */
  async test(context: TestContext): Promise<TestCheck[]> {
    const { chain, issue } = parseChain(this.chain);
    const leaf = chain[0];
    const dates = leaf
      ? [validFromCheck(new Date(leaf.validFrom), context.now), ...expiryChecks(new Date(leaf.validTo), context.now)]
      : [skipped('Not expired', 'The leaf certificate cannot be read')];
    const issues = issue ? [issue] : await context.verify();
    const chainIssue = issues.find((i) => i.path === 'chain');
    const keyIssue = issues.find((i) => i.path !== 'chain');
    const order = chainIssue
      ? failed('Chain order', chainIssue.message)
      : passed('Chain order', chain.length === 1 ? 'One certificate' : `${chain.length} certificates, leaf first`);
    const key = chainIssue
      ? skipped('Key matches the leaf', 'The chain is not readable')
      : keyIssue
        ? failed('Key matches the leaf', keyIssue.message)
        : passed('Key matches the leaf', 'The private key belongs to the leaf certificate');
    return [...dates, order, key];
  }
}
