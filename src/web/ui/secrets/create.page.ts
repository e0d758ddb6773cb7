/**
 * Creating a secret from its type's form: the form, saving it, a value generated for a secret
 * field, and "Test without saving".
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { redirectWith } from '../flash.ts';
import { takeDraft } from '../form-draft.ts';
import { fieldsFromForm } from '../form-input.ts';
import { secretForm, text, typeParams, uiSchema } from '../form-schemas.ts';
import { formAction, formErrorOf, statusOf } from '../render.ts';
import { returnToForm, showSecretForm as showForm } from './secret-form.ts';
import { expiresAtFrom } from './secret-views.ts';

/** The body of a "Generate" post: the form as entered and the field to make a value for. */
export const generateBody = secretForm.extend({ generate: text(64) });

/** The form as entered, to show again (secret fields' values are the caller's to keep or drop). */
const valuesOf = (body: z.infer<typeof secretForm>, fields: Record<string, unknown>) => ({
  name: body.name,
  description: body.description,
  expiresAt: body.expiresAt,
  space: body.space,
  visibility: body.visibility,
  fields,
});

export const createPage: FastifyPluginAsyncZod = async (app) => {
  const { secrets, tests } = app.tresor;

  app.get('/secrets/new/:type', { schema: uiSchema({ params: typeParams }) }, async (request, reply) => {
    const type = await secrets.typeToCreate(principalOf(request), request.params.type);
    // After a failed save: what was entered, and every error, once.
    const draft = takeDraft(request, reply, `/secrets/new/${type.id}`);
    return showForm(
      request,
      reply,
      type,
      draft ? { values: draft.values, error: draft.error, reenter: draft.reenter } : {},
    );
  });

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
            // Only offered to whoever may create in more than one space; empty: the default space, private.
            ...(body.space ? { space: body.space } : {}),
            ...(body.visibility ? { visibility: body.visibility } : {}),
          });
          return redirectWith(reply, `/secrets/${created.id}`, 'created');
        },
        (message, error) => {
          const failed = { values: valuesOf(body, fields), error: formErrorOf(message, error) };
          return returnToForm(request, reply, type, `/secrets/new/${type.id}`, failed, () =>
            showForm(request, reply.status(statusOf(error)), type, failed),
          );
        },
      );
    },
  );

  /*
   * Generate: the form is shown again (nothing is stored, so no redirect) with the values as
   * entered and a value the field's generator made on the server in that field, this once, to
   * copy if it is needed elsewhere; saved, it is sealed like any other value and never shown again.
   */
  app.post(
    '/secrets/new/:type/generate',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: typeParams, body: generateBody }) },
    async (request, reply) => {
      const type = await secrets.typeToCreate(principalOf(request), request.params.type);
      const body = request.body;
      const fields = fieldsFromForm(type.formModel, body);
      return showForm(request, reply, type, {
        values: valuesOf(body, fields),
        generated: { key: body.generate, value: type.generateValue(body.generate) },
      });
    },
  );
  app.post(
    '/secrets/new/:type/test',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: typeParams, body: secretForm }) },
    async (request, reply) => {
      const type = await secrets.typeToCreate(principalOf(request), request.params.type);
      const body = request.body;
      const fields = fieldsFromForm(type.formModel, body);
      const values = valuesOf(body, fields);
      return formAction(
        async () => {
          const tested = await tests.testNew(principalOf(request), type.id, fields);
          return showForm(request, reply, type, { values, report: tested.report });
        },
        (message, error) =>
          showForm(request, reply.status(422), type, {
            values,
            error: formErrorOf(message, error),
          }),
      );
    },
  );
};
