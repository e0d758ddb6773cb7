import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';

describe('configuration from the environment', () => {
  it('has safe defaults: embedded database, audit rows flushed before a use goes on', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      auditDurability: 'flush',
      cacheTtlMs: 30_000,
      versionsKept: 10,
      port: 8200,
      busHeartbeatMs: 1000,
    });
  });

  it('listens where the pool connects unless TRESOR_LISTEN_URL says otherwise', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://pgbouncer/tresor' }).listenUrl).toBe('postgres://pgbouncer/tresor');
    expect(
      parseConfig({ DATABASE_URL: 'postgres://pgbouncer/tresor', TRESOR_LISTEN_URL: 'postgres://db/tresor' }).listenUrl,
    ).toBe('postgres://db/tresor');
  });

  it('reads the expiry-notice days largest first, once each, and refuses what is not a list of days', () => {
    expect(parseConfig({}).expiryNoticeDays).toEqual([30, 7, 1]);
    expect(parseConfig({}).expiryCheckSeconds).toBe(3600);
    expect(parseConfig({ TRESOR_EXPIRY_NOTICE_DAYS: '1, 14,7,14' }).expiryNoticeDays).toEqual([14, 7, 1]);
    expect(parseConfig({ TRESOR_EXPIRY_NOTICE_DAYS: '' }).expiryNoticeDays).toEqual([]);
    for (const bad of ['30,soon', '0', '7,-1'])
      expect(() => parseConfig({ TRESOR_EXPIRY_NOTICE_DAYS: bad })).toThrow(
        expect.objectContaining({ field: 'TRESOR_EXPIRY_NOTICE_DAYS' }),
      );
    expect(() => parseConfig({ TRESOR_EXPIRY_CHECK_SECONDS: '-5' })).toThrow(ConfigError);
  });

  it('reads each setting it documents', () => {
    const config = parseConfig({
      DATABASE_URL: 'postgres://db/tresor',
      TRESOR_AUDIT_DURABILITY: 'commit',
      TRESOR_CACHE_TTL_MS: '0',
      TRESOR_VERSIONS_KEPT: '1',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://db/tresor',
      auditDurability: 'commit',
      cacheTtlMs: 0,
      versionsKept: 1,
    });
  });

  it.each([
    ['TRESOR_AUDIT_DURABILITY', 'sometimes'],
    ['DATABASE_URL', 'mysql://db'],
    ['TRESOR_VERSIONS_KEPT', '0'],
    ['PORT', 'eighty'],
    ['TRESOR_CACHE_TTL_MS', '-1'],
    ['TRESOR_LISTEN_URL', 'redis://cache'],
    ['TRESOR_BUS_HEARTBEAT_MS', '-3'],
  ])('refuses a bad %s and names it', (variable, value) => {
    let error: unknown;
    try {
      parseConfig({ [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(variable);
    expect((error as Error).message).not.toContain(value);
  });

  it('wants both halves of a TLS pair', () => {
    expect(() => parseConfig({ TRESOR_TLS_CERT: '/c.pem' })).toThrow(/TRESOR_TLS_KEY/);
  });
});
