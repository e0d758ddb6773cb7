/** The store, the type picker, and the generated create/edit forms; view and delete. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CredentialType, TestReport } from '../../credentials/index.ts';
import { ValidationError } from '../../errors.ts';
import { isOAuth2Type } from '../../oauth2/oauth2.service.ts';
import { type ListSort, listSorts } from '../../secrets/secret-inputs.ts';
import type { SecretMetadata } from '../../secrets/secret-metadata.ts';
import { basePath, redirectTo } from '../paths.ts';
import { principalOf, requireSession } from '../plugins/auth.plugin.ts';
import { allowFormTarget } from '../security-headers.ts';
import { keepTestReport, redirectWith, takeTestReport } from './flash.ts';
import { fieldsFromForm, renderFields } from './form-input.ts';
import { form, idParams, secretForm, text, typeParams, uiSchema } from './form-schemas.ts';
import { errorsByPath, formAction, renderPage, statusOf } from './render.ts';

const storeQuery = z.object({
  type: text(100),
  q: text(200),
  expiring: text(10),
  after: text(200),
  sort: text(20),
  page: text(10),
});
const storePageSize = 50;
/** The store's sortable columns: the order each sorts by, and how a screen reader names it. */
const sortColumns = [
  { sort: 'name', label: 'Name', direction: 'ascending' },
  { sort: 'updated', label: 'Updated', direction: 'descending' },
  { sort: 'used', label: 'Last used', direction: 'descending' },
  { sort: 'expires', label: 'Expiry', direction: 'ascending' },
] as const;

/** When notices go out, in words: "30, 7 and 1 days before it expires, and on the day". */
function noticeSchedule(days: readonly number[]): string {
  if (days.length === 0) return 'on the day it expires';
  const list = days.length === 1 ? String(days[0]) : `${days.slice(0, -1).join(', ')} and ${days.at(-1)}`;
  return `${list} day${days.length === 1 && days[0] === 1 ? '' : 's'} before it expires, and on the day`;
}

/** A type as the pages show it, in the request's locale. */
const typeView = (t: CredentialType, locale: string) => ({
  id: t.id,
  name: t.in(locale).definition.name,
  description: t.in(locale).definition.description,
  logo: t.definition.logo,
  expiresFrom: t.definition.expiresFrom,
});

function expiry(m: SecretMetadata) {
  if (!m.expiresAt) return {};
  const days = Math.floor((m.expiresAt.getTime() - Date.now()) / 86_400_000);
  if (days < 0) return { expiryClass: 'expired', expiryLabel: 'expired' };
  return { expiryClass: days <= 30 ? 'soon' : '', expiryLabel: days === 0 ? 'expires today' : `expires in ${days} d` };
}

const dateInput = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : '');

function expiresAtFrom(body: { expiresAt: string }): Date | null {
  const raw = body.expiresAt;
  if (raw === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(raw)))
    throw ValidationError.field('expiresAt', 'Expires on must be a date as YYYY-MM-DD');
  return new Date(`${raw}T23:59:59.999Z`);
}

export const uiSecretsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { secrets, registry, tests, stories, shares, usage, notices, provided } = app.tresor;
  app.addHook('preHandler', requireSession);

  app.get('/', async (_request, reply) => redirectTo(reply, '/secrets'));

  app.get('/secrets', { schema: uiSchema({ querystring: storeQuery }) }, async (request, reply) => {
    const q = request.query;
    const filter = { type: q.type, q: q.q, expiring: q.expiring };
    const days = /^\d{1,4}$/.test(filter.expiring) ? Number(filter.expiring) : undefined;
    const sort: ListSort = (listSorts as readonly string[]).includes(q.sort) ? (q.sort as ListSort) : 'name';
    // By name the pages follow the last name (stable while secrets come and go); other orders count pages.
    const pageNumber = sort !== 'name' && /^\d{1,5}$/.test(q.page) && Number(q.page) > 1 ? Number(q.page) : 1;
    const list = await secrets.list(principalOf(request), {
      limit: storePageSize,
      ...(filter.type ? { typeId: filter.type } : {}),
      ...(filter.q ? { text: filter.q } : {}),
      ...(days !== undefined ? { expiringBefore: new Date(Date.now() + days * 86_400_000) } : {}),
      ...(sort === 'name' && q.after ? { after: q.after } : {}),
      ...(sort !== 'name' ? { sort, offset: (pageNumber - 1) * storePageSize } : {}),
    });
    const kept = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== ''));
    const link = (extra: Record<string, string>) => new URLSearchParams({ ...kept, ...extra }).toString();
    const columns = sortColumns.map((c) => ({
      ...c,
      href: link(c.sort === 'name' ? {} : { sort: c.sort }),
      current: c.sort === sort,
    }));
    const full = list.length === storePageSize;
    const pages =
      sort === 'name'
        ? { next: full ? link({ after: list.at(-1)!.name }) : undefined, first: q.after ? link({}) : undefined }
        : {
            next: full ? link({ sort, page: String(pageNumber + 1) }) : undefined,
            previous: pageNumber > 1 ? link({ sort, page: String(pageNumber - 1) }) : undefined,
          };
    const me = principalOf(request).id;
    // OAuth2 secrets whose grant the server refused are marked (one query for the page).
    const oauth2Ids = list.filter((m) => {
      const type = registry.find(m.type);
      return type !== undefined && isOAuth2Type(type);
    });
    const connections = await request.server.tresor.oauth2.statuses(oauth2Ids.map((m) => m.id));
    const rows = list.map((m) => {
      const type = registry.find(m.type);
      return {
        ...m,
        logo: type?.definition.logo ?? 'generic.svg',
        typeName: type?.in(request.locale).definition.name ?? m.type,
        sharedWithMe: m.ownerId !== me,
        needsReconnect: connections.get(m.id) === 'needs-reconnect',
        ...expiry(m),
      };
    });
    return renderPage(request, reply, 'store', {
      title: 'My store',
      secrets: rows,
      types: registry.list().map((t) => typeView(t, request.locale)),
      filter,
      sort,
      columns,
      filtered: Boolean(filter.type || filter.q || filter.expiring),
      // Secrets held outside Tresor this user's modules may use: shown, never editable here.
      provided: provided.active
        ? (await provided.visibleTo(principalOf(request))).map((p) => ({
            ...p,
            from: p.provider === 'env' ? 'environment' : 'mounted files',
          }))
        : [],
      ...pages,
    });
  });

  // Only what the gate allows: the picker lists the types this user may create (403 with none).
  app.get('/secrets/new', { schema: uiSchema({ querystring: z.object({ q: text(100) }) }) }, async (request, reply) => {
    // Without the permission: 403 (audited). With it, the types this user may create (perhaps none).
    await secrets.mayCreateAny(principalOf(request));
    const types = (await secrets.creatableTypes(principalOf(request))).map((t) => typeView(t, request.locale));
    // Search over the names and descriptions the reader sees (their language), any letter case.
    const search = request.query.q.trim();
    const words = search.toLocaleLowerCase(request.locale).split(/\s+/).filter(Boolean);
    const matching = types.filter((t) => {
      const text = `${t.name} ${t.description} ${t.id}`.toLocaleLowerCase(request.locale);
      return words.every((w) => text.includes(w));
    });
    return renderPage(request, reply, 'type-picker', {
      title: 'Create',
      types: matching,
      search,
      total: types.length,
    });
  });

  async function showForm(
    request: FastifyRequest,
    reply: FastifyReply,
    type: CredentialType,
    state: {
      values?: Record<string, unknown>;
      error?: ValidationError | string;
      secret?: SecretMetadata;
      facts?: Record<string, string>;
      /** Whether the form offers "Test without saving" (the type has a test; editing: the user may use it). */
      testable?: boolean;
      report?: TestReport;
      /** A value just generated for a secret field, put in it this once (it is not stored until saved). */
      generated?: { key: string; value: string };
    },
  ) {
    // The error and the form in the reader's locale (the service worded the error in each the type knows).
    if (state.error instanceof ValidationError) state = { ...state, error: state.error.in(request.locale) };
    const view = type.in(request.locale);
    const issues = state.error instanceof ValidationError ? state.error.issues : [];
    const editing = state.secret !== undefined;
    const action = `${basePath(request)}${editing ? `/secrets/${state.secret!.id}/edit` : `/secrets/new/${type.id}`}`;
    // A reference to another secret is picked from those of its type this user may use (checked again on save).
    const fields = renderFields(
      view.formModel,
      (state.values?.fields as Record<string, unknown>) ?? {},
      issues,
      editing,
      {
        // The name comes first on the form: an error there takes the focus.
        focusFirstError: !issues.some((i) => i.path === 'name'),
      },
    );
    const principal = principalOf(request);
    const picked = await Promise.all(
      fields.map(async (f) =>
        state.generated?.key === f.key
          ? { ...f, generatedValue: state.generated.value }
          : f.refType
            ? {
                ...f,
                refChoices: (await usage.usableOfType(principal, f.refType)).map((m) => ({
                  name: m.name,
                  description: m.description,
                })),
                refTypeName: registry.find(f.refType)?.in(request.locale).definition.name ?? f.refType,
              }
            : f,
      ),
    );
    return renderPage(request, reply, 'secret-form', {
      title: editing ? `Edit ${state.secret!.name}` : `New ${view.definition.name}`,
      type: typeView(type, request.locale),
      lang: request.locale,
      editing,
      secret: state.secret,
      action,
      testAction: (state.testable ?? (!editing && type.testable)) ? `${action}/test` : undefined,
      generateAction: `${action}/generate`,
      // The copy button's script, for a value just generated.
      generated: state.generated !== undefined,
      report: state.report,
      conditions: type.definition.fields.some((f) => f.showWhen),
      lists: type.definition.fields.some((f) => f.style === 'pairs'),
      values: state.values ?? {},
      fields: picked,
      errors: state.error instanceof ValidationError ? errorsByPath(state.error) : {},
      formError:
        typeof state.error === 'string'
          ? state.error
          : state.error instanceof ValidationError && issues.every((i) => !i.path)
            ? state.error.message
            : undefined,
      facts: state.facts && Object.keys(state.facts).length > 0 ? state.facts : undefined,
    });
  }

  app.get('/secrets/new/:type', { schema: uiSchema({ params: typeParams }) }, async (request, reply) =>
    showForm(request, reply, await secrets.typeToCreate(principalOf(request), request.params.type), {}),
  );

  app.post(
    '/secrets/new/:type',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: typeParams, body: secretForm }) },
    async (request, reply) => {
      // Refused before the form is read, to an error page: a form is never shown to whoever may not submit it.
      const type = await secrets.typeToCreate(principalOf(request), request.params.type);
      const body = request.body;
      const fields = fieldsFromForm(type.formModel, body);
      return formAction(
        async () => {
          const created = await secrets.create(principalOf(request), {
            type: type.id,
            name: body.name,
            description: body.description,
            fields,
            expiresAt: expiresAtFrom(body),
          });
          return redirectWith(reply, `/secrets/${created.id}`, 'created');
        },
        (message, error) =>
          showForm(request, reply.status(422), type, {
            values: { name: body.name, description: body.description, expiresAt: body.expiresAt, fields },
            error: error instanceof ValidationError ? error : message,
          }),
      );
    },
  );

  /*
   * Generate: the form is shown again (nothing is stored, so no redirect) with the values as
   * entered and a value the field's generator made on the server in that field, this once, to
   * copy if it is needed elsewhere; saved, it is sealed like any other value and never shown again.
   */
  const generateBody = secretForm.extend({ generate: text(64) });
  app.post(
    '/secrets/new/:type/generate',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: typeParams, body: generateBody }) },
    async (request, reply) => {
      const type = await secrets.typeToCreate(principalOf(request), request.params.type);
      const body = request.body;
      const fields = fieldsFromForm(type.formModel, body);
      return showForm(request, reply, type, {
        values: { name: body.name, description: body.description, expiresAt: body.expiresAt, fields },
        generated: { key: body.generate, value: type.generateValue(body.generate) },
      });
    },
  );
  app.post(
    '/secrets/:id/edit/generate',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams, body: generateBody }) },
    async (request, reply) => {
      const principal = principalOf(request);
      const detail = await secrets.describe(principal, request.params.id, { for: 'update' });
      const type = registry.get(detail.type);
      const body = request.body;
      return showForm(request, reply, type, {
        secret: detail,
        facts: detail.facts,
        values: {
          description: body.description,
          expiresAt: body.expiresAt,
          fields: fieldsFromForm(type.formModel, body),
        },
        generated: { key: body.generate, value: type.generateValue(body.generate) },
        testable: type.testable && (await secrets.allowed(principal, detail.id)).use,
      });
    },
  );

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
    const [story, shared, noticeRecipients, connection] = await Promise.all([
      stories.story(principal, id),
      can.share ? shares.shares(principal, id) : Promise.resolve(undefined),
      can.update ? notices.recipients(principal, id) : Promise.resolve(undefined),
      // An OAuth2 secret's connection: its state, never a token.
      isOAuth2Type(type)
        ? request.server.tresor.oauth2.status(principal, id, detail.fields)
        : Promise.resolve(undefined),
    ]);
    const fieldRows = type.in(request.locale).formModel.fields.map((f) => {
      const value = detail.fields[f.key];
      // Shown as the form offers it: a select's option label, a checkbox as yes or no.
      const display = Array.isArray(value)
        ? value.map((p) => p.name).join(', ')
        : value === undefined
          ? '—'
          : f.input === 'checkbox'
            ? value
              ? 'Yes'
              : 'No'
            : (f.options?.find((o) => o.value === value)?.label ?? String(value));
      return {
        label: f.label,
        // Marked sealed only when a value is stored: an optional secret left empty shows as not set.
        secret: f.secret && f.input !== 'pairs' && detail.sealed.includes(f.key),
        display:
          f.input === 'pairs' ? `${display} (values sealed)` : f.secret && value === undefined ? 'not set' : display,
        // PEM text in a monospace block, collapsed: it is long, and rarely what a reader came for.
        pem: !f.secret && f.style === 'pem' && typeof value === 'string',
        // A value worth copying (a host, a user name, a URL): not a secret, a list, a choice or a yes/no.
        copyable: !f.secret && typeof value === 'string' && value !== '' && f.input !== 'checkbox' && !f.options,
        lines: typeof value === 'string' ? value.trim().split('\n').length : 0,
      };
    });
    // Connect posts here and is sent on to the authorization server: this page's forms may lead there.
    const authorizationUrl = detail.fields.authorizationUrl;
    if (connection && can.update && typeof authorizationUrl === 'string' && URL.canParse(authorizationUrl))
      allowFormTarget(reply, new URL(authorizationUrl).origin);
    return renderPage(request, reply, 'secret-view', {
      title: detail.name,
      secret: detail,
      type: typeView(type, request.locale),
      fieldRows,
      facts: type.factsIn(detail.facts, request.locale),
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

  app.get('/secrets/:id/edit', { schema: uiSchema({ params: idParams }) }, async (request, reply) => {
    const principal = principalOf(request);
    const detail = await secrets.describe(principal, request.params.id, { for: 'update' });
    const type = registry.get(detail.type);
    return showForm(request, reply, type, {
      secret: detail,
      facts: detail.facts,
      values: { description: detail.description, expiresAt: dateInput(detail.expiresAt), fields: detail.fields },
      testable: type.testable && (await secrets.allowed(principal, detail.id)).use,
    });
  });

  /*
   * "Test without saving": the form's values are tested and the form is shown again with the
   * report (nothing changes, so no redirect); secret values are never sent back, so a secret
   * entered for the test is entered again to save it (left empty, the stored one is kept).
   */
  app.post(
    '/secrets/:id/edit/test',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams, body: secretForm }) },
    async (request, reply) => {
      const principal = principalOf(request);
      const detail = await secrets.describe(principal, request.params.id, { for: 'update' });
      const type = registry.get(detail.type);
      const body = request.body;
      const fields = fieldsFromForm(type.formModel, body);
      const values = { description: body.description, expiresAt: body.expiresAt, fields };
      return formAction(
        async () => {
          const tested = await tests.testStored(principal, detail.id, { fields });
          return showForm(request, reply, type, {
            secret: detail,
            facts: detail.facts,
            values,
            testable: true,
            report: tested.report,
          });
        },
        (message, error) =>
          showForm(request, reply.status(statusOf(error)), type, {
            secret: detail,
            facts: detail.facts,
            values,
            testable: true,
            error: error instanceof ValidationError ? error : message,
          }),
      );
    },
  );

  app.post(
    '/secrets/new/:type/test',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: typeParams, body: secretForm }) },
    async (request, reply) => {
      const type = await secrets.typeToCreate(principalOf(request), request.params.type);
      const body = request.body;
      const fields = fieldsFromForm(type.formModel, body);
      const values = { name: body.name, description: body.description, expiresAt: body.expiresAt, fields };
      return formAction(
        async () => {
          const tested = await tests.testNew(principalOf(request), type.id, fields);
          return showForm(request, reply, type, { values, report: tested.report });
        },
        (message, error) =>
          showForm(request, reply.status(422), type, {
            values,
            error: error instanceof ValidationError ? error : message,
          }),
      );
    },
  );

  app.post(
    '/secrets/:id/edit',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams, body: secretForm }) },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = request.params.id;
      const current = await secrets.get(principal, id, { for: 'update' });
      const type = registry.get(current.type);
      const body = request.body;
      const fields = fieldsFromForm(type.formModel, body);
      const expected = Number(body.expectedVersion);
      return formAction(
        async () => {
          const result = await secrets.update(principal, id, {
            fields,
            description: body.description,
            ...(type.definition.expiresFrom ? {} : { expiresAt: expiresAtFrom(body) }),
            ...(Number.isInteger(expected) && expected > 0 ? { expectedVersion: expected } : {}),
          });
          return redirectWith(reply, `/secrets/${id}`, result.changed ? 'saved' : 'unchanged');
        },
        async (message, error) => {
          const detail = await secrets.describe(principal, id, { for: 'update' });
          return showForm(request, reply.status(statusOf(error)), type, {
            secret: detail,
            facts: detail.facts,
            values: { description: body.description, expiresAt: body.expiresAt, fields },
            error: error instanceof ValidationError ? error : message,
          });
        },
      );
    },
  );

  /** The delete page: what goes, and which configurations name the secret (deleting it then needs the box ticked). */
  async function deletePage(request: FastifyRequest, reply: FastifyReply, id: string, error?: string) {
    const principal = principalOf(request);
    const secret = await secrets.get(principal, id, { for: 'delete' });
    const references = await stories.references(principal, secret.id);
    return renderPage(request, reply, 'delete', {
      title: `Delete ${secret.name}`,
      secret,
      references: references.visible,
      hiddenReferences: references.hidden,
      referenced: references.visible.length + references.hidden > 0,
      error,
    });
  }

  app.get('/secrets/:id/delete', { schema: uiSchema({ params: idParams }) }, (request, reply) =>
    deletePage(request, reply, request.params.id),
  );

  app.post(
    '/secrets/:id/delete',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ params: idParams, body: form({ confirm: text(200), force: text(10) }) }),
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const secret = await secrets.get(principal, request.params.id, { for: 'delete' });
      if (request.body.confirm !== secret.name)
        return deletePage(request, reply.status(422), secret.id, `Type the name ${secret.name} exactly to confirm`);
      return formAction(
        async () => {
          await secrets.delete(principal, secret.id, { force: request.body.force === 'yes' });
          return redirectWith(reply, '/secrets', 'deleted');
        },
        (message, error) => deletePage(request, reply.status(statusOf(error)), secret.id, message),
      );
    },
  );
};
