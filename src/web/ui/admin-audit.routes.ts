/** The audit log page (AUDIT_READ; the service checks): filters, pages, and the chain's state. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActions } from '../../audit/audit-events.ts';
import { principalOf, requireSession } from '../plugins/auth.plugin.ts';
import { text, uiSchema } from './form-schemas.ts';
import { renderPage } from './render.ts';

const auditQuery = z.object({
  action: text(100),
  secret: text(200),
  actor: text(100),
  from: text(20),
  to: text(20),
  before: text(20),
  after: text(20),
  changes: text(10),
});
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const cursor = (value: string) => (/^\d{1,15}$/.test(value) && Number(value) > 0 ? Number(value) : undefined);
/** A day of a date input as the start of that day (UTC), or undefined when empty or not a date. */
function dayOf(value: string): Date | undefined {
  if (!dayPattern.test(value)) return undefined;
  const day = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value ? undefined : day;
}
const auditPageSize = 50;

export const uiAdminAuditRoutes: FastifyPluginAsyncZod = async (app) => {
  const { audit } = app.tresor;
  app.addHook('preHandler', requireSession);

  app.get('/admin/audit', { schema: uiSchema({ querystring: auditQuery }) }, async (request, reply) => {
    const q = request.query;
    const principal = principalOf(request);
    const problems: string[] = [];
    const from = dayOf(q.from);
    const to = dayOf(q.to);
    if (q.from && !from) problems.push(`From: "${q.from}" is not a date like 2026-12-01`);
    if (q.to && !to) problems.push(`To: "${q.to}" is not a date like 2026-12-31`);
    if (from && to && to < from) problems.push('To: the range ends before it starts');
    const filter = {
      action: (auditActions as readonly string[]).includes(q.action) ? q.action : '',
      secret: q.secret.trim(),
      actor: uuidPattern.test(q.actor) ? q.actor : '',
      from: from ? q.from : '',
      to: to ? q.to : '',
      // "Changes only": no reads, uses, tests, refusals or sign-ins.
      changes: q.changes === 'only' ? 'only' : '',
    };
    const range =
      problems.length > 0
        ? {}
        : { ...(from ? { from } : {}), ...(to ? { to: new Date(to.getTime() + 86_399_999) } : {}) };
    const before = cursor(q.before);
    const after = before === undefined ? cursor(q.after) : undefined;
    const [{ entries, newer, older }, choices, chain] = await Promise.all([
      audit.browse(principal, {
        limit: auditPageSize,
        ...(filter.action ? { action: filter.action } : {}),
        ...(filter.secret
          ? uuidPattern.test(filter.secret)
            ? { targetId: filter.secret }
            : { targetName: filter.secret }
          : {}),
        ...(filter.actor ? { actorId: filter.actor } : {}),
        ...(filter.changes ? { changesOnly: true } : {}),
        ...range,
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
      }),
      audit.filterChoices(principal),
      audit.verify(principal),
    ]);
    const link = (cursorKey: 'before' | 'after', id: number) =>
      new URLSearchParams({
        ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== '')),
        [cursorKey]: String(id),
      }).toString();
    const filtered = Object.values(filter).some((v) => v !== '');
    return renderPage(request, reply, 'admin-audit', {
      title: 'Audit log',
      entries,
      filter,
      filtered,
      problems,
      people: choices.people.map((p) => ({ ...p, selected: p.id === filter.actor })),
      secretNames: choices.secretNames,
      actions: auditActions.map((a) => ({ name: a, selected: a === filter.action })),
      chain,
      newer: newer && entries.length > 0 ? link('after', entries[0]!.id) : undefined,
      older: older && entries.length > 0 ? link('before', entries.at(-1)!.id) : undefined,
    });
  });
};
