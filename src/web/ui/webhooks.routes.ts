/**
 * /admin/webhooks: endpoints told of changes, and what was sent to each (WEBHOOK_ADMIN; the
 * service decides, and the pages are refused with 403 before any form to anyone else).
 * A new signing secret is shown once, on the endpoint's page the redirect leads to, carried
 * there sealed to the session (flash.ts), never in a URL.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebhookInput } from '../../webhooks/webhook.service.ts';
import { webhookEventLabels, webhookEvents } from '../../webhooks/webhook-events.ts';
import { redirectTo } from '../paths.ts';
import { principalOf, requireSession } from '../plugins/auth.plugin.ts';
import { keepSigningSecret, redirectWith, takeSigningSecret } from './flash.ts';
import { form, idParams, text, uiSchema } from './form-schemas.ts';
import { askToConfirm, confirmed, formAction, renderPage, statusOf } from './render.ts';

/** A group of checkboxes: absent, one value, or several. */
const checked = z
  .union([z.string().max(200), z.array(z.string().max(200)).max(500)])
  .default([])
  .transform((v) => (Array.isArray(v) ? v : [v]));

const endpointForm = form({
  url: text(2000),
  description: text(500),
  events: checked,
  types: checked,
  secrets: text(20_000),
  enabled: text(10),
  space: text(100),
});
type EndpointForm = z.infer<typeof endpointForm>;

const redeliverParams = idParams.extend({ delivery: z.coerce.number().int().min(1) });

/** Secret names typed one per line or separated by commas. */
const names = (value: string) =>
  value
    .split(/[\n,]/)
    .map((n) => n.trim())
    .filter(Boolean);

const inputOf = (b: EndpointForm): WebhookInput => ({
  url: b.url,
  description: b.description,
  events: b.events,
  types: b.types,
  secrets: names(b.secrets),
  enabled: b.enabled === 'yes',
  ...(b.space ? { space: b.space } : {}),
});

export const uiWebhooksRoutes: FastifyPluginAsyncZod = async (app) => {
  const { webhooks, registry, spaces } = app.tresor;

  /**
   * The spaces a new endpoint may be for: those the person is admin of (a space's admin must pick
   * one), and for WEBHOOK_ADMIN also none — the instance's. Offered only when there is a choice, so
   * a one-space installation's form is as before.
   */
  async function spaceChoices(request: FastifyRequest, chosen: string | undefined) {
    const principal = principalOf(request);
    const scope = await webhooks.mayAdminister(principal);
    const administered = (await spaces.workplaces(principal)).filter((w) => w.roles.includes('admin'));
    const options = [
      ...(scope.all ? [{ value: '', label: 'Every space (the instance’s endpoint)' }] : []),
      ...administered.map((w) => ({ value: w.name, label: `Space ${w.name}` })),
    ];
    return options.length > 1 ? options.map((o) => ({ ...o, selected: o.value === (chosen ?? '') })) : undefined;
  }
  app.addHook('preHandler', requireSession);

  /** The form's choices, with what `chosen` (a submitted form, or the endpoint) already has ticked. */
  const choices = (chosen: { events: readonly string[]; types: readonly string[] }) => ({
    events: webhookEvents.map((e) => ({ name: e, label: webhookEventLabels[e], checked: chosen.events.includes(e) })),
    types: registry.list().map((t) => ({ id: t.id, name: t.definition.name, checked: chosen.types.includes(t.id) })),
  });

  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    state: { error?: string; form?: EndpointForm } = {},
  ) {
    const f = state.form;
    return renderPage(request, reply, 'admin-webhooks', {
      title: 'Webhooks',
      endpoints: await webhooks.list(principalOf(request)),
      spaces: await spaceChoices(request, f?.space),
      error: state.error,
      values: f ?? { url: '', description: '', secrets: '', enabled: 'yes' },
      ...choices({
        events: f?.events ?? ['secret.created', 'secret.updated', 'secret.deleted'],
        types: f?.types ?? [],
      }),
    });
  }

  async function endpointPage(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    state: { error?: string; form?: EndpointForm } = {},
  ) {
    const principal = principalOf(request);
    const endpoint = await webhooks.get(principal, id);
    const f = state.form;
    return renderPage(request, reply, 'admin-webhook', {
      title: `Webhook ${new URL(endpoint.url).host}`,
      endpoint,
      deliveries: await webhooks.deliveries(principal, id, { limit: 50 }),
      signingSecret: takeSigningSecret(request, reply, id),
      error: state.error,
      values: f ?? {
        url: endpoint.url,
        description: endpoint.description,
        secrets: endpoint.secrets.map((s) => s.name ?? s.id).join('\n'),
        enabled: endpoint.enabled ? 'yes' : '',
      },
      ...choices(f ?? endpoint),
    });
  }

  app.get('/admin/webhooks', (request, reply) => listPage(request, reply));

  app.post(
    '/admin/webhooks',
    { preHandler: app.csrfProtection, schema: uiSchema({ body: endpointForm }) },
    async (request, reply) => {
      const principal = principalOf(request);
      await webhooks.mayAdminister(principal);
      return formAction(
        async () => {
          const { endpoint, signingSecret } = await webhooks.create(principal, inputOf(request.body));
          keepSigningSecret(request, reply, { endpointId: endpoint.id, secret: signingSecret });
          return redirectTo(reply, `/admin/webhooks/${endpoint.id}`);
        },
        (message, error) => listPage(request, reply.status(statusOf(error)), { error: message, form: request.body }),
      );
    },
  );

  app.get('/admin/webhooks/:id', { schema: uiSchema({ params: idParams }) }, (request, reply) =>
    endpointPage(request, reply, request.params.id),
  );

  app.post(
    '/admin/webhooks/:id',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams, body: endpointForm }) },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params;
      await webhooks.mayAdminister(principal);
      return formAction(
        async () => {
          await webhooks.update(principal, id, inputOf(request.body));
          return redirectWith(reply, `/admin/webhooks/${id}`, 'webhook-saved');
        },
        (message, error) =>
          endpointPage(request, reply.status(statusOf(error)), id, { error: message, form: request.body }),
      );
    },
  );

  app.post(
    '/admin/webhooks/:id/rotate-secret',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams, body: form({ confirm: text(10) }) }) },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const endpoint = await webhooks.get(principal, id);
      if (!confirmed(request.body))
        return askToConfirm(request, reply, {
          title: 'New signing secret',
          question:
            `Sign deliveries to ${endpoint.url} with a new secret? The old one stops signing at once: ` +
            'the receiver must be given the new one.',
          action: `/admin/webhooks/${id}/rotate-secret`,
          button: 'Make a new secret',
          back: `/admin/webhooks/${id}`,
        });
      const { signingSecret } = await webhooks.rotateSecret(principal, id);
      keepSigningSecret(request, reply, { endpointId: id, secret: signingSecret });
      return redirectTo(reply, `/admin/webhooks/${id}`);
    },
  );

  app.post(
    '/admin/webhooks/:id/remove',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams, body: form({ confirm: text(10) }) }) },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const endpoint = await webhooks.get(principal, id);
      if (!confirmed(request.body))
        return askToConfirm(request, reply, {
          title: 'Remove the endpoint',
          question: `Remove ${endpoint.url}? Deliveries not yet sent to it are dropped.`,
          action: `/admin/webhooks/${id}/remove`,
          button: 'Remove',
          back: `/admin/webhooks/${id}`,
          danger: true,
        });
      await webhooks.remove(principal, id);
      return redirectWith(reply, '/admin/webhooks', 'webhook-removed');
    },
  );

  app.post(
    '/admin/webhooks/:id/deliveries/:delivery/redeliver',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: redeliverParams, body: form({}) }) },
    async (request, reply) => {
      const { id, delivery } = request.params;
      await webhooks.redeliver(principalOf(request), id, delivery);
      return redirectWith(reply, `/admin/webhooks/${id}`, 'webhook-redelivered');
    },
  );
};
