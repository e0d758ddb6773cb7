/**
 * A secret's value in one environment of its space: its form (the type's fields only — the
 * description and expiry are the secret's), saving it as a new version there, and copying another
 * environment's value into it (asked first; nobody sees the value). The secret page shows the
 * environments side by side; the secret service and the gate decide.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { redirectWith } from '../flash.ts';
import { takeDraft } from '../form-draft.ts';
import { fieldsFromForm } from '../form-input.ts';
import { form, idParams, secretForm, text, uiSchema } from '../form-schemas.ts';
import { askToConfirm, confirmed, formAction, formErrorOf, statusOf } from '../render.ts';
import { returnToForm, showSecretForm } from './secret-form.ts';

const environmentParams = idParams.extend({ environment: z.string().min(1).max(64) });
const pathOf = (id: string, environment: string) => `/secrets/${id}/environments/${encodeURIComponent(environment)}`;

export const environmentsPage: FastifyPluginAsyncZod = async (app) => {
  const { secrets, registry } = app.tresor;

  /** The form for one environment's value, with what it holds now (or a draft after a failed save). */
  app.get(
    '/secrets/:id/environments/:environment/edit',
    { schema: uiSchema({ params: environmentParams }) },
    async (request, reply) => {
      const principal = principalOf(request);
      const { environment } = request.params;
      const secret = await secrets.get(principal, request.params.id, { for: 'update' });
      const value = (await secrets.environments(principal, secret.id)).find((v) => v.environment === environment);
      const type = registry.get(secret.type);
      const draft = takeDraft(request, reply, `${pathOf(secret.id, environment)}/edit`);
      return showSecretForm(request, reply, type, {
        secret,
        environment: value?.environment ?? environment,
        values: draft?.values ?? { fields: value?.fields ?? {} },
        ...(draft ? { error: draft.error, reenter: draft.reenter } : {}),
      });
    },
  );

  app.post(
    '/secrets/:id/environments/:environment',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: environmentParams, body: secretForm }) },
    async (request, reply) => {
      const principal = principalOf(request);
      const { environment } = request.params;
      const secret = await secrets.get(principal, request.params.id, { for: 'update' });
      const type = registry.get(secret.type);
      const body = request.body;
      const fields = fieldsFromForm(type.formModel, body);
      return formAction(
        async () => {
          await secrets.setEnvironment(principal, secret.id, environment, {
            fields,
            ...(body.reason.trim() ? { reason: body.reason.trim() } : {}),
          });
          return redirectWith(reply, `/secrets/${secret.id}`, 'environment-saved');
        },
        (message, error) => {
          const failed = { values: { reason: body.reason, fields }, error: formErrorOf(message, error) };
          return returnToForm(request, reply, type, `${pathOf(secret.id, environment)}/edit`, failed, () =>
            showSecretForm(request, reply.status(statusOf(error)), type, { secret, environment, ...failed }),
          );
        },
      );
    },
  );

  app.post(
    '/secrets/:id/environments/:environment/copy',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ params: environmentParams, body: form({ from: text(64), confirm: text(10) }) }),
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { environment } = request.params;
      const secret = await secrets.get(principal, request.params.id, { for: 'update' });
      const { from } = request.body;
      if (!confirmed(request.body))
        return askToConfirm(request, reply, {
          title: `Copy ${secret.name} from ${from} to ${environment}?`,
          question:
            `The value ${secret.name} has in ${from} becomes a new version of its value in ${environment}, ` +
            `which modules using ${environment} get from then on. Its earlier versions there stay in its history.`,
          action: `${pathOf(secret.id, environment)}/copy`,
          fields: { from },
          button: `Copy to ${environment}`,
          back: `/secrets/${secret.id}`,
        });
      await secrets.copyEnvironment(principal, secret.id, { from, to: environment });
      return redirectWith(reply, `/secrets/${secret.id}`, 'environment-copied');
    },
  );
};
