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
import { packageRoot } from '../../package-root.ts';
import { remoteLogoPath } from '../ui/remote-logos.ts';

export const templatesDir = join(packageRoot, 'templates');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

export function createHandlebars(): typeof Handlebars {
  const hbs = Handlebars.create();
  const partials = join(templatesDir, 'partials');
  for (const file of files(partials).filter((f) => f.endsWith('.hbs')))
    hbs.registerPartial(relative(partials, file).replace(/\.hbs$/, ''), readFileSync(file, 'utf8'));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('defined', (a: unknown) => a !== undefined && a !== null);
  hbs.registerHelper('date', (value: unknown) =>
    value instanceof Date
      ? value.toISOString().replace('T', ' ').slice(0, 16) + ' UTC'
      : typeof value === 'string'
        ? value
        : '',
  );
  hbs.registerHelper('fieldPartial', (field: { style: string }) => `fields/${field.style}`);
  // Bundled logos are served from /logos (under the mount prefix); URLs and data URIs are used as they are.
  hbs.registerHelper('logoUrl', (logo: string, options: { data?: { root?: { base?: string } } }) =>
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
      layout: 'layouts/main.hbs',
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
