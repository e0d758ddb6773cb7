/**
 * The rate limit on every door that takes a password (login form, setup, POST /auth/token):
 * counted per client address and account, after the body is parsed, so guessing one
 * account's password is slowed without letting one noisy client lock everyone else out.
 */

import type { RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';

export function loginRateLimit(maxPerMinute: number): RateLimitOptions {
  return {
    max: maxPerMinute,
    timeWindow: '1 minute',
    hook: 'preHandler',
    keyGenerator: (request: FastifyRequest) => {
      const email = (request.body as Record<string, unknown> | undefined)?.email;
      return `${request.ip}|${typeof email === 'string' ? email.trim().toLowerCase().slice(0, 320) : ''}`;
    },
  };
}
