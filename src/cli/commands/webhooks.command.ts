/**
 * `tresor webhooks …`: webhook endpoints and their deliveries. Remote mode (a login, or --url
 * and --token) through the REST API as the signed-in user (WEBHOOK_ADMIN); local mode on the
 * configured database as Tresor itself. `deliver` runs the outbox once, locally.
 */
import type { Command } from 'commander';
import { TresorError, ValidationError } from '../../errors.ts';
import type { WebhookInput } from '../../webhooks/webhook.service.ts';
import type { CliContext } from '../context.ts';
import { apiCall } from '../remote-backend.ts';

/** An endpoint and a delivery as both modes answer them (dates as ISO strings). */
interface EndpointInfo {
  id: string;
  url: string;
  description: string;
  events: string[];
  types: string[];
  secrets: { id: string; name: string | null }[];
  space: string | null;
  enabled: boolean;
  deliveries: { pending: number; delivered: number; failed: number };
}

interface DeliveryInfo {
  id: number;
  event: string;
  secretName: string | null;
  createdAt: string;
  state: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
}

interface WebhooksBackend {
  list(): Promise<EndpointInfo[]>;
  get(id: string): Promise<EndpointInfo>;
  create(input: WebhookInput): Promise<EndpointInfo & { signingSecret: string }>;
  update(id: string, patch: Partial<WebhookInput>): Promise<EndpointInfo>;
  rotateSecret(id: string): Promise<{ signingSecret: string }>;
  remove(id: string): Promise<void>;
  deliveries(id: string, limit: number): Promise<DeliveryInfo[]>;
  redeliver(id: string, delivery: number): Promise<void>;
}

/** JSON's view of a value: dates as ISO strings, undefined as null (what the API answers). */
const plain = <T>(value: unknown): T =>
  JSON.parse(JSON.stringify(value, (_key, v: unknown) => (v === undefined ? null : v))) as T;

async function backendOf(context: CliContext): Promise<WebhooksBackend> {
  const target = context.remote();
  if (target) {
    const base = '/admin/webhooks';
    const at = (id: string) => `${base}/${encodeURIComponent(id)}`;
    return {
      list: () => apiCall(target, 'GET', base),
      get: (id) => apiCall(target, 'GET', at(id)),
      create: (input) => apiCall(target, 'POST', base, input),
      update: (id, patch) => apiCall(target, 'PATCH', at(id), patch),
      rotateSecret: (id) => apiCall(target, 'POST', `${at(id)}/rotate-secret`),
      remove: (id) => apiCall(target, 'DELETE', at(id)),
      deliveries: (id, limit) => apiCall(target, 'GET', `${at(id)}/deliveries?limit=${limit}`),
      redeliver: (id, delivery) => apiCall(target, 'POST', `${at(id)}/deliveries/${delivery}/redeliver`),
    };
  }
  const { webhooks } = await context.tresor();
  const me = context.localPrincipal();
  return {
    list: async () => plain(await webhooks.list(me)),
    get: async (id) => plain(await webhooks.get(me, id)),
    create: async (input) => {
      const { endpoint, signingSecret } = await webhooks.create(me, input);
      return { ...plain<EndpointInfo>(endpoint), signingSecret };
    },
    update: async (id, patch) => plain(await webhooks.update(me, id, patch)),
    rotateSecret: (id) => webhooks.rotateSecret(me, id),
    remove: (id) => webhooks.remove(me, id),
    deliveries: async (id, limit) => plain(await webhooks.deliveries(me, id, { limit })),
    redeliver: (id, delivery) => webhooks.redeliver(me, id, delivery),
  };
}

const describeEndpoint = (e: EndpointInfo) => {
  const scope = [
    e.space ? `space ${e.space}` : '',
    e.types.length > 0 ? `types ${e.types.join(',')}` : '',
    e.secrets.length > 0 ? `secrets ${e.secrets.map((s) => s.name ?? s.id).join(',')}` : '',
  ].filter(Boolean);
  const d = e.deliveries;
  return (
    `${e.id}\t${e.url}\t${e.enabled ? 'enabled' : 'disabled'}\t${e.events.join(',')}` +
    `${scope.length > 0 ? `\t${scope.join('; ')}` : ''}` +
    `\t${d.delivered} delivered, ${d.pending} waiting, ${d.failed} failed`
  );
};

const list = (value: string, previous: string[] = []) => [...previous, ...value.split(',').filter(Boolean)];

export function webhooksCommand(program: Command, context: CliContext): void {
  const webhooks = program
    .command('webhooks')
    .description('webhook endpoints told of changes (WEBHOOK_ADMIN; local mode acts as Tresor itself)');
  const backend = () => backendOf(context);

  webhooks
    .command('list')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const endpoints = await (await backend()).list();
      if (o.json) return context.out(JSON.stringify(endpoints, null, 2));
      if (endpoints.length === 0) return context.out('no webhook endpoints');
      for (const e of endpoints) context.out(describeEndpoint(e));
    });

  webhooks
    .command('add <url>')
    .description('register an https:// endpoint; prints its signing secret once')
    .requiredOption('--event <events>', 'events to send (repeat or comma-separate), e.g. secret.updated', list)
    .option('--type <types>', 'only secrets of these credential types', list)
    .option('--secret <names>', 'only these secrets', list)
    .option('--description <text>', 'what the endpoint is for')
    .option('--space <space>', "a space's endpoint: told only of its secrets (a space's admin must name one)")
    .option('--disabled', 'register it without sending to it yet')
    .action(
      async (
        url: string,
        o: {
          event: string[];
          type?: string[];
          secret?: string[];
          description?: string;
          space?: string;
          disabled?: boolean;
        },
      ) => {
        const created = await (await backend()).create({
          url,
          events: o.event,
          ...(o.type ? { types: o.type } : {}),
          ...(o.secret ? { secrets: o.secret } : {}),
          ...(o.description === undefined ? {} : { description: o.description }),
          ...(o.space ? { space: o.space } : {}),
          ...(o.disabled ? { enabled: false } : {}),
        });
        context.out(`registered ${created.id}`);
        context.out(`signing secret (shown this once): ${created.signingSecret}`);
      },
    );

  webhooks
    .command('show <id>')
    .description('an endpoint and its latest deliveries')
    .option('--limit <n>', 'how many deliveries', '20')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { limit: string; json?: boolean }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw ValidationError.field('limit', '--limit must be a whole number from 1 to 500');
      const b = await backend();
      const [endpoint, deliveries] = await Promise.all([b.get(id), b.deliveries(id, limit)]);
      if (o.json) return context.out(JSON.stringify({ ...endpoint, latest: deliveries }, null, 2));
      context.out(describeEndpoint(endpoint));
      for (const d of deliveries)
        context.out(
          `  ${d.id}\t${d.createdAt}\t${d.event}\t${d.secretName ?? ''}\t${d.state}, ${d.attempts} attempt(s)` +
            `${d.lastError ? `\t${d.lastError}` : ''}${d.nextAttemptAt ? `\tnext ${d.nextAttemptAt}` : ''}`,
        );
    });

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const)
    webhooks
      .command(`${name} <id>`)
      .description(enabled ? 'send to the endpoint again' : 'stop sending to the endpoint (changes are still queued)')
      .action(async (id: string) => {
        await (await backend()).update(id, { enabled });
        context.out(`${name}d ${id}`);
      });

  webhooks
    .command('rotate-secret <id>')
    .description('a new signing secret, printed once; the old one stops signing at once')
    .action(async (id: string) => {
      const { signingSecret } = await (await backend()).rotateSecret(id);
      context.out(`signing secret (shown this once): ${signingSecret}`);
    });

  webhooks
    .command('remove <id>')
    .description('remove an endpoint and its deliveries')
    .action(async (id: string) => {
      await (await backend()).remove(id);
      context.out(`removed ${id}`);
    });

  webhooks
    .command('redeliver <id> <delivery>')
    .description('send a delivery again (from its first attempt)')
    .action(async (id: string, delivery: string) => {
      const number = Number(delivery);
      if (!Number.isInteger(number) || number < 1)
        throw ValidationError.field('delivery', 'the delivery is its number, as `tresor webhooks show` lists it');
      await (await backend()).redeliver(id, number);
      context.out(`delivery ${number} is queued again`);
    });

  webhooks
    .command('deliver')
    .description('send the deliveries due now (local mode; the server does this on its own)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      if (context.remote())
        throw new TresorError('VALIDATION_FAILED', 'tresor webhooks deliver runs where the database is (no --url)');
      const result = await (await context.tresor()).webhooks.deliver();
      if (o.json) return context.out(JSON.stringify(result));
      context.out(`${result.delivered} delivered, ${result.retrying} to retry, ${result.failed} given up`);
    });
}
