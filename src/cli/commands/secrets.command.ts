/** `tresor secrets …`: create, list, show, update, delete, share, unshare, versions, rollback, test. */

import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { testVerdict } from '../../credentials/connection-test.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { defaultSpaceName } from '../../secrets/secret-rules.ts';
import type { OAuth2Connection, SecretInfo } from '../backend.ts';
import type { CliContext } from '../context.ts';
import { exitCodes } from '../exit-codes.ts';
import { type FieldFlags, fieldsFromFlags, promptMissing } from '../field-input.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function withFieldFlags(command: Command): Command {
  return command
    .option(
      '-s, --secret <value>',
      "the type's secret field; - reads it from standard input (a value here is visible in the process list)",
    )
    .option('-f, --file <path>', "the type's secret field, read from a file (e.g. a PEM)")
    .option(
      '--field <key=value>',
      'a field; key=@path reads the value from a file, key=@- from standard input (repeatable)',
      collect,
    )
    .option('--pair <NAME=VALUE>', 'a name/value entry of a Generic secret (repeatable)', collect)
    .option('--description <text>', 'description')
    .option(
      '--generate <field>',
      'let Tresor generate this secret field (e.g. password); the value is never shown (repeatable)',
      collect,
    );
}

function dateOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))
    throw ValidationError.field('expires', '--expires must be a date as YYYY-MM-DD');
  return new Date(`${value}T23:59:59.999Z`).toISOString();
}

/** How a secret is referred to: `space/name`, or its bare name in the default space. */
const refOf = (s: SecretInfo) => (s.space === defaultSpaceName ? s.name : `${s.space}/${s.name}`);

function table(context: CliContext, rows: SecretInfo[]): void {
  if (rows.length === 0) {
    context.out('no secrets');
    return;
  }
  const w = Math.max(4, ...rows.map((r) => refOf(r).length));
  context.out(`${'NAME'.padEnd(w)}  ${'TYPE'.padEnd(11)}  VERSION  EXPIRES     DESCRIPTION`);
  for (const r of rows)
    context.out(
      `${refOf(r).padEnd(w)}  ${r.type.padEnd(11)}  ${`v${r.version}`.padEnd(7)}  ` +
        `${(r.expiresAt ?? '').slice(0, 10).padEnd(10)}  ${r.description}`,
    );
}

const connectionSummary: Record<OAuth2Connection['status'], string> = {
  connected: 'connected',
  'needs-reconnect': 'needs reconnect — the server refused its refresh token; connect it again on its page',
  'not-connected': 'not connected — connect it on its page in the web UI (Connect)',
};

export function secretsCommand(program: Command, context: CliContext): void {
  const secrets = program.command('secrets').description('secrets: values go in, never come out');

  withFieldFlags(
    secrets
      .command('create <name>')
      .description('create a secret')
      .requiredOption('-t, --type <type>', 'credential type id (see tresor types)'),
  )
    .option('--expires <YYYY-MM-DD>', 'expiry date')
    .option('--space <space>', 'the space to create it in (default: the default space; or give the name as space/name)')
    .option('--visibility <level>', 'private (default), space (every member may use it) or global')
    .option('--json', 'print the created secret as JSON')
    .action(
      async (
        given: string,
        o: FieldFlags & {
          type: string;
          description?: string;
          expires?: string;
          space?: string;
          visibility?: string;
          json?: boolean;
        },
      ) => {
        // `payments/psp` says the space in the name, as everywhere a secret is named.
        const slash = given.indexOf('/');
        const name = slash > 0 && o.space === undefined ? given.slice(slash + 1) : given;
        const space = o.space ?? (slash > 0 ? given.slice(0, slash) : undefined);
        const backend = await context.backend();
        const type = (await backend.types()).find((t) => t.id === o.type);
        if (!type) throw ValidationError.field('type', `Unknown type "${o.type}"; see tresor types`);
        const fields = await promptMissing(type, await fieldsFromFlags(type, o, context.err), o.generate);
        const expiresAt = dateOption(o.expires);
        const created = await backend.create({
          type: type.id,
          name,
          fields,
          ...(o.generate ? { generate: o.generate } : {}),
          ...(o.description === undefined ? {} : { description: o.description }),
          ...(expiresAt ? { expiresAt } : {}),
          ...(space ? { space } : {}),
          ...(o.visibility ? { visibility: o.visibility } : {}),
        });
        context.out(
          o.json
            ? JSON.stringify(created, null, 2)
            : `created ${refOf(created)} (${created.type}, v${created.version})`,
        );
      },
    );

  secrets
    .command('list')
    .description('your store (local mode: every secret)')
    .option('-t, --type <type>', 'only this type')
    .option('--search <text>', 'name or description contains')
    .option('--space <space>', 'only this space')
    .option('--json', 'machine-readable output')
    .action(async (o: { type?: string; search?: string; space?: string; json?: boolean }) => {
      const rows = await (await context.backend()).list({
        limit: 500,
        ...(o.type ? { type: o.type } : {}),
        ...(o.search ? { text: o.search } : {}),
        ...(o.space ? { space: o.space } : {}),
      });
      if (o.json) context.out(JSON.stringify(rows, null, 2));
      else table(context, rows);
    });

  secrets
    .command('show <name>')
    .description('metadata, non-secret fields and facts (never a secret value)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean }) => {
      const s = await (await context.backend()).show(name);
      if (o.json) return context.out(JSON.stringify(s, null, 2));
      context.out(`${refOf(s)} (${s.type}, v${s.version})${s.description ? ` — ${s.description}` : ''}`);
      // Where it is and who else reaches it; a one-space installation's private secrets say nothing new.
      if (s.space !== defaultSpaceName || s.visibility !== 'private')
        context.out(`  space: ${s.space}\n  visibility: ${s.visibility}`);
      context.out(
        `  id: ${s.id}\n  updated: ${s.updatedAt}\n  expires: ${s.expiresAt ?? 'never'}\n  last used: ` +
          `${s.lastUsedAt ?? 'never'}`,
      );
      for (const [k, v] of Object.entries(s.fields ?? {}))
        context.out(`  ${k}: ${Array.isArray(v) ? v.map((p: { name: string }) => p.name).join(', ') : String(v)}`);
      for (const [k, v] of Object.entries(s.facts ?? {})) context.out(`  ${k}: ${v}`);
    });

  withFieldFlags(
    secrets
      .command('update <name>')
      .description('update; fields left out (and secret fields left empty) keep their value'),
  )
    .option('--expires <YYYY-MM-DD>', 'new expiry date ("never" removes it)')
    .option('--reason <text>', 'why (kept with the version)')
    .option('--json', 'machine-readable output')
    .action(
      async (
        name: string,
        o: FieldFlags & { description?: string; expires?: string; reason?: string; json?: boolean },
      ) => {
        const backend = await context.backend();
        const current = await backend.show(name);
        const type = (await backend.types()).find((t) => t.id === current.type)!;
        const fields = await fieldsFromFlags(type, o, context.err);
        const expiresAt = o.expires === 'never' ? null : dateOption(o.expires);
        const result = await backend.update(name, {
          ...(Object.keys(fields).length > 0 ? { fields } : {}),
          ...(o.generate ? { generate: o.generate } : {}),
          ...(o.description === undefined ? {} : { description: o.description }),
          ...(expiresAt === undefined ? {} : { expiresAt }),
          ...(o.reason === undefined ? {} : { reason: o.reason }),
        });
        if (o.json) return context.out(JSON.stringify(result, null, 2));
        context.out(
          result.changed
            ? `updated ${result.secret.name}: now v${result.secret.version}`
            : `nothing changed: ${result.secret.name} stays at v${result.secret.version}`,
        );
      },
    );

  secrets
    .command('delete <name>')
    .description('delete permanently (asks to confirm unless --yes)')
    .option('-y, --yes', 'do not ask')
    .option('--force', 'delete it although stored configurations name it (they will stop working)')
    .action(async (name: string, o: { yes?: boolean; force?: boolean }) => {
      const backend = await context.backend();
      const s = await backend.show(name);
      if (!o.yes) {
        if (!process.stdin.isTTY)
          throw ValidationError.field('yes', `Deleting ${s.name} needs confirmation: pass --yes`);
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(
          `Delete ${s.name} permanently, with every version and share? Type its name to confirm: `,
        );
        rl.close();
        if (answer.trim() !== s.name) throw ValidationError.field('yes', 'Not confirmed; nothing was deleted');
      }
      await backend.delete(s.id, { force: o.force === true });
      context.out(`deleted ${s.name}`);
    });

  const target = (o: { user?: string; group?: string }): { user: string } | { group: string } => {
    if (Boolean(o.user) === Boolean(o.group))
      throw ValidationError.field('user', 'Give exactly one of --user EMAIL or --group NAME');
    return o.user ? { user: o.user } : { group: o.group ?? '' };
  };

  secrets
    .command('share <name>')
    .description("share with a user (it appears in their store) or a group (its members' modules may use it)")
    .option('--user <email>', 'a user')
    .option('--group <name>', 'a group')
    .action(async (name: string, o: { user?: string; group?: string }) => {
      const share = await (await context.backend()).share(name, target(o));
      context.out(`shared ${name} with ${share.kind} ${share.label}`);
    });

  secrets
    .command('unshare <name>')
    .description('take a share back')
    .option('--user <email>', 'a user')
    .option('--group <name>', 'a group')
    .action(async (name: string, o: { user?: string; group?: string }) => {
      const t = target(o);
      const backend = await context.backend();
      const wanted = ('user' in t ? t.user : t.group).toLowerCase();
      const share = (await backend.shares(name)).find(
        (s) =>
          s.kind === ('user' in t ? 'user' : 'group') && (s.label.toLowerCase() === wanted || s.principalId === wanted),
      );
      if (!share) throw new NotFoundError(`${name} is not shared with ${'user' in t ? 'user' : 'group'} ${wanted}`);
      await backend.unshare(name, share.id);
      context.out(`unshared ${name} from ${share.kind} ${share.label}`);
    });

  secrets
    .command('versions <name>')
    .description('version history')
    .option('--environment <name>', "that environment's value's versions (default: the secret's own)")
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean; environment?: string }) => {
      const versions = await (await context.backend()).versions(name, o.environment);
      if (o.json) return context.out(JSON.stringify(versions, null, 2));
      for (const v of versions) context.out(`v${v.version}\t${v.createdAt}\t${v.reason}`);
    });

  secrets
    .command('diff <name>')
    .description('what changed between two versions: fields old → new, secret fields only whether they changed')
    .option('--from <version>', 'the older version (default: the one before --to)')
    .option('--to <version>', 'the newer version (default: the current one)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { from?: string; to?: string; json?: boolean }) => {
      const backend = await context.backend();
      const version = (text: string, flag: 'from' | 'to') => {
        const n = Number(text);
        if (!Number.isInteger(n) || n < 1) throw ValidationError.field(flag, `--${flag} must be a version number`);
        return n;
      };
      const to = o.to === undefined ? (await backend.show(name)).version : version(o.to, 'to');
      const from = o.from === undefined ? Math.max(to - 1, 1) : version(o.from, 'from');
      const diff = await backend.compare(name, from, to);
      if (o.json) return context.out(JSON.stringify(diff, null, 2));
      context.out(`v${diff.from.version} (${diff.from.reason}) → v${diff.to.version} (${diff.to.reason})`);
      const shown = (value: unknown) =>
        value === null
          ? '(not set)'
          : Array.isArray(value)
            ? value.map((p: { name: string }) => p.name).join(', ')
            : String(value);
      for (const f of diff.fields) {
        if (!f.changed) continue;
        if (!f.secret) context.out(`${f.key}: ${shown(f.from)} → ${shown(f.to)}`);
        else if (f.pairs)
          context.out(
            `${f.key}: sealed; added ${f.added?.join(', ') || 'none'}, removed ${f.removed?.join(', ') || 'none'}` +
              (f.valuesChanged ? ', values changed' : ''),
          );
        else context.out(`${f.key}: sealed, ${!f.setAfter ? 'removed' : !f.setBefore ? 'set' : 'changed'}`);
      }
      if (!diff.fields.some((f) => f.changed)) context.out('no field changed');
    });

  secrets
    .command('notify <name>')
    .description('who else is mailed before it expires (besides its owner): show, or replace with --email')
    .option('--email <address...>', 'the addresses (replaces the list)')
    .option('--none', 'nobody but the owner')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { email?: string[]; none?: boolean; json?: boolean }) => {
      if (o.email && o.none) throw ValidationError.field('none', 'Give --email addresses or --none, not both');
      const replace = o.none ? [] : o.email;
      const recipients = await (await context.backend()).noticeRecipients(name, replace);
      if (o.json) return context.out(JSON.stringify(recipients));
      context.out(
        recipients.length === 0
          ? `${name}: expiry notices go to its owner only`
          : `${name}: expiry notices go to its owner and ${recipients.join(', ')}`,
      );
    });

  secrets
    .command('usage <name>')
    .description('where it is used: modules that used it, and stored configurations that name it')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean }) => {
      const usage = await (await context.backend()).usage(name);
      if (o.json) return context.out(JSON.stringify(usage, null, 2));
      for (const m of usage.modules)
        context.out(`used by ${m.module ?? '(no module)'} for ${m.usedFor}: ${m.uses}×, last ${m.lastAt}`);
      for (const r of usage.references) context.out(`named by ${r.secretName} (${r.field})`);
      if (usage.hiddenReferences > 0)
        context.out(
          `named by ${usage.hiddenReferences} secret${usage.hiddenReferences === 1 ? '' : 's'} you cannot see`,
        );
      if (usage.modules.length + usage.references.length + usage.hiddenReferences === 0)
        context.out('not used by any module, not named by any configuration');
    });

  secrets
    .command('rollback <name>')
    .description('write a new version with the values of an old one')
    .requiredOption('--to <version>', 'the version to go back to')
    .option('--reason <text>', 'why')
    .action(async (name: string, o: { to: string; reason?: string }) => {
      const to = Number(o.to);
      if (!Number.isInteger(to) || to < 1) throw ValidationError.field('to', '--to must be a version number');
      const s = await (await context.backend()).rollback(name, to, o.reason);
      context.out(`rolled ${s.name} back to v${to}: now v${s.version}`);
    });

  secrets
    .command('oauth2 <name>')
    .description('an OAuth2 secret’s connection (never a token); --forget drops it. Connect in the web UI')
    .option('--forget', 'forget the connection: modules are refused the secret until it is connected again')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { forget?: boolean; json?: boolean }) => {
      const backend = await context.backend();
      if (o.forget) {
        await backend.forgetOAuth2(name);
        return context.out(`forgot the connection of ${name}: modules are refused it until it is connected again`);
      }
      const c = await backend.oauth2(name);
      if (o.json) return context.out(JSON.stringify(c, null, 2));
      context.out(`${name} (${c.grant}): ${connectionSummary[c.status]}`);
      for (const [label, value] of [
        ['account', c.account],
        ['scopes', c.scopes],
        ['access token valid until', c.accessExpiresAt],
        ['connected', c.connectedAt],
        ['refreshed', c.refreshedAt],
      ] as const)
        if (value) context.out(`  ${label}: ${value}`);
    });

  secrets
    .command('test <name>')
    .description('run the type’s connection test (exit code 11 when a check failed)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean }) => {
      const report = await (await context.backend()).test(name);
      if (!report.ok) context.exitCode = exitCodes.testFailed;
      if (o.json) return context.out(JSON.stringify(report, null, 2));
      const verdict = testVerdict(report.checks);
      context.out(`${name}: ${verdict} (${report.durationMs} ms)`);
      for (const check of report.checks)
        context.out(
          `  ${check.status.toUpperCase().padEnd(7)} ${check.name}${check.message ? `: ${check.message}` : ''}`,
        );
    });
}
