import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write: (chunk, _e, done) => {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger('debug', stream as never) };
}

describe('logger', () => {
  it('redacts every key that can hold a secret, at any depth the paths name', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        password: 'CANARY-1',
        fields: { password: 'CANARY-2' },
        body: { apiToken: 'CANARY-3', privateKey: 'CANARY-4' },
        masterKey: 'CANARY-5',
        ok: 'visible',
      },
      'hello',
    );
    const out = lines.join('');
    expect(out).toContain('visible');
    for (const c of ['CANARY-1', 'CANARY-2', 'CANARY-3', 'CANARY-4', 'CANARY-5']) expect(out).not.toContain(c);
  });

  it('logs requests without their query string', () => {
    const { lines, logger } = capture();
    logger.info(
      { req: { id: 'r1', method: 'GET', url: '/setup?token=CANARY-setup-token', ip: '127.0.0.1' } },
      'incoming request',
    );
    expect(lines.join('')).toContain('"url":"/setup"');
    expect(lines.join('')).not.toContain('CANARY-setup-token');
  });
});
