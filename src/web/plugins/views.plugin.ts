/**
 * Server-rendered pages: @fastify/view with a private Handlebars instance whose partials
 * are every file under templates/partials (one per field style in partials/fields), and
 * the few helpers templates need. Handlebars escapes every `{{value}}`, so no text a user
 * or a type author sets can become markup. Static assets and bundled logos are served too.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fastifyStatic from '@fastify/static';
import view from '@fastify/view';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import Handlebars from 'handlebars';
import { testVerdict } from '../../credentials/connection-test.ts';
import { isPermission, permissionWords } from '../../identity/permissions.ts';
import { packageRoot } from '../../package-root.ts';
import { remoteLogoPath } from '../remote-logos.ts';

export const templatesDir = join(packageRoot, 'templates');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

type HelperOptions = { data?: { root?: { locale?: string; base?: string } } };

const formats = new Map<string, Intl.DateTimeFormat>();
/** One formatter per locale and kind (building one costs more than formatting with it). */
function formatter(locale: string | undefined, kind: 'date' | 'day'): Intl.DateTimeFormat {
  const key = `${kind}:${locale ?? 'en'}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale ?? 'en', {
      dateStyle: 'medium',
      ...(kind === 'date' ? { timeStyle: 'short' } : {}),
      timeZone: 'UTC',
    });
    formats.set(key, format);
  }
  return format;
}
const dateFormat = (locale: string | undefined) => formatter(locale, 'date');
const dayFormat = (locale: string | undefined) => formatter(locale, 'day');

export function createHandlebars(): typeof Handlebars {
  const hbs = Handlebars.create();
  const partials = join(templatesDir, 'partials');
  for (const file of files(partials).filter((f) => f.endsWith('.hbs')))
    hbs.registerPartial(relative(partials, file).replace(/\.hbs$/, ''), readFileSync(file, 'utf8'));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('defined', (a: unknown) => a !== undefined && a !== null);
  // A moment in the reader's language (the page's locale), in UTC (the server cannot know the
  // reader's zone), inside <time> with the exact instant for machines and a hover.
  hbs.registerHelper('date', (value: unknown, options: HelperOptions) => {
    const at = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
    if (!at || Number.isNaN(at.getTime())) return typeof value === 'string' ? value : '';
    const iso = at.toISOString();
    const shown = `${dateFormat(options.data?.root?.locale).format(at)} UTC`;
    return new hbs.SafeString(`<time datetime="${iso}" title="${iso}">${hbs.escapeExpression(shown)}</time>`);
  });
  // A day only (an expiry), in the reader's language.
  hbs.registerHelper('day', (value: unknown, options: HelperOptions) => {
    const at = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
    if (!at || Number.isNaN(at.getTime())) return typeof value === 'string' ? value : '';
    const shown = dayFormat(options.data?.root?.locale).format(at);
    return new hbs.SafeString(
      `<time datetime="${at.toISOString().slice(0, 10)}">${hbs.escapeExpression(shown)}</time>`,
    );
  });
  // A connection test's verdict in words: what passed, failed and was skipped, counted.
  hbs.registerHelper('testVerdict', (report: { checks?: { status: string }[] }) => testVerdict(report.checks ?? []));
  // A permission in words (the code stays beside it, as the API and CLI know it).
  hbs.registerHelper('permissionName', (p: string) => (isPermission(p) ? permissionWords[p].name : p));
  hbs.registerHelper('permissionDoes', (p: string) => (isPermission(p) ? permissionWords[p].does : ''));
  hbs.registerHelper('fieldPartial', (field: { style: string }) => `fields/${field.style}`);
  // Bundled logos are served from /logos (under the mount prefix); URLs and data URIs are used as they are.
  hbs.registerHelper('logoUrl', (logo: string, options: HelperOptions) =>
    // A remote logo is served from Tresor's origin (remote-logos.ts); the browser never fetches a third party.
    logo.startsWith('data:image/')
      ? logo
      : `${options.data?.root?.base ?? ''}${logo.startsWith('https:') ? remoteLogoPath(logo) : `/logos/${logo}`}`,
  );
  return hbs;
}

export const viewsPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(view, {
      engine: { handlebars: createHandlebars() },
      root: templatesDir,
      // No global layout: each page names its own (Tresor's, bare, or a fragment for a host's layout).
      production: process.env.NODE_ENV !== 'development',
    });
    await app.register(fastifyStatic, {
      root: join(templatesDir, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      index: false,
    });
    await app.register(fastifyStatic, {
      // From the sources' folder: the build compiles the types' code, the logos stay where they are.
      root: join(packageRoot, 'credential-types', 'logos'),
      prefix: '/logos/',
      decorateReply: false,
      index: false,
    });
  },
  { name: 'tresor-views' },
);
