/** /api/v1/secrets/:id/notice-recipients: who else is mailed before the secret expires. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { maxNoticeRecipients } from '../../lifecycle/notice-recipients.service.ts';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { errorSchema, idParams } from './schemas.ts';

const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema, 422: errorSchema };
const recipients = z.object({ recipients: z.array(z.string()) });

export const noticesRoutes: FastifyPluginAsyncZod = async (app) => {
  const { notices } = app.tresor;
  app.addHook('preHandler', requireToken);

  app.get(
    '/secrets/:id/notice-recipients',
    {
      schema: {
        tags: ['secrets'],
        summary: 'Who is mailed before it expires besides its owner (whoever may update the secret)',
        params: idParams,
        response: { 200: recipients, ...errors },
      },
    },
    async (request) => ({ recipients: await notices.recipients(principalOf(request), request.params.id) }),
  );

  app.put(
    '/secrets/:id/notice-recipients',
    {
      schema: {
        tags: ['secrets'],
        summary: `Replace the addresses mailed before it expires (at most ${maxNoticeRecipients}; who may update it)`,
        params: idParams,
        // Checked by the service (named field noticeRecipients); here only bounded.
        body: z.object({ recipients: z.array(z.string().max(320)).max(100) }).strict(),
        response: { 200: recipients, ...errors },
      },
    },
    async (request) => ({
      recipients: await notices.setRecipients(principalOf(request), request.params.id, request.body.recipients),
    }),
  );
};
