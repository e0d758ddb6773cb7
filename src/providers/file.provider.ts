/**
 * Secrets from a folder of files, as Kubernetes mounts them: with TRESOR_PROVIDER_FILES=/run/tresor,
 * the folder /run/tresor/mail-relay/ with the files `type` (smtp), `host`, `password`, … is
 * the secret `mail-relay`; `users` and `groups` say who may use it. Read again on every
 * lookup, so a rotated mount is used at once. Names starting with a dot (Kubernetes' `..data`
 * links) are skipped; one trailing newline of a file is not part of its value.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listOf, type ProvidedSecret, type SecretProvider } from './provider.ts';

const text = async (path: string) => (await readFile(path, 'utf8')).replace(/\r?\n$/, '');

/** The secret a folder holds, read file by file; undefined when it is not a folder. */
async function secretIn(dir: string, entry: string): Promise<ProvidedSecret | undefined> {
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
  for (const file of await readdir(dir)) {
    if (file.startsWith('.')) continue;
    const path = join(dir, file);
    if (!(await stat(path)).isFile()) continue;
    const value = await text(path);
    if (file === 'type') secret.type = value.trim();
    else if (file === 'users') secret.users = listOf(value);
    else if (file === 'groups') secret.groups = listOf(value);
    else secret.fields[file] = value;
  }
  return secret;
}

export function fileProvider(folder: string): SecretProvider {
  const entries = async () => (await readdir(folder)).filter((e) => !e.startsWith('.')).sort();
  return {
    id: 'files',
    async load() {
      const out: ProvidedSecret[] = [];
      for (const entry of await entries()) {
        const secret = await secretIn(join(folder, entry), entry);
        if (secret) out.push(secret);
      }
      return out;
    },
    // A use reads the folder's listing and the one secret's files, not every secret's.
    async find(name) {
      const entry = (await entries()).find((e) => e.toLowerCase() === name);
      return entry === undefined ? undefined : secretIn(join(folder, entry), entry);
    },
  };
}
