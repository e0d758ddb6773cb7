/**
 * Changing a secret through its type's form: the form with the stored non-secret values (secret
 * values are never sent back: left empty, the stored one is kept), saving it, a generated value,
 * and "Test without saving".
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { redirectWith } from '../flash.ts';
import { takeDraft } from '../form-draft.ts';
import { fieldsFromForm } from '../form-input.ts';
import { idParams, secretForm, uiSchema } from '../form-schemas.ts';
import { formAction, formErrorOf, statusOf } from '../render.ts';
import { generateBody } from './create.page.ts';
import { returnToForm, showSecretForm as showForm } from './secret-form.ts';
import { dateInput, expiresAtFrom } from './secret-views.ts';

export const editPage: FastifyPluginAsyncZod = async (app) => {
  const { secrets, registry, tests } = app.tresor;

  app.get('/secrets/:id/edit', { schema: uiSchema({ params: idParams }) }, async (request, reply) => {
    const principal = principalOf(request);
    const detail = await secrets.describe(principal, request.params.id, { for: 'update' });
    const type = registry.get(detail.type);
    // After a failed save: what was entered, and every error, once.
    const draft = takeDraft(request, reply, `/secrets/${detail.id}/edit`);
    return showForm(request, reply, type, {
      secret: detail,
      facts: detail.facts,
      values: draft?.values ?? {
        description: detail.description,
        expiresAt: dateInput(detail.expiresAt),
        fields: detail.fields,
      },
      ...(draft ? { error: draft.error, reenter: draft.reenter } : {}),
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
            error: formErrorOf(message, error),
          }),
      );
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
            // Why, in the editor's words ("updated" when left empty).
            ...(body.reason.trim() ? { reason: body.reason.trim() } : {}),
          });
          return redirectWith(reply, `/secrets/${id}`, result.changed ? 'saved' : 'unchanged');
        },
        async (message, error) => {
          const failed = {
            values: { description: body.description, expiresAt: body.expiresAt, reason: body.reason, fields },
            error: formErrorOf(message, error),
          };
          return returnToForm(request, reply, type, `/secrets/${current.id}/edit`, failed, async () => {
            const detail = await secrets.describe(principal, id, { for: 'update' });
            return showForm(request, reply.status(statusOf(error)), type, {
              secret: detail,
              facts: detail.facts,
              ...failed,
            });
          });
        },
      );
    },
  );
};
