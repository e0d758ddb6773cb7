/** A secret's page: its fields (secret ones sealed), facts, story, shares, notice recipients and connection. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { defaultSpaceName } from '../../../secrets/secret-rules.ts';
import { redirectTo } from '../../paths.ts';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { allowFormTarget } from '../../security-headers.ts';
import { keepTestReport, redirectWith, takeTestReport } from '../flash.ts';
import { form, idParams, text, uiSchema } from '../form-schemas.ts';
import { formAction, renderPage, statusOf } from '../render.ts';
import { environmentRowsOf, fieldRowsOf } from './secret-view.view.ts';
import { noticeSchedule, typeView } from './secret-views.ts';

/** Who else reaches a secret, in words. */
const visibilityWords = {
  private: 'private — its owner and whom it is shared with',
  space: "space-wide — every member's modules may use it",
  global: "global — every space's modules may use it",
} as const;

export const secretViewPage: FastifyPluginAsyncZod = async (app) => {
  const { secrets, registry, tests, stories, shares, notices } = app.tresor;

  /** A secret's page; `noticeError` is the problem with a posted list of notice recipients. */
  async function secretPage(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    notice?: { error: string; entered: string },
  ) {
    const principal = principalOf(request);
    const detail = await secrets.describe(principal, id);
    const type = registry.get(detail.type);
    const can = await secrets.allowed(principal, id);
    // Its story (from the trail) and, for whoever may share it, who has it.
    const [story, shared, noticeRecipients, connection, environments] = await Promise.all([
      stories.story(principal, id),
      can.share ? shares.shares(principal, id) : Promise.resolve(undefined),
      can.update ? notices.recipients(principal, id) : Promise.resolve(undefined),
      // An OAuth2 secret's connection: its state, never a token.
      type.connects ? request.server.tresor.oauth2.status(principal, id, detail.fields) : Promise.resolve(undefined),
      // Its value in each environment of its space (none declared: nothing to show).
      secrets.environments(principal, id),
    ]);
    // Where it is and who else reaches it, said when it is not the one-space installation's plain case.
    const spaceName = (await request.server.tresor.spaces.names.of([detail.spaceId])).get(detail.spaceId);
    const placement =
      spaceName !== defaultSpaceName || detail.visibility !== 'private'
        ? { space: spaceName, visibility: visibilityWords[detail.visibility] }
        : undefined;
    const formFields = type.in(request.locale).formModel.fields;
    const fieldRows = fieldRowsOf(formFields, detail);
    // Connect posts here and is sent on to the authorization server: this page's forms may lead there.
    const authorizationUrl = detail.fields.authorizationUrl;
    if (connection && can.update && typeof authorizationUrl === 'string' && URL.canParse(authorizationUrl))
      allowFormTarget(reply, new URL(authorizationUrl).origin);
    // "Last used" is stamped in batches and read through the cache (last-used.recorder.ts); the
    // trail already holds the newest use, so the page never says less than its own "Used by".
    const newestUse = Math.max(detail.lastUsedAt?.getTime() ?? 0, ...story.uses.map((u) => u.lastAt.getTime()));
    return renderPage(request, reply, 'secret-view', {
      title: detail.name,
      secret: { ...detail, lastUsedAt: newestUse > 0 ? new Date(newestUse) : null },
      type: typeView(type, request.locale),
      fieldRows,
      placement,
      environments:
        environments.length > 0
          ? { labels: formFields.map((f) => f.label), rows: environmentRowsOf(formFields, environments) }
          : undefined,
      // A value to take elsewhere (a fingerprint, a subject) gets Copy; a date or a count does not.
      facts: type
        .factsIn(detail.facts, request.locale)
        .map((f) => ({ ...f, copyable: f.kind !== 'date' && !/^\d+$/.test(f.value) })),
      story,
      shared,
      can,
      // A test is a use: offered to whoever may use the secret, for types that declare one.
      testable: can.use && type.testable,
      testReport: takeTestReport(request, reply, detail.id),
      connection,
      notices: {
        recipients: noticeRecipients,
        schedule: noticeSchedule(request.server.tresor.config.expiryNoticeDays),
        entered: notice?.entered ?? noticeRecipients?.join('\n') ?? '',
        error: notice?.error,
      },
    });
  }

  app.get('/secrets/:id', { schema: uiSchema({ params: idParams }) }, (request, reply) =>
    secretPage(request, reply, request.params.id),
  );

  app.post(
    '/secrets/:id/notices',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ params: idParams, body: form({ recipients: text(8000) }) }),
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const entered = request.body.recipients;
      const emails = entered
        .split(/[\s,;]+/)
        .map((e) => e.trim())
        .filter(Boolean);
      return formAction(
        async () => {
          await notices.setRecipients(principal, request.params.id, emails);
          return redirectWith(reply, `/secrets/${request.params.id}`, 'notices-saved');
        },
        (message, error) =>
          secretPage(request, reply.status(statusOf(error)), request.params.id, { error: message, entered }),
      );
    },
  );

  app.post(
    '/secrets/:id/test',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams }) },
    async (request, reply) => {
      const tested = await tests.testStored(principalOf(request), request.params.id);
      const id = tested.secret!.id;
      keepTestReport(request, reply, { secretId: id, ...tested.report });
      return redirectTo(reply, `/secrets/${id}`);
    },
  );
};
