/**
 * `tresor spaces …`: spaces and the roles held in them. Remote mode (a login, or --url and
 * --token) through the REST API as the signed-in user — a space's admin manages its roles
 * from here; local mode on the configured database as Tresor itself.
 */
import { createInterface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { ValidationError } from '../../errors.ts';
import type { RoleHolderRef } from '../../spaces/space.service.ts';
import type { CliContext } from '../context.ts';
import { apiCall } from '../remote-backend.ts';
import { positiveInteger } from './keys.command.ts';

/** A space and a role holder as both modes answer them (dates as ISO strings). */
interface SpaceInfo {
  id: string;
  name: string;
  description: string;
  createdAt: string;
}

interface RoleInfo {
  role: string;
  kind: 'user' | 'group';
  id: string;
  name: string;
}

interface SpacesBackend {
  list(): Promise<SpaceInfo[]>;
  get(space: string): Promise<SpaceInfo>;
  create(input: { name: string; description?: string }): Promise<SpaceInfo>;
  roles(space: string): Promise<RoleInfo[]>;
  setRole(space: string, holder: RoleHolderRef, role: string): Promise<void>;
  removeRole(space: string, holder: RoleHolderRef): Promise<void>;
  delete(space: string, force: boolean): Promise<{ secrets: number }>;
  key(space: string): Promise<KeyInfo>;
  rotateKey(space: string, o: RotateOptions): Promise<{ version: number; rewrapped: number; retired: number }>;
}

interface KeyInfo {
  currentVersion?: number;
  versions: { version: number; createdAt: string; dataKeys: number }[];
  underMasterKey: number;
}

interface RotateOptions {
  batchSize: number;
  /** Progress (local mode: the rotation runs here). */
  onProgress?: (rewrapped: number, target: number) => unknown;
}

/** JSON's view of a value: dates as ISO strings (what the API answers). */
const plain = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T;

async function backendOf(context: CliContext): Promise<SpacesBackend> {
  const target = context.remote();
  if (target) {
    const at = (space: string) => `/spaces/${encodeURIComponent(space)}`;
    return {
      list: async () => (await apiCall<{ items: SpaceInfo[] }>(target, 'GET', '/spaces')).items,
      get: (space) => apiCall(target, 'GET', at(space)),
      create: (input) => apiCall(target, 'POST', '/spaces', input),
      roles: async (space) => (await apiCall<{ items: RoleInfo[] }>(target, 'GET', `${at(space)}/roles`)).items,
      setRole: (space, holder, role) => apiCall(target, 'PUT', `${at(space)}/roles`, { ...holder, role }),
      removeRole: (space, holder) => apiCall(target, 'DELETE', `${at(space)}/roles`, holder),
      delete: (space, force) => apiCall(target, 'DELETE', `${at(space)}${force ? '?force=true' : ''}`),
      key: (space) => apiCall(target, 'GET', `${at(space)}/key`),
      rotateKey: (space, o) => apiCall(target, 'POST', `${at(space)}/key/rotate`, { batchSize: o.batchSize }),
    };
  }
  const { spaces } = await context.tresor();
  const me = context.localPrincipal();
  return {
    list: async () => plain<SpaceInfo[]>(await spaces.list(me)),
    get: async (space) => plain<SpaceInfo>(await spaces.get(me, space)),
    create: async (input) => plain<SpaceInfo>(await spaces.create(me, input)),
    roles: (space) => spaces.roles(me, space),
    setRole: (space, holder, role) => spaces.setRole(me, space, holder, role),
    removeRole: (space, holder) => spaces.removeRole(me, space, holder),
    delete: (space, force) => spaces.delete(me, space, { force }),
    key: async (space) => plain<KeyInfo>(await spaces.keyStatus(me, space)),
    rotateKey: (space, o) =>
      spaces.rotateKey(me, space, {
        batchSize: o.batchSize,
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      }),
  };
}

/** `--user` or `--group`: exactly one. */
function holderOf(o: { user?: string; group?: string }): RoleHolderRef {
  if (o.user && !o.group) return { user: o.user };
  if (o.group && !o.user) return { group: o.group };
  throw ValidationError.field('user', 'Name one holder: --user <email> or --group <name>');
}

export function spacesCommand(program: Command, context: CliContext): void {
  const spaces = program
    .command('spaces')
    .description('spaces: teams, their roles and their secrets (refer to a secret as space/name)');
  const backend = () => backendOf(context);

  spaces
    .command('list')
    .description('the spaces you hold a role in (every space, for instance administrators and local mode)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const list = await (await backend()).list();
      if (o.json) return context.out(JSON.stringify(list, null, 2));
      for (const s of list) context.out(`${s.name}${s.description ? `\t${s.description}` : ''}`);
    });

  spaces
    .command('create <name>')
    .description('create a space (GROUP_ADMIN)')
    .option('--description <text>', 'what it is for')
    .action(async (name: string, o: { description?: string }) => {
      const created = await (await backend()).create({
        name,
        ...(o.description === undefined ? {} : { description: o.description }),
      });
      context.out(`created space ${created.name}`);
    });

  spaces
    .command('show <space>')
    .description('a space and who holds which role in it')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o: { json?: boolean }) => {
      const b = await backend();
      const [space, roles] = await Promise.all([b.get(ref), b.roles(ref)]);
      if (o.json) return context.out(JSON.stringify({ ...space, roles }, null, 2));
      context.out(`${space.name}${space.description ? ` — ${space.description}` : ''}`);
      if (roles.length === 0) context.out('  no roles given');
      for (const r of roles) context.out(`  ${r.role.padEnd(8)} ${r.kind.padEnd(6)} ${r.name}`);
    });

  spaces
    .command('grant <space> <role>')
    .description('give a user or group a role in the space: admin, manager, member or viewer (replaces its role)')
    .option('--user <email>', 'a user')
    .option('--group <name>', 'a group')
    .action(async (space: string, role: string, o: { user?: string; group?: string }) => {
      await (await backend()).setRole(space, holderOf(o), role);
      context.out(`${o.user ?? o.group} is ${role} in ${space}`);
    });

  spaces
    .command('revoke <space>')
    .description('take away the role a user or group holds in the space')
    .option('--user <email>', 'a user')
    .option('--group <name>', 'a group')
    .action(async (space: string, o: { user?: string; group?: string }) => {
      await (await backend()).removeRole(space, holderOf(o));
      context.out(`${o.user ?? o.group} holds no role in ${space} any more`);
    });

  spaces
    .command('delete <space>')
    .description('delete a space with every secret in it, its roles and its webhooks (GROUP_ADMIN)')
    .option('-y, --yes', 'do not ask')
    .option('--force', 'delete it although configurations in other spaces name its secrets (they stop working)')
    .action(async (space: string, o: { yes?: boolean; force?: boolean }) => {
      if (!o.yes) {
        // Cannot be undone: the name typed again, as for a secret.
        if (!process.stdin.isTTY)
          throw ValidationError.field('yes', `Deleting space ${space} needs confirmation: pass --yes`);
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const typed = await rl.question(`Delete space ${space} and every secret in it? Type its name: `);
        rl.close();
        if (typed.trim() !== space) throw ValidationError.field('yes', 'Not confirmed; nothing was deleted');
      }
      const { secrets } = await (await backend()).delete(space, o.force === true);
      context.out(`deleted space ${space} with ${secrets} secret${secrets === 1 ? '' : 's'}`);
    });

  spaces
    .command('key <space>')
    .description("the space's own key: its versions and how many values each seals")
    .option('--json', 'machine-readable output')
    .action(async (space: string, o: { json?: boolean }) => {
      const key = await (await backend()).key(space);
      if (o.json) return context.out(JSON.stringify(key, null, 2));
      context.out(key.currentVersion ? `current key version: ${key.currentVersion}` : 'no key yet');
      for (const v of key.versions) context.out(`  v${v.version}: ${v.dataKeys} data keys, made ${v.createdAt}`);
      if (key.underMasterKey > 0)
        context.out(
          `  ${key.underMasterKey} data keys still under the master key (sealed before spaces had keys): ` +
            `run tresor spaces rotate-key ${space}`,
        );
    });

  spaces
    .command('rotate-key <space>')
    .description(
      "rotate the space's key: a new version, every value of the space re-wrapped (resumes an interrupted one)",
    )
    .option('--batch-size <n>', 'data keys re-wrapped per transaction', positiveInteger('batch-size'), 1000)
    .option(
      '--throttle <ms>',
      'pause between batches, to spare a busy database (local mode)',
      positiveInteger('throttle'),
      0,
    )
    .action(async (space: string, o: { batchSize: number; throttle: number }) => {
      const started = Date.now();
      const result = await (await backend()).rotateKey(space, {
        batchSize: Math.max(o.batchSize, 1),
        onProgress: async (rewrapped, target) => {
          const line = `rotating ${space} to key v${target}: ${rewrapped} data keys re-wrapped`;
          if (context.interactive) process.stderr.write(`\r${line}`);
          else context.err(line);
          if (o.throttle > 0) await sleep(o.throttle);
        },
      });
      if (context.interactive) process.stderr.write('\n');
      context.out(
        `rotated ${space} to key v${result.version}: ${result.rewrapped} data keys re-wrapped, ` +
          `${result.retired} old version${result.retired === 1 ? '' : 's'} destroyed in ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    });
}
