/** Renders a page inside the layout, with the signed-in user, admin links and a CSRF token. */

import type {} from '@fastify/csrf-protection';
import type {} from '@fastify/view';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, type FieldIssue, isTresorError, ValidationError } from '../../errors.ts';
import { httpStatusOf } from '../error-status.ts';
import { basePath } from '../paths.ts';
import { takeFlash } from './flash.ts';

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
  // Error pages are rendered outside the UI's context too (an unknown URL), where no CSRF token is made.
  const csrf = typeof reply.generateCsrf === 'function' ? reply.generateCsrf() : undefined;
  const base = basePath(request);
  const section = sectionOf(request.url.slice(base.length));
  let chrome: Record<string, unknown> = {};
  let navigation: NavigationItem[] = [];
  if (request.principal) {
    const { users, secrets, spaces } = request.server.tresor;
    const [{ user, permissions }, creatable, workplaces, createsSpaces] = await Promise.all([
      users.whoami(request.principal),
      secrets.creatableTypes(request.principal),
      spaces.workplaces(request.principal),
      spaces.createsSpaces(request.principal),
    ]);
    // The gate decides what the chrome offers: no Create for whoever may create nothing, no Spaces for
    // whoever works in one space only (an installation with one space shows no new word).
    navigation = navigationFor(base, section, new Set(permissions), {
      mayCreate: creatable.length > 0,
      // An instance administrator of a one-space installation creates the first space from Groups.
      spaces: workplaces.length > 1 || (createsSpaces && (await spaces.several())),
    });
    chrome = { me: user, mayCreate: creatable.length > 0, admin: { audit: permissions.includes('AUDIT_READ') } };
  }
  // The confirmation of the POST that redirected here, from a one-time cookie (never the URL).
  const flash = takeFlash(request, reply);
  const page = `pages/${template}.hbs`;
  const view = { ...chrome, navigation, flash, csrf, section, base, locale: request.locale, ...data };
  reply.header('Cache-Control', 'no-store');
  const layout = request.server.tresorLayout;
  if (typeof layout !== 'function')
    return reply.view(page, view, { layout: layout === 'bare' ? 'layouts/bare.hbs' : 'layouts/main.hbs' });
  // The host's layout around Tresor's page: Tresor's headers (CSP, frame protection) still go out with it.
  const content = await reply.viewAsync(page, view, { layout: 'layouts/content.hbs' });
  const html = await layout({
    title: typeof data.title === 'string' ? data.title : 'Tresor',
    head: `<link rel="stylesheet" href="${escapeAttribute(base)}/assets/tresor.css">`,
    navigation,
    content,
    status: reply.statusCode,
  });
  return reply.type('text/html; charset=utf-8').send(html);
}

interface NavigationItem {
  label: string;
  href: string;
  current: boolean;
}

/** The pages the navigation offers this person: what the gate lets them open, nothing more. */
function navigationFor(
  base: string,
  section: string | undefined,
  held: ReadonlySet<string>,
  offers: { mayCreate: boolean; spaces: boolean },
) {
  const pages: Array<[label: string, path: string, section: string, shown: boolean]> = [
    ['My store', '/secrets', 'store', true],
    ['Create', '/secrets/new', 'create', offers.mayCreate],
    ['Spaces', '/spaces', 'spaces', offers.spaces],
    ['API tokens', '/tokens', 'tokens', true],
    ['Account', '/account', 'account', true],
    ['Users', '/admin/users', 'users', held.has('USER_ADMIN')],
    ['Groups', '/admin/groups', 'groups', held.has('GROUP_ADMIN')],
    ['Audit log', '/admin/audit', 'audit', held.has('AUDIT_READ')],
    ['Webhooks', '/admin/webhooks', 'webhooks', held.has('WEBHOOK_ADMIN')],
    ['Export / import', '/admin/transfer', 'transfer', held.has('SECRET_EXPORT')],
  ];
  return pages
    .filter(([, , , shown]) => shown)
    .map(([label, path, name]) => ({ label, href: `${base}${path}`, current: name === section }));
}

const escapeAttribute = (text: string) =>
  text.replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[c]!);

/** Which part of the navigation a path belongs to, for `aria-current`. */
function sectionOf(path: string): string | undefined {
  const [, first, second] = path.split('?')[0]!.split('/');
  if (first === 'secrets') return second === 'new' ? 'create' : 'store';
  if (first === 'admin') return second;
  return first === 'tokens' || first === 'account' || first === 'spaces' ? first : undefined;
}

/** Field messages keyed by path, for showing each beside its input. */
export function errorsByPath(error: ValidationError): Record<string, string> {
  return Object.fromEntries(error.issues.map((i: FieldIssue) => [i.path, i.message]));
}

/** A form's error: a validation error as it is; another about one field (a taken name) beside that field. */
export const formErrorOf = (message: string, error: unknown): ValidationError | string =>
  error instanceof ValidationError
    ? error
    : isTresorError(error) && error.field
      ? ValidationError.field(error.field, message)
      : message;

/** Runs a form action; a validation error (or any expected domain error) becomes `onError(message, error)`. */
export async function formAction<T>(
  action: () => Promise<T>,
  onError: (message: string, error: unknown) => Promise<FastifyReply>,
): Promise<T | FastifyReply> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ValidationError) return onError(formMessage(error), error);
    if (isTresorError(error) && shownOnForm.has(error.code)) return onError(error.message, error);
    throw error;
  }
}

/**
 * What a form says of invalid input: the issues' own messages ("No user nobody@example.com"),
 * not the error's summary ("Invalid input: email: No user …"), which names fields for an API.
 */
function formMessage(error: ValidationError): string {
  const messages = error.issues.map((i) => i.message).filter(Boolean);
  return messages.length > 0 ? messages.join(' ') : error.message;
}

export interface Confirmation {
  title: string;
  /** What will happen, in a sentence the user answers. */
  question: string;
  /** Where the confirmed form posts (the same action), and the fields it carries again. */
  action: string;
  fields?: Record<string, string>;
  button: string;
  /** Where "Cancel" leads. */
  back: string;
  danger?: boolean;
}

/** Whether a form that asks first was confirmed (the confirmation page posts `confirm=yes`). */
export const confirmed = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && (body as { confirm?: unknown }).confirm === 'yes';

/**
 * The question before an action that cannot be undone simply (roll back, revoke, remove a
 * share, delete a group): the action posts here first and gets this page, which posts again
 * with `confirm=yes`. Nothing changed yet, so it answers the POST directly (no redirect).
 */
export function askToConfirm(request: FastifyRequest, reply: FastifyReply, c: Confirmation): Promise<FastifyReply> {
  const base = basePath(request);
  return renderPage(request, reply, 'confirm', {
    ...c,
    action: `${base}${c.action}`,
    back: `${base}${c.back}`,
    hidden: Object.entries(c.fields ?? {}).map(([name, value]) => ({ name, value })),
  });
}

/** The status of an error a form shows again (422 invalid input, 409 a conflict, 403 …), from the one mapping. */
export const statusOf = (error: unknown): number => (isTresorError(error) ? httpStatusOf[error.code] : 500);

export const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * An error page in the layout, with the navigation of whoever is signed in (a signed-out
 * visitor is offered the sign-in page instead of a store it has none of). Should rendering
 * the chrome fail too (the database is gone), the bare page still answers.
 */
export async function renderErrorPage(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  message: string,
): Promise<FastifyReply> {
  const data = { title: statusTitles[status] ?? 'Error', status, message, signedIn: Boolean(request.principal) };
  try {
    return await renderPage(request, reply.status(status), 'error', data);
  } catch {
    return reply
      .status(status)
      .header('Cache-Control', 'no-store')
      .view('pages/error.hbs', { ...data, base: basePath(request) }, { layout: 'layouts/main.hbs' });
  }
}

const statusTitles: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign in first',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'Too large',
  422: 'Invalid input',
  429: 'Too many requests',
  500: 'Something went wrong',
  503: 'Busy',
};
