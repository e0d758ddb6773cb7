/**
 * The logger (pino, the one fastify uses), with redaction of every key that can hold a
 * secret, so a careless `log.info({ body })` still cannot leak one.
 */
import pino from 'pino';
import { printable } from './db/errors.ts';

export type Logger = pino.Logger;

/** Paths pino replaces with [redacted] wherever they appear in a log object. */
export const redactedPaths = [
  'password',
  'passphrase',
  'secret',
  'token',
  'apiToken',
  'privateKey',
  'key',
  'fields',
  'payload',
  'authorization',
  'masterKey',
  'adminPassword',
  '*.adminPassword',
  '*.masterKey',
  '*.password',
  '*.passphrase',
  '*.secret',
  '*.token',
  '*.apiToken',
  '*.privateKey',
  '*.fields',
  '*.payload',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** Requests are logged without their query string: a setup link's token, say, must not land in a log. */
const serializers = {
  // Errors lose a failed query's text and parameters (drizzle puts them in the message).
  err: (error: unknown) => printable(error),
  req: (req: { id?: unknown; method?: unknown; url?: unknown; ip?: unknown }) => ({
    id: req.id,
    method: req.method,
    url: String(req.url ?? '').split('?')[0],
    remoteAddress: req.ip,
  }),
};

export function createLogger(level: string, destination: pino.DestinationStream | undefined = undefined): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    base: { service: 'tresor' },
    serializers,
  };
  return destination ? pino(options, destination) : pino(options, pino.destination(2));
}
