/**
 * Post/redirect/get for a form that failed, too: the form as entered (secret fields left out)
 * and its errors are kept for the page the redirect leads to, sealed in a short-lived cookie to
 * this session (flash.ts), so Back and Reload never ask to send the form again. Secret values
 * never travel back to the browser, not even sealed: the form says to enter them again. A
 * draft too large for a cookie is not kept; the caller shows the form at once instead.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FieldIssue } from '../../errors.ts';
import { ValidationError } from '../../errors.ts';
import { basePath, cookiePath } from '../paths.ts';
import { keepSealed, type SealedCookie, takeSealed } from './flash.ts';

/** A failed form, as the page shows it again. */
export interface FormDraft {
  /** The form's path: a draft is shown on that form only. */
  form: string;
  values: Record<string, unknown>;
  /** The error, worded in the reader's locale: beside each field, or (no path) above the form. */
  error: ValidationError | string;
  /** The secret fields that held an entry, now dropped: the form asks for them again. */
  reenter: string[];
}

interface StoredDraft {
  form: string;
  values: Record<string, unknown>;
  issues?: FieldIssue[];
  prefix?: string;
  message?: string;
  reenter: string[];
}

const draftCookie: SealedCookie = {
  name: 'tresor_form_draft',
  purpose: 'failed form draft',
  path: (request) => cookiePath(request),
  maxAgeSeconds: 300,
};

/** Room left for the cookie's name and attributes under the ~4 KB browsers keep. */
const maxSealedLength = 3_600;

/**
 * Keeps a failed form and redirects to it; false (nothing kept, nothing sent) when the draft is
 * too large for a cookie or there is no session to seal it to — show the form at once then.
 */
export function redirectWithDraft(
  request: FastifyRequest,
  reply: FastifyReply,
  to: string,
  draft: Omit<FormDraft, 'form'>,
): FastifyReply | undefined {
  const error = draft.error;
  const stored: StoredDraft = {
    form: to,
    values: draft.values,
    reenter: draft.reenter,
    ...(error instanceof ValidationError ? { issues: [...error.issues], prefix: error.prefix } : { message: error }),
  };
  if (!keepSealed(request, reply, draftCookie, stored, maxSealedLength)) return undefined;
  // 303 See Other: the answer to a POST is to GET the form.
  return reply.redirect(`${basePath(request)}${to}`, 303);
}

/** The draft of the form at `form`, once (the cookie is cleared); undefined when there is none for it. */
export function takeDraft(request: FastifyRequest, reply: FastifyReply, form: string): FormDraft | undefined {
  const stored = takeSealed(request, reply, draftCookie) as StoredDraft | undefined;
  if (!stored || stored.form !== form || typeof stored.values !== 'object') return undefined;
  return {
    form,
    values: stored.values,
    error: stored.issues ? new ValidationError(stored.issues, stored.prefix) : (stored.message ?? ''),
    reenter: Array.isArray(stored.reenter) ? stored.reenter.filter((k) => typeof k === 'string') : [],
  };
}
