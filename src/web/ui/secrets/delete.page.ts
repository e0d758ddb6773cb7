/** Deleting a secret: what goes, and which configurations name it (deleting it then needs the box ticked). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { redirectWith } from '../flash.ts';
import { form, idParams, text, uiSchema } from '../form-schemas.ts';
import { formAction, renderPage, statusOf } from '../render.ts';

export const deletePage: FastifyPluginAsyncZod = async (app) => {
  const { secrets, stories } = app.tresor;

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
