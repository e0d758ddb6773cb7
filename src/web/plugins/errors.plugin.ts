/**
 * Turns every error into `{ error: { code, message, field?, issues? } }` (or an HTML error
 * page for browsers), with the status from `error-status.ts`. Schema validation errors name
 * the field; anything unexpected is logged and answered with a message that leaks nothing.
 */

import type {} from '@fastify/view';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDataException } from '../../db/errors.ts';
import { type ErrorCode, type FieldIssue, isTresorError, NotFoundError, ValidationError } from '../../errors.ts';
import { httpStatusOf } from '../error-status.ts';
import { authenticateBySession } from './auth.plugin.ts';

export interface ErrorBody {
  error: {
    code: ErrorCode | 'BAD_REQUEST' | 'RATE_LIMITED' | 'UNSUPPORTED_MEDIA_TYPE' | 'PAYLOAD_TOO_LARGE';
    message: string;
    field?: string;
    title?: string;
    issues?: FieldIssue[];
  };
}

const wantsHtml = (request: FastifyRequest) => (request.headers.accept ?? '').includes('text/html');

function fromSchemaValidation(error: FastifyError): ValidationError {
  const issues: FieldIssue[] = [];
  if (hasZodFastifySchemaValidationErrors(error)) {
    for (const v of error.validation) {
      const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
      issues.push({ path, message: `${path || error.validationContext || 'request'}: ${v.message}` });
    }
  }
  if (issues.length === 0) issues.push({ path: '', message: error.message });
  const where = error.validationContext === 'body' ? '' : `${error.validationContext ?? 'request'} `;
  return new ValidationError(
    issues.map((i) => ({ ...i, path: i.path ? `${where}${i.path}`.trim() : i.path })),
    'Invalid request',
  );
}

/** `locale`: a validation error worded in several locales is answered in this one. */
export function errorBodyOf(error: unknown, locale?: string): { status: number; body: ErrorBody } {
  const e = error as FastifyError;
  if (e && typeof e === 'object' && 'validation' in e && e.validation) error = fromSchemaValidation(e);
  if (error instanceof ValidationError && locale) error = error.in(locale);
  if (isTresorError(error)) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.field !== undefined) body.error.field = error.field;
    if (error instanceof ValidationError && error.issues.length > 0) {
      body.error.title = error.prefix;
      body.error.issues = [...error.issues];
    }
    return { status: httpStatusOf[error.code], body };
  }
  // A value the database cannot store (NUL in text, say) that slipped past validation is still the caller's input.
  if (isDataException(error))
    return {
      status: 400,
      body: {
        error: {
          code: 'BAD_REQUEST',
          message: 'The request holds a value that cannot be stored (such as a NUL character)',
        },
      },
    };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status === 429)
    return {
      status,
      body: { error: { code: 'RATE_LIMITED', message: 'Too many attempts; wait a minute and try again' } },
    };
  if (status === 415)
    return {
      status,
      body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send JSON (Content-Type: application/json)' } },
    };
  if (status === 413)
    return { status, body: { error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' } } };
  if (status >= 400 && status < 500)
    return {
      status,
      body: {
        error: {
          code: 'BAD_REQUEST',
          message:
            e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/.test(e.message)
              ? 'The body is not valid JSON'
              : e.message,
        },
      },
    };
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'Something went wrong on the server; it has been logged' } },
  };
}

/** Renders an HTML error page (the UI's, handed in by app.ts: plugins do not reach into the UI's room). */
export type ErrorPage = (
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  message: string,
) => Promise<FastifyReply>;

/** Answers an error: an HTML page for a browser when there is an error page, JSON otherwise. */
function errorSender(errorPage: ErrorPage | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply, error: unknown): Promise<FastifyReply> => {
    const { status, body } = errorBodyOf(error, request.locale);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    if (errorPage && wantsHtml(request) && typeof reply.view === 'function')
      return errorPage(request, reply, status, body.error.message);
    return reply.status(status).send(body);
  };
}

export const errorsPlugin = fp<{ errorPage?: ErrorPage }>(
  async (app: FastifyInstance, { errorPage }) => {
    const sendError = errorSender(errorPage);
    app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
    app.setNotFoundHandler(async (request, reply) => {
      // An unknown URL is outside the UI's context, which names the signed-in user: the page
      // still shows their navigation (the session is read only for a page, never for the API).
      const html = wantsHtml(request);
      if (!request.principal && html) await authenticateBySession(request, reply);
      const path = request.url.split('?')[0];
      // A person reads of a page; a program of the route it asked for.
      const message = html ? `There is no page at ${path}` : `No route ${request.method} ${path}`;
      return sendError(request, reply, new NotFoundError(message));
    });
  },
  { name: 'tresor-errors' },
);

/** Registered inside the API's context: errors there are always JSON, whatever the client accepts. */
export async function jsonErrors(api: FastifyInstance): Promise<void> {
  const sendError = errorSender(undefined);
  api.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  api.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new NotFoundError(`No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
