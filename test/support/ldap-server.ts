/**
 * A real directory for the LDAP sign-in tests: Debian's `slapd` (OpenLDAP), started on loopback
 * in a temporary folder with a small company (people, groups, one disabled entry), StartTLS
 * with a test CA, and a root account the tests change the directory with. Absent slapd, the
 * suites skip and say so (CI installs it: .ci/run).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { serverCertificate } from './pki.ts';

const slapd = '/usr/sbin/slapd';
const slapadd = '/usr/sbin/slapadd';
export const ldapAvailable = existsSync(slapd) && existsSync(slapadd) && existsSync('/etc/ldap/schema/core.schema');
if (!ldapAvailable) {
  if (process.env.CI) throw new Error('slapd is required in CI (apt-get install slapd)');
  process.stdout.write(
    '[tresor] slapd not found at /usr/sbin/slapd: LDAP suites are SKIPPED (apt-get install slapd to run them).\n',
  );
}
export const suffix = 'dc=acme,dc=example';
export const rootDn = `cn=admin,${suffix}`;
export const rootPassword = 'root-secret-of-the-directory';
/** The service account Tresor searches with (read access to people and groups, no passwords). */
export const serviceDn = `cn=tresor,ou=services,${suffix}`;
export const servicePassword = 'service-account-password';

export interface Person {
  uid: string;
  password: string;
  mail: string;
  cn: string;
  /** Marked disabled: the user filter of the tests leaves such entries out. */
  disabled?: boolean;
}

export interface TestLdapServer {
  url: string;
  /** The same directory over LDAPS (TLS from the first byte), certified by `caFile`. */
  ldapsUrl: string;
  caFile: string;
  /** The directory as its administrator (root): add, change and remove entries. */
  admin(): Promise<Client>;
  close(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

function ldif(people: readonly Person[], groups: Record<string, readonly string[]>): string {
  const entries = [
    `dn: ${suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: acme\no: Acme`,
    `dn: ou=people,${suffix}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ou=groups,${suffix}\nobjectClass: organizationalUnit\nou: groups`,
    `dn: ou=services,${suffix}\nobjectClass: organizationalUnit\nou: services`,
    `dn: ${serviceDn}\nobjectClass: person\ncn: tresor\nsn: tresor\nuserPassword: ${servicePassword}`,
    ...people.map(
      (p) =>
        `dn: uid=${p.uid},ou=people,${suffix}\nobjectClass: inetOrgPerson\nuid: ${p.uid}\ncn: ${p.cn}\nsn: ${p.cn}\n` +
        `mail: ${p.mail}\nuserPassword: ${p.password}${p.disabled ? '\nemployeeType: disabled' : ''}`,
    ),
    ...Object.entries(groups).map(
      ([name, members]) =>
        `dn: cn=${name},ou=groups,${suffix}\nobjectClass: groupOfNames\ncn: ${name}\n` +
        members.map((uid) => `member: uid=${uid},ou=people,${suffix}`).join('\n'),
    ),
  ];
  return `${entries.join('\n\n')}\n`;
}

export async function startLdapServer(
  people: readonly Person[],
  groups: Record<string, readonly string[]>,
): Promise<TestLdapServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-slapd-'));
  mkdirSync(join(dir, 'db'));
  const tls = await serverCertificate();
  for (const [name, pem] of [
    ['ca.pem', tls.ca],
    ['cert.pem', tls.cert],
    ['key.pem', tls.key],
  ] as const)
    writeFileSync(join(dir, name), pem);
  const conf = join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include /etc/ldap/schema/${s}.schema`),
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      // memberOf on people, kept by the directory for groups added while it runs (slapadd runs no overlay).
      'moduleload memberof',
      `pidfile ${join(dir, 'slapd.pid')}`,
      `TLSCACertificateFile ${join(dir, 'ca.pem')}`,
      `TLSCertificateFile ${join(dir, 'cert.pem')}`,
      `TLSCertificateKeyFile ${join(dir, 'key.pem')}`,
      'database mdb',
      `suffix "${suffix}"`,
      `rootdn "${rootDn}"`,
      `rootpw ${rootPassword}`,
      `directory ${join(dir, 'db')}`,
      'maxsize 10485760',
      'overlay memberof',
      'access to attrs=userPassword by anonymous auth by self write by * none',
      `access to * by dn.exact="${serviceDn}" read by self read by users read by * none`,
    ].join('\n'),
  );
  writeFileSync(join(dir, 'data.ldif'), ldif(people, groups));
  execFileSync(slapadd, ['-f', conf, '-l', join(dir, 'data.ldif')], { stdio: 'pipe' });
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = `ldaps://127.0.0.1:${await freePort()}`;
  // -d keeps slapd in the foreground, where the test can stop it.
  const child: ChildProcess = spawn(slapd, ['-f', conf, '-h', `${url}/ ${ldapsUrl}/`, '-d', '0'], {
    stdio: 'ignore',
  });
  const admin = async () => {
    const client = new Client({ url, timeout: 5000, connectTimeout: 5000 });
    await client.bind(rootDn, rootPassword);
    return client;
  };
  // Ready once the root account can bind.
  for (let attempt = 0; ; attempt++) {
    try {
      await (await admin()).unbind();
      break;
    } catch (error) {
      if (attempt > 100 || child.exitCode !== null) throw new Error(`slapd did not start: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    ldapsUrl,
    caFile: join(dir, 'ca.pem'),
    admin,
    async close() {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
