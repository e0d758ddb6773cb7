/**
 * Environments in the CLI: `tresor spaces environments|add-environment|remove-environment` for a
 * space's, and `tresor secrets environments|set-environment|copy-environment` for a secret's value
 * in each, and `tresor spaces default` (a user's own default space). Remote mode through the REST API as
 * the signed-in user; local mode as Tresor itself.
 */
import type { Command } from 'commander';
import { ValidationError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { type FieldFlags, fieldsFromFlags } from '../field-input.ts';
import { apiCall } from '../remote-backend.ts';
import { withFieldFlags } from './secrets.command.ts';

interface EnvironmentInfo {
  name: string;
  default: boolean;
  createdAt: string;
}

interface ValueInfo {
  environment: string;
  default: boolean;
  set: boolean;
  version?: number;
  updatedAt?: string;
  updatedBy?: string | null;
  fields?: Record<string, unknown>;
  sealed?: string[];
}

interface Written {
  environment: string;
  version: number;
}

interface SetInput {
  fields: Record<string, unknown>;
  merge: true;
  generate?: string[];
  reason?: string;
}

interface EnvironmentsBackend {
  declared(space: string): Promise<EnvironmentInfo[]>;
  add(space: string, name: string): Promise<EnvironmentInfo>;
  remove(space: string, name: string, force: boolean): Promise<{ versionsDestroyed: number }>;
  values(ref: string): Promise<ValueInfo[]>;
  set(ref: string, environment: string, input: SetInput): Promise<Written>;
  copy(ref: string, from: string, to: string, reason?: string): Promise<Written>;
}

const plain = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T;
const enc = encodeURIComponent;

async function backendOf(context: CliContext): Promise<EnvironmentsBackend> {
  const target = context.remote();
  if (target) {
    const call = <T>(method: string, path: string, body?: unknown) => apiCall<T>(target, method, path, body);
    return {
      declared: async (space) =>
        (await call<{ items: EnvironmentInfo[] }>('GET', `/spaces/${enc(space)}/environments`)).items,
      add: (space, name) => call('POST', `/spaces/${enc(space)}/environments`, { name }),
      remove: (space, name, force) =>
        call('DELETE', `/spaces/${enc(space)}/environments/${enc(name)}${force ? '?force=true' : ''}`),
      values: async (ref) => (await call<{ items: ValueInfo[] }>('GET', `/secrets/${enc(ref)}/environments`)).items,
      // The API's PUT takes the whole value: the CLI sends what it changes over the environment's current fields.
      set: async (ref, environment, { merge: _merge, ...input }) => {
        const current = (await call<{ items: ValueInfo[] }>('GET', `/secrets/${enc(ref)}/environments`)).items.find(
          (v) => v.environment === environment.toLowerCase(),
        );
        const fields = { ...(current?.fields ?? {}), ...input.fields };
        return call('PUT', `/secrets/${enc(ref)}/environments/${enc(environment)}`, { ...input, fields });
      },
      copy: (ref, from, to, reason) =>
        call('POST', `/secrets/${enc(ref)}/environments/${enc(to)}/copy`, {
          from,
          ...(reason === undefined ? {} : { reason }),
        }),
    };
  }
  const { spaces, secrets } = await context.tresor();
  const me = context.localPrincipal();
  return {
    declared: async (space) => plain(await spaces.environments(me, space)),
    add: async (space, name) => plain(await spaces.addEnvironment(me, space, name)),
    remove: (space, name, force) => spaces.removeEnvironment(me, space, name, { force }),
    values: async (ref) => plain(await secrets.environments(me, ref)),
    set: (ref, environment, input) => secrets.setEnvironment(me, ref, environment, input),
    copy: (ref, from, to, reason) =>
      secrets.copyEnvironment(me, ref, { from, to, ...(reason === undefined ? {} : { reason }) }),
  };
}

export function environmentsCommand(program: Command, context: CliContext): void {
  const find = (name: string) => program.commands.find((c) => c.name() === name)!;
  const spaces = find('spaces');
  const secrets = find('secrets');
  const backend = () => backendOf(context);

  spaces
    .command('default [space]')
    .description(
      'your own default space: where the bare names you give resolve first, and where you create without --space ' +
        '(shown without a space; --clear: the installation’s again)',
    )
    .option('--clear', "back to the installation's default space")
    .action(async (space: string | undefined, o: { clear?: boolean }) => {
      const target = context.remote();
      if (!target) throw ValidationError.field('url', 'A default space is a user’s: sign in (tresor login) first');
      const path = '/me/default-space';
      const answer =
        space === undefined && !o.clear
          ? await apiCall<{ space: string | null }>(target, 'GET', path)
          : await apiCall<{ space: string | null }>(target, 'PUT', path, { space: o.clear ? null : space });
      context.out(
        answer.space ? `your default space: ${answer.space}` : "your default space: the installation's (default)",
      );
    });

  spaces
    .command('environments <space>')
    .description("the space's environments in order (the first is its default: its secrets' own values)")
    .option('--json', 'machine-readable output')
    .action(async (space: string, o: { json?: boolean }) => {
      const list = await (await backend()).declared(space);
      if (o.json) return context.out(JSON.stringify(list, null, 2));
      if (list.length === 0) context.out(`${space} declares no environments: each secret has one value`);
      for (const e of list) context.out(`${e.name}${e.default ? '\t(default)' : ''}`);
    });

  spaces
    .command('add-environment <space> <name>')
    .description("declare an environment after the others (the first declared holds the secrets' own values)")
    .action(async (space: string, name: string) => {
      const added = await (await backend()).add(space, name);
      context.out(`${space} has environment ${added.name}${added.default ? ' (its default)' : ''}`);
    });

  spaces
    .command('remove-environment <space> <name>')
    .description('remove an environment and destroy every value its secrets hold there')
    .option('--force', 'destroy the values secrets hold in it (asked otherwise)')
    .action(async (space: string, name: string, o: { force?: boolean }) => {
      const { versionsDestroyed } = await (await backend()).remove(space, name, o.force === true);
      context.out(`removed ${name} from ${space}: ${versionsDestroyed} versions destroyed`);
    });

  secrets
    .command('environments <name>')
    .description("the secret's value in each environment of its space, side by side (never a secret value)")
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean }) => {
      const values = await (await backend()).values(name);
      if (o.json) return context.out(JSON.stringify(values, null, 2));
      if (values.length === 0) context.out(`${name}'s space declares no environments: it has one value`);
      for (const v of values) {
        const where = `${v.environment}${v.default ? ' (default)' : ''}`;
        if (!v.set) {
          context.out(`${where}: not set`);
          continue;
        }
        context.out(`${where}: v${v.version}, ${v.updatedAt}${v.updatedBy ? ` by ${v.updatedBy}` : ''}`);
        for (const [k, value] of Object.entries(v.fields ?? {})) context.out(`  ${k}: ${JSON.stringify(value)}`);
        for (const k of v.sealed ?? []) context.out(`  ${k}: (set)`);
      }
    });

  withFieldFlags(
    secrets
      .command('set-environment <name> <environment>')
      .description("set the secret's value in one environment; fields left out keep that environment's value"),
  )
    .option('--reason <text>', 'why (kept with the version)')
    .action(async (name: string, environment: string, o: FieldFlags & { reason?: string }) => {
      const secretsBackend = await context.backend();
      const current = await secretsBackend.show(name);
      const type = (await secretsBackend.types()).find((t) => t.id === current.type)!;
      const fields = await fieldsFromFlags(type, o, context.err);
      const written = await (await backend()).set(name, environment, {
        fields,
        merge: true,
        ...(o.generate ? { generate: o.generate } : {}),
        ...(o.reason === undefined ? {} : { reason: o.reason }),
      });
      context.out(`set ${name} in ${environment}: now v${written.version} there`);
    });

  secrets
    .command('copy-environment <name>')
    .description("copy one environment's value to another, as a new version there (nobody sees it; audited)")
    .requiredOption('--from <environment>', 'the environment copied')
    .requiredOption('--to <environment>', 'the environment that receives it')
    .option('--reason <text>', 'why (kept with the version)')
    .action(async (name: string, o: { from: string; to: string; reason?: string }) => {
      if (o.from === o.to) throw ValidationError.field('to', '--to must name another environment than --from');
      const written = await (await backend()).copy(name, o.from, o.to, o.reason);
      context.out(`copied ${name} from ${o.from} to ${o.to}: now v${written.version} there`);
    });
}
