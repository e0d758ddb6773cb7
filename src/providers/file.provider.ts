/**
 * Secrets from a folder of files, as Kubernetes mounts them: with TRESOR_PROVIDER_FILES=/run/tresor,
 * the folder /run/tresor/mail-relay/ with the files `type` (smtp), `host`, `password`, … is
 * the secret `mail-relay`; `users` and `groups` say who may use it. Read again on every
 * lookup, so a rotated mount is used at once. Names starting with a dot (Kubernetes' `..data`
 * links) are skipped; one trailing newline of a file is not part of its value.
 *
 * Whoever can write in the folder decides who may use what, so it is held to what a mount
 * looks like: a link is followed only while it stays inside the folder (Kubernetes' links
 * do; one to /etc/shadow does not), and the folder, a secret's folder or a file that group
 * or others may write is refused, naming it and the mode.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ConfigError } from '../errors.ts';
import { listOf, type ProvidedSecret, type SecretProvider } from './provider.ts';

const text = async (path: string) => (await readFile(path, 'utf8')).replace(/\r?\n$/, '');

/** Why a path may not be read as part of the provider's folder, or undefined. */
async function unsafe(path: string, root: string): Promise<string | undefined> {
  const real = await realpath(path);
  if (real !== root && !real.startsWith(`${root}${sep}`)) return `${path} leads outside ${root} (to ${real})`;
  const { mode } = await stat(real);
  if ((mode & 0o022) !== 0)
    return `${path} may be written by group or others (mode ${(mode & 0o777).toString(8)}): chmod go-w`;
  return undefined;
}

/** The secret a folder holds, read file by file; undefined when it is not a folder. */
async function secretIn(dir: string, entry: string, root: string): Promise<ProvidedSecret | undefined> {
  if (!(await stat(dir)).isDirectory()) return undefined;
  const secret: ProvidedSecret = {
    provider: 'files',
    name: entry.toLowerCase(),
    source: dir,
    type: undefined,
    fields: {},
    users: [],
    groups: [],
  };
  const refused = (problem: string): ProvidedSecret => ({ ...secret, fields: {}, users: [], groups: [], problem });
  const dirProblem = await unsafe(dir, root);
  if (dirProblem) return refused(dirProblem);
  for (const file of await readdir(dir)) {
    if (file.startsWith('.')) continue;
    const path = join(dir, file);
    if (!(await stat(path)).isFile()) continue;
    const problem = await unsafe(path, root);
    if (problem) return refused(problem);
    const value = await text(path);
    if (file === 'type') secret.type = value.trim();
    else if (file === 'users') secret.users = listOf(value);
    else if (file === 'groups') secret.groups = listOf(value);
    else secret.fields[file] = value;
  }
  return secret;
}

export function fileProvider(folder: string): SecretProvider {
  /** The folder itself, checked on every read (a mount may change under a running server). */
  const root = async () => {
    const real = await realpath(folder);
    const { mode } = await stat(real);
    if ((mode & 0o022) !== 0)
      throw new ConfigError(
        `TRESOR_PROVIDER_FILES: ${folder} may be written by group or others (mode ${(mode & 0o777).toString(8)}); ` +
          'whoever writes there decides who may use what: chmod go-w',
        'TRESOR_PROVIDER_FILES',
      );
    return real;
  };
  const entries = async () => (await readdir(folder)).filter((e) => !e.startsWith('.')).sort();
  return {
    id: 'files',
    async load() {
      const real = await root();
      const out: ProvidedSecret[] = [];
      for (const entry of await entries()) {
        const secret = await secretIn(join(folder, entry), entry, real);
        if (secret) out.push(secret);
      }
      return out;
    },
    // A use reads the folder's listing and the one secret's files, not every secret's.
    async find(name) {
      const real = await root();
      const entry = (await entries()).find((e) => e.toLowerCase() === name);
      return entry === undefined ? undefined : secretIn(join(folder, entry), entry, real);
    },
  };
}
