/**
 * /api/v1/admin/webhooks: webhook endpoints and their deliveries (WEBHOOK_ADMIN; the service
 * decides). A signing secret is in the answer of the create and rotate-secret calls only.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebhookDeliveryView, WebhookEndpointView } from '../../webhooks/webhook.service.ts';
import { webhookEvents } from '../../webhooks/webhook-events.ts';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { errorSchema, idParams } from './schemas.ts';

const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema, 422: errorSchema };
const states = z.enum(['pending', 'delivered', 'failed']);

const endpointSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.enum(webhookEvents)),
  types: z.array(z.string()),
  secrets: z.array(z.object({ id: z.string(), name: z.string().nullable() })),
  space: z.string().nullable().describe("A space's endpoint: told only of that space's secrets; null: the instance's"),
  enabled: z.boolean(),
  createdAt: z.iso.datetime(),
  deliveries: z.object({ pending: z.number(), delivered: z.number(), failed: z.number() }),
});

const deliverySchema = z.object({
  id: z.number(),
  event: z.string(),
  secretName: z.string().nullable(),
  createdAt: z.iso.datetime(),
  state: states,
  attempts: z.number(),
  nextAttemptAt: z.iso.datetime().nullable(),
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  deliveredAt: z.iso.datetime().nullable(),
});

/** Checked by the service, field by field; here only bounded. */
const endpointInput = z
  .object({
    url: z.string().max(2000),
    description: z.string().max(500).optional(),
    events: z.array(z.string().max(100)).max(50),
    types: z.array(z.string().max(200)).max(200).optional(),
    secrets: z.array(z.string().max(200)).max(1000).optional(),
    space: z.string().max(100).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

const endpointOut = (e: WebhookEndpointView) => ({
  ...e,
  createdAt: e.createdAt.toISOString(),
  secrets: e.secrets.map((s) => ({ id: s.id, name: s.name ?? null })),
  space: e.space ?? null,
});

const deliveryOut = (d: WebhookDeliveryView) => ({
  id: d.id,
  event: d.event,
  secretName: d.secretName ?? null,
  createdAt: d.createdAt.toISOString(),
  state: d.state,
  attempts: d.attempts,
  nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
  lastStatus: d.lastStatus ?? null,
  lastError: d.lastError ?? null,
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
});

export const webhooksRoutes: FastifyPluginAsyncZod = async (app) => {
  const { webhooks } = app.tresor;
  app.addHook('preHandler', requireToken);
  const tags = ['webhooks'];

  app.get(
    '/admin/webhooks',
    { schema: { tags, summary: 'Every webhook endpoint', response: { 200: z.array(endpointSchema), ...errors } } },
    async (request) => (await webhooks.list(principalOf(request))).map(endpointOut),
  );

  app.post(
    '/admin/webhooks',
    {
      schema: {
        tags,
        summary: 'Register an https:// endpoint; the answer holds its signing secret, shown this once',
        body: endpointInput,
        response: { 201: endpointSchema.extend({ signingSecret: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const { endpoint, signingSecret } = await webhooks.create(principalOf(request), request.body);
      return reply.status(201).send({ ...endpointOut(endpoint), signingSecret });
    },
  );

  app.get(
    '/admin/webhooks/:id',
    { schema: { tags, summary: 'One endpoint', params: idParams, response: { 200: endpointSchema, ...errors } } },
    async (request) => endpointOut(await webhooks.get(principalOf(request), request.params.id)),
  );

  app.patch(
    '/admin/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Change an endpoint (what is given); enabled: false stops its deliveries',
        params: idParams,
        body: endpointInput.partial().strict(),
        response: { 200: endpointSchema, ...errors },
      },
    },
    async (request) => endpointOut(await webhooks.update(principalOf(request), request.params.id, request.body)),
  );

  app.delete(
    '/admin/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Remove an endpoint and its deliveries',
        params: idParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await webhooks.remove(principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/admin/webhooks/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'A new signing secret, shown this once; the old one stops signing at once',
        params: idParams,
        response: { 200: z.object({ signingSecret: z.string() }), ...errors },
      },
    },
    async (request) => webhooks.rotateSecret(principalOf(request), request.params.id),
  );

  app.get(
    '/admin/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'The endpoint’s latest deliveries, newest first (before: older than that id)',
        params: idParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(500).optional(),
          before: z.coerce.number().int().min(1).optional(),
        }),
        response: { 200: z.array(deliverySchema), ...errors },
      },
    },
    async (request) =>
      (await webhooks.deliveries(principalOf(request), request.params.id, request.query)).map(deliveryOut),
  );

  app.post(
    '/admin/webhooks/:id/deliveries/:delivery/redeliver',
    {
      schema: {
        tags,
        summary: 'Send a delivery again, from its first attempt',
        params: z.object({ id: z.string().min(1).max(200), delivery: z.coerce.number().int().min(1) }),
        response: { 202: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await webhooks.redeliver(principalOf(request), request.params.id, request.params.delivery);
      return reply.status(202).send(null);
    },
  );
};
