/**
 * Webhook endpoints: administrators (WEBHOOK_ADMIN)
 * register HTTPS endpoints with the events they want, for every secret or only some types
 * or secrets. Deliveries are written by the audit trail itself (the outbox, migration 0012)
 * and sent by the dispatcher (webhook.dispatcher.ts); this service manages the endpoints and
 * shows their deliveries.
 *
 * Each endpoint has its own signing secret, shown once when it is made (and when it is
 * replaced), kept sealed under the key ring like a secret's values, bound to the endpoint and
 * its generation. Every change here is audited; the URL is checked against the egress policy
 * when it is registered (and again at every delivery: a name may move).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { CredentialRegistry } from '../credentials/index.ts';
import type { KeyService } from '../crypto/key.service.ts';
import type { Database, Executor } from '../db/client.ts';
import { AccessDeniedError, EgressDeniedError, HostNotFoundError, NotFoundError, ValidationError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import type { EgressPolicy } from '../net/egress-policy.ts';
import { secretStore } from '../secrets/secret.store.ts';
import { spaceStore } from '../spaces/space.store.ts';
import type { SpaceNames } from '../spaces/space-names.ts';
import { parseField } from '../validation.ts';
import { sealSigningSecret } from './signing-secret.seal.ts';
import { type DeliveryRow, type DeliveryState, type EndpointRow, webhookStore } from './webhook.store.ts';
import { isWebhookEvent, type WebhookEvent, webhookEvents } from './webhook-events.ts';
import { newSigningSecret } from './webhook-signature.ts';
import { hostOf, urlSchema } from './webhook-url.ts';

/** An endpoint as administrators see it: never its signing secret. */
export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string;
  events: WebhookEvent[];
  types: string[];
  /** The secrets it is limited to, by id and (while they exist) name. */
  secrets: { id: string; name: string | undefined }[];
  /** A space's endpoint: its name (told only of that space's secrets); undefined: the instance's. */
  space: string | undefined;
  enabled: boolean;
  createdAt: Date;
  deliveries: Record<DeliveryState, number>;
}

export interface WebhookDeliveryView {
  id: number;
  event: string;
  secretName: string | undefined;
  createdAt: Date;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: Date | undefined;
  lastStatus: number | undefined;
  lastError: string | undefined;
  deliveredAt: Date | undefined;
}

export interface WebhookInput {
  url: string;
  description?: string;
  events: readonly string[];
  /** Credential type ids; empty or absent: every type. */
  types?: readonly string[];
  /** Secret names or ids; empty or absent: every secret. */
  secrets?: readonly string[];
  /** A space's name: the endpoint hears only of that space's secrets (set when registered). */
  space?: string;
  enabled?: boolean;
}

export function webhookServiceFactory({
  db,
  gate,
  audit,
  keys,
  registry,
  egress,
  spaceNames,
  now = () => new Date(),
}: {
  db: Database;
  gate: Pick<AccessGate, 'webhookScope' | 'check'>;
  audit: Pick<AuditService, 'appendInTx'>;
  keys: Pick<KeyService, 'sealingRing'>;
  registry: Pick<CredentialRegistry, 'find'>;
  egress: EgressPolicy;
  /** The space service's names (one cache per node). */
  spaceNames: SpaceNames;
  now?: () => Date;
}) {
  /** The endpoints the principal administers (the gate's answer): every one, or its spaces'. */
  const may = (principal: Principal, what: string, mode: 'read' | 'change' = 'change') =>
    gate.webhookScope(principal, what, mode);
  type Scope = Awaited<ReturnType<typeof may>>;
  const inScope = (scope: Scope, row: EndpointRow) =>
    scope.all || (row.spaceId !== null && scope.spaceIds.has(row.spaceId));

  /**
   * The space a new endpoint belongs to: one the principal is admin of, or none (the instance's,
   * WEBHOOK_ADMIN only). A space it does not administer reads as one that does not exist.
   */
  async function spaceOf(scope: Scope, name: string | undefined): Promise<string | null> {
    if (name === undefined || name.trim() === '') {
      if (!scope.all)
        throw ValidationError.field('space', 'Choose the space the endpoint is for: one you are admin of');
      return null;
    }
    const space = await spaceStore.byName(db, name.trim());
    if (!space || !(scope.all || scope.spaceIds.has(space.id)))
      throw ValidationError.field('space', `No space "${name.trim()}" you administer`);
    return space.id;
  }

  async function checkedUrl(text: string): Promise<string> {
    const url = parseField(urlSchema, text, 'url');
    try {
      await egress.resolve(url.hostname);
    } catch (error) {
      // Refused by the egress policy, or not found at all: either way the address is what to fix.
      if (error instanceof EgressDeniedError || error instanceof HostNotFoundError)
        throw ValidationError.field('url', error.message);
      throw error;
    }
    return url.toString();
  }

  function checkedEvents(events: readonly string[]): WebhookEvent[] {
    if (events.length === 0) throw ValidationError.field('events', 'Choose at least one event');
    const unknown = events.find((e) => !isWebhookEvent(e));
    if (unknown !== undefined)
      throw ValidationError.field('events', `No event "${unknown}"; events are ${webhookEvents.join(', ')}`);
    return [...new Set(events as readonly WebhookEvent[])];
  }

  function checkedTypes(types: readonly string[]): string[] {
    const unknown = types.find((t) => !registry.find(t));
    if (unknown !== undefined) throw ValidationError.field('types', `No credential type "${unknown}"`);
    return [...new Set(types)];
  }

  /**
   * The secrets an endpoint is limited to, as the principal may name them: only secrets it may
   * read (through the gate, refusals on record), and one it may not answers as one that does
   * not exist — a filter is no way to learn which names exist.
   */
  async function secretIds(principal: Principal, refs: readonly string[], spaceId: string | null): Promise<string[]> {
    const ids: string[] = [];
    for (const ref of refs) {
      const grant = await gate.check(principal, ref.trim(), 'read').catch((error: unknown) => {
        if (error instanceof NotFoundError || error instanceof AccessDeniedError)
          throw ValidationError.field('secrets', `No secret "${ref.trim()}"`);
        throw error;
      });
      // A space's endpoint hears of nothing outside it: a secret elsewhere would never match.
      if (spaceId !== null && grant.row.spaceId !== spaceId)
        throw ValidationError.field('secrets', `Secret "${ref.trim()}" is not in the endpoint's space`);
      ids.push(grant.row.id);
    }
    return [...new Set(ids)];
  }

  async function viewsOf(rows: EndpointRow[]): Promise<WebhookEndpointView[]> {
    const counts = await webhookStore.deliveryCounts(db);
    const spaceNamesOf = await spaceNames.of(rows.flatMap((r) => (r.spaceId ? [r.spaceId] : [])));
    const named = new Map<string, string>();
    for (const id of new Set(rows.flatMap((r) => r.secretIds))) {
      const secret = await secretStore.find(db, id);
      if (secret) named.set(id, secret.name);
    }
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      description: r.description,
      events: r.events.filter(isWebhookEvent),
      types: r.typeIds,
      secrets: r.secretIds.map((id) => ({ id, name: named.get(id) })),
      space: r.spaceId ? spaceNamesOf.get(r.spaceId) : undefined,
      enabled: r.enabled,
      createdAt: r.createdAt,
      deliveries: counts.get(r.id) ?? { pending: 0, delivered: 0, failed: 0 },
    }));
  }

  /** The endpoint, if the principal administers it; one it does not reads as one that does not exist. */
  async function existing(
    tx: Executor,
    id: string,
    scope: Scope,
    options: { lock?: boolean } = {},
  ): Promise<EndpointRow> {
    const row = z.uuid().safeParse(id).success ? await webhookStore.endpoint(tx, id, options) : undefined;
    if (!row || !inScope(scope, row)) throw new NotFoundError(`No webhook endpoint "${id}"`);
    return row;
  }

  async function sealSecret(endpoint: { id: string; secretGeneration: number }, secret: string) {
    return sealSigningSecret(await keys.sealingRing(), endpoint, secret);
  }

  function record(
    tx: Executor,
    principal: Principal,
    event: Parameters<AuditService['appendInTx']>[1][number]['event'],
  ): Promise<void> {
    return audit.appendInTx(tx, [{ actor: principal, event }]);
  }

  const changeEvent = (action: 'webhook.created' | 'webhook.updated' | 'webhook.deleted', row: EndpointRow) => ({
    action,
    target: { id: row.id, name: hostOf(row.url) },
    details: { events: row.events, enabled: row.enabled },
  });

  return {
    /**
     * Whether the principal administers webhooks, and which: every endpoint, or its spaces' (the
     * page and the API ask before anything else).
     */
    mayAdminister: (principal: Principal) => may(principal, 'Reading webhook endpoints', 'read'),

    async list(principal: Principal): Promise<WebhookEndpointView[]> {
      const scope = await may(principal, 'Reading webhook endpoints', 'read');
      return viewsOf((await webhookStore.endpoints(db)).filter((row) => inScope(scope, row)));
    },

    async get(principal: Principal, id: string): Promise<WebhookEndpointView> {
      const scope = await may(principal, 'Reading a webhook endpoint', 'read');
      const [view] = await viewsOf([await existing(db, id, scope)]);
      return view!;
    },

    /** Registers an endpoint; the answer holds its signing secret, which is never shown again. */
    async create(
      principal: Principal,
      input: WebhookInput,
    ): Promise<{ endpoint: WebhookEndpointView; signingSecret: string }> {
      const scope = await may(principal, 'Registering a webhook endpoint');
      const spaceId = await spaceOf(scope, input.space);
      const url = await checkedUrl(input.url);
      const events = checkedEvents(input.events);
      const types = checkedTypes(input.types ?? []);
      const description = parseField(
        z.string().trim().max(500, 'At most 500 characters'),
        input.description ?? '',
        'description',
      );
      const limitedTo = await secretIds(principal, input.secrets ?? [], spaceId);
      const signingSecret = newSigningSecret();
      const identity = { id: randomUUID(), secretGeneration: 1 };
      const sealed = await sealSecret(identity, signingSecret);
      const row = await db.transaction(async (tx) => {
        const inserted = await webhookStore.insert(tx, {
          ...identity,
          ...sealed,
          url,
          description,
          events,
          typeIds: types,
          secretIds: limitedTo,
          spaceId,
          enabled: input.enabled ?? true,
          createdBy: principal.kind === 'user' ? principal.id : null,
        });
        await record(tx, principal, changeEvent('webhook.created', inserted));
        return inserted;
      });
      const [endpoint] = await viewsOf([row]);
      return { endpoint: endpoint!, signingSecret };
    },

    /** Changes what is given; the rest stays. */
    async update(principal: Principal, id: string, patch: Partial<WebhookInput>): Promise<WebhookEndpointView> {
      const scope = await may(principal, 'Changing a webhook endpoint');
      if (patch.space !== undefined) throw ValidationError.field('space', 'An endpoint stays in its space');
      const current = await existing(db, id, scope);
      const url = patch.url === undefined ? undefined : await checkedUrl(patch.url);
      const events = patch.events === undefined ? undefined : checkedEvents(patch.events);
      const types = patch.types === undefined ? undefined : checkedTypes(patch.types);
      const limitedTo =
        patch.secrets === undefined ? undefined : await secretIds(principal, patch.secrets, current.spaceId);
      const row = await db.transaction(async (tx) => {
        await existing(tx, id, scope, { lock: true });
        const updated = await webhookStore.update(tx, id, {
          ...(url === undefined ? {} : { url }),
          ...(events === undefined ? {} : { events }),
          ...(types === undefined ? {} : { typeIds: types }),
          ...(limitedTo === undefined ? {} : { secretIds: limitedTo }),
          ...(patch.description === undefined
            ? {}
            : {
                description: parseField(
                  z.string().trim().max(500, 'At most 500 characters'),
                  patch.description,
                  'description',
                ),
              }),
          ...(patch.enabled === undefined ? {} : { enabled: patch.enabled }),
        });
        await record(tx, principal, changeEvent('webhook.updated', updated));
        return updated;
      });
      const [view] = await viewsOf([row]);
      return view!;
    },

    /** A new signing secret (the old one stops signing at once); shown this once. */
    async rotateSecret(principal: Principal, id: string): Promise<{ signingSecret: string }> {
      const scope = await may(principal, 'Replacing a webhook signing secret');
      const signingSecret = newSigningSecret();
      await db.transaction(async (tx) => {
        const row = await existing(tx, id, scope, { lock: true });
        const next = { id: row.id, secretGeneration: row.secretGeneration + 1 };
        await webhookStore.update(tx, id, {
          ...(await sealSecret(next, signingSecret)),
          secretGeneration: next.secretGeneration,
        });
        await record(tx, principal, {
          action: 'webhook.secret_rotated',
          target: { id: row.id, name: hostOf(row.url) },
          details: { generation: next.secretGeneration },
        });
      });
      return { signingSecret };
    },

    /** Removes the endpoint and its deliveries (sent or not). */
    async remove(principal: Principal, id: string): Promise<void> {
      const scope = await may(principal, 'Removing a webhook endpoint');
      await db.transaction(async (tx) => {
        const row = await existing(tx, id, scope, { lock: true });
        await webhookStore.remove(tx, id);
        await record(tx, principal, changeEvent('webhook.deleted', row));
      });
    },

    /** An endpoint's latest deliveries, newest first (`before`: older than that id). */
    async deliveries(
      principal: Principal,
      id: string,
      options: { limit?: number; before?: number } = {},
    ): Promise<WebhookDeliveryView[]> {
      const scope = await may(principal, 'Reading webhook deliveries', 'read');
      await existing(db, id, scope);
      const rows = await webhookStore.deliveries(
        db,
        id,
        Math.min(Math.max(options.limit ?? 50, 1), 500),
        options.before,
      );
      return rows.map(deliveryView);
    },

    /** Sends a delivery again, from its first attempt (a failed one, or one the receiver lost). */
    async redeliver(principal: Principal, id: string, deliveryId: number): Promise<void> {
      const scope = await may(principal, 'Sending a webhook delivery again');
      await db.transaction(async (tx) => {
        const row = await existing(tx, id, scope);
        if (!(await webhookStore.requeue(tx, id, deliveryId, now())))
          throw new NotFoundError(`No delivery ${deliveryId} of this endpoint`);
        await record(tx, principal, {
          action: 'webhook.redelivered',
          target: { id: row.id, name: hostOf(row.url) },
          details: { delivery: deliveryId },
        });
      });
    },
  };
}

function deliveryView(row: DeliveryRow): WebhookDeliveryView {
  const payload = row.payload as { secret?: { name?: unknown } };
  return {
    id: row.id,
    event: row.event,
    secretName: typeof payload.secret?.name === 'string' ? payload.secret.name : undefined,
    createdAt: row.createdAt,
    state: row.state as DeliveryState,
    attempts: row.attempts,
    nextAttemptAt: row.state === 'pending' ? row.nextAttemptAt : undefined,
    lastStatus: row.lastStatus ?? undefined,
    lastError: row.lastError ?? undefined,
    deliveredAt: row.deliveredAt ?? undefined,
  };
}

export type WebhookService = ReturnType<typeof webhookServiceFactory>;
