/** Renders a page inside the layout, with the signed-in user, admin links and a CSRF token. */

import type {} from '@fastify/csrf-protection';
import type {} from '@fastify/view';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, type FieldIssue, isTresorError, ValidationError } from '../../errors.ts';
import { takeFlash } from './flash.ts';
import { basePath } from './paths.ts';

/** Errors a form shows beside its inputs (the rest go to the error page). */
const shownOnForm: ReadonlySet<ErrorCode> = new Set([
  'CONFLICT',
  'VERSION_CONFLICT',
  'ACCESS_DENIED',
  'UNAUTHENTICATED',
]);

export async function renderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  template: string,
  data: Record<string, unknown> = {},
): Promise<FastifyReply> {
  const csrf = reply.generateCsrf();
  let chrome: Record<string, unknown> = {};
  if (request.principal) {
    const { user, permissions } = await request.server.tresor.users.whoami(request.principal);
    chrome = {
      me: user,
      admin: {
        users: permissions.includes('USER_ADMIN'),
        groups: permissions.includes('GROUP_ADMIN'),
        audit: permissions.includes('AUDIT_READ'),
      },
    };
  }
  // The confirmation of the POST that redirected here, from a one-time cookie (never the URL).
  const flash = takeFlash(request, reply);
  return reply
    .header('Cache-Control', 'no-store')
    .view(`pages/${template}.hbs`, { ...chrome, flash, csrf, base: basePath(request), ...data });
}

/** Field messages keyed by path, for showing each beside its input. */
export function errorsByPath(error: ValidationError): Record<string, string> {
  return Object.fromEntries(error.issues.map((i: FieldIssue) => [i.path, i.message]));
}

/** Runs a form action; a validation error (or any expected domain error) becomes `onError(message, error)`. */
export async function formAction<T>(
  action: () => Promise<T>,
  onError: (message: string, error: unknown) => Promise<FastifyReply>,
): Promise<T | FastifyReply> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ValidationError || (isTresorError(error) && shownOnForm.has(error.code)))
      return onError(error.message, error);
    throw error;
  }
}

export const str = (value: unknown): string => (typeof value === 'string' ? value : '');
