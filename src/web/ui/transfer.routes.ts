/**
 * /admin/transfer: export and import archives in the browser, for SECRET_EXPORT holders
 * (the service decides; the page is refused with 403 to anyone else, before any form).
 * The export answers the archive as a download (nothing on the server changes but the
 * audit trail); a dry run answers its report; a real import redirects (post/redirect/get)
 * to the page, whose list of recent transfers shows what it did.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { TresorError } from '../../errors.ts';
import type { ImportReport } from '../../transfer/transfer.service.ts';
import { principalOf, requireSession, stepUpFirst } from '../plugins/auth.plugin.ts';
import { redirectWith } from './flash.ts';
import { form, text, uiSchema } from './form-schemas.ts';
import { formAction, renderPage, statusOf } from './render.ts';

/** A pasted archive of a large store is large: read only for whoever may import it. */
const archiveBodyLimit = 64 * 1024 * 1024;

export const uiTransferRoutes: FastifyPluginAsyncZod = async (app) => {
  const { transfer } = app.tresor;
  app.addHook('preHandler', requireSession);

  async function transferPage(
    request: FastifyRequest,
    reply: FastifyReply,
    state: { exportError?: string; importError?: string; report?: ImportReport } = {},
  ) {
    const principal = principalOf(request);
    return renderPage(request, reply, 'admin-transfer', {
      title: 'Export and import',
      recent: await transfer.recent(principal),
      ...state,
    });
  }

  app.get('/admin/transfer', { preHandler: stepUpFirst }, async (request, reply) => {
    await transfer.mayTransfer(principalOf(request));
    return transferPage(request, reply);
  });

  app.post(
    '/admin/transfer/export',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ body: form({ passphrase: text(1024), confirm: text(1024), allVersions: text(10) }) }),
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await transfer.mayTransfer(principal);
      const b = request.body;
      if (b.passphrase !== b.confirm)
        return transferPage(request, reply.status(422), { exportError: 'The two passphrases differ' });
      return formAction(
        async () => {
          const { archive } = await transfer.exportArchive(principal, {
            passphrase: b.passphrase,
            allVersions: b.allVersions === 'yes',
          });
          return reply
            .header('Cache-Control', 'no-store')
            .header('Content-Disposition', 'attachment; filename="backup.tresor"')
            .type('application/vnd.tresor.archive')
            .send(archive);
        },
        (message, error) => transferPage(request, reply.status(statusOf(error)), { exportError: message }),
      );
    },
  );

  app.post(
    '/admin/transfer/import',
    {
      bodyLimit: archiveBodyLimit,
      // The session is known by now (onRequest); the body is read only for whoever may import.
      preParsing: async (request) => {
        if (!request.principal) throw new TresorError('UNAUTHENTICATED', 'Sign in first');
        await transfer.mayTransfer(request.principal);
      },
      preHandler: app.csrfProtection,
      schema: uiSchema({
        body: form({ archive: text(archiveBodyLimit), passphrase: text(1024), dryRun: text(10), onConflict: text(10) }),
      }),
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const b = request.body;
      const dryRun = b.dryRun === 'yes';
      return formAction(
        async () => {
          const report = await transfer.importArchive(principal, b.archive.trim() ? `${b.archive.trim()}\n` : '', {
            passphrase: b.passphrase,
            dryRun,
            onConflict: b.onConflict === 'rename' ? 'rename' : 'skip',
          });
          if (dryRun) return transferPage(request, reply, { report });
          return redirectWith(reply, '/admin/transfer', 'imported');
        },
        (message, error) => transferPage(request, reply.status(statusOf(error)), { importError: message }),
      );
    },
  );
};
