/**
 * The egress policy (src/net/egress-policy.ts): non-public addresses refused unless allowed,
 * a deny always winning, every resolved address judged, IPv4 in IPv6 clothing seen through,
 * and settings that cannot be read named with their variable.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { destinationCheck } from '../../src/credentials/connection-test.ts';
import { ConfigError, EgressDeniedError, HostNotFoundError } from '../../src/errors.ts';
import { egressPolicy, type Lookup, parseEgressList } from '../../src/net/egress-policy.ts';

const rules = (allow = '', deny = '') => ({
  allow: parseEgressList(allow, 'TRESOR_EGRESS_ALLOW'),
  deny: parseEgressList(deny, 'TRESOR_EGRESS_DENY'),
});

/** A resolver answering from a table, as DNS would. */
const table =
  (answers: Record<string, string[]>): Lookup =>
  async (host) =>
    (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EgressDeniedError);
  return (error as Error).message;
};

describe('the egress policy', () => {
  it('refuses loopback, private, link-local and other non-public addresses by default', async () => {
    const policy = egressPolicy(rules());
    for (const address of [
      '127.0.0.1', // where PostgreSQL listens here (127.0.0.1:5432)
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '[::1]',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '0:0:0:0:0:ffff:7f00:1',
    ])
      expect(await refusal(policy.resolve(address))).toMatch(/TRESOR_EGRESS_ALLOW/);
  });

  it('judges IPv4 carried inside IPv6 (NAT64, 6to4, compatible, SIIT) as the IPv4 address it reaches', async () => {
    const policy = egressPolicy(rules());
    for (const address of [
      '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
      '64:ff9b::169.254.169.254', // NAT64 of the metadata address
      '64:ff9b::a00:1', // NAT64 of 10.0.0.1
      '2002:7f00:1::1', // 6to4 of 127.0.0.1
      '2002:a9fe:a9fe::', // 6to4 of 169.254.169.254
      '::7f00:1', // IPv4-compatible 127.0.0.1
      '::127.0.0.1',
      '::ffff:0:7f00:1', // SIIT 127.0.0.1
      '::ffff:0:10.0.0.1',
    ])
      expect(await refusal(policy.resolve(address)), address).toMatch(/TRESOR_EGRESS_ALLOW/);
    // The same translations of a public address reach the internet.
    for (const address of ['64:ff9b::5db8:d822', '2002:5db8:d822::1', '::ffff:93.184.216.34'])
      expect(await policy.resolve(address), address).toEqual([address]);
  });

  it('lets IPv6 through only inside global unicast, outside Teredo, local NAT64 and documentation', async () => {
    const policy = egressPolicy(rules());
    for (const address of [
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      '64:ff9b:1::a00:1',
      '2001:db8::1',
      '3fff::1',
      '100::1',
    ])
      expect(await refusal(policy.resolve(address)), address).toMatch(/TRESOR_EGRESS_ALLOW/);
    expect(await policy.resolve('2606:4700::1111')).toEqual(['2606:4700::1111']);
    // An allowed IPv4 range opens its IPv6 translations too.
    expect(await egressPolicy(rules('127.0.0.1')).resolve('64:ff9b::7f00:1')).toEqual(['64:ff9b::7f00:1']);
  });

  it('lets public addresses through, as the addresses to connect to', async () => {
    const policy = egressPolicy(rules(), table({ 'jira.example.com': ['93.184.216.34', '2606:4700::1111'] }));
    expect(await policy.resolve('93.184.216.34')).toEqual(['93.184.216.34']);
    expect(await policy.resolve('JIRA.example.com')).toEqual(['93.184.216.34', '2606:4700::1111']);
  });

  it('refuses a name if any address it resolves to is refused; a name with no address is not found, not refused', async () => {
    const policy = egressPolicy(rules(), table({ 'rebind.example.com': ['93.184.216.34', '127.0.0.1'] }));
    expect(await refusal(policy.resolve('rebind.example.com'))).toContain('127.0.0.1');
    const missing = await policy.resolve('nowhere.example.com').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(HostNotFoundError);
    expect(missing).toMatchObject({ code: 'UPSTREAM_FAILED', host: 'nowhere.example.com' });
    // A connection test says which: "Find the host" failed, not "Destination allowed".
    const dns = await destinationCheck(policy, 'nowhere.example.com', 'Connect');
    expect(dns).toEqual({
      ok: false,
      checks: [
        { name: 'Find the host', status: 'failed', message: expect.stringContaining('was not found') },
        { name: 'Connect', status: 'skipped', message: 'Not tried: an earlier check failed' },
      ],
    });
    const refused = await destinationCheck(policy, 'rebind.example.com', 'Connect');
    expect(refused.ok ? undefined : refused.checks[0]?.name).toBe('Destination allowed');
    const found = await destinationCheck(
      egressPolicy(rules(), table({ 'a.example.com': ['93.184.216.34'] })),
      'a.example.com',
    );
    expect(found).toMatchObject({ ok: true, address: '93.184.216.34', check: { status: 'passed' } });
  });

  it('opens exactly the ranges and hosts TRESOR_EGRESS_ALLOW lists', async () => {
    const policy = egressPolicy(
      rules('127.0.0.1, *.internal.example', ''),
      table({ 'jira.internal.example': ['10.0.0.5'], 'internal.example': ['10.0.0.6'] }),
    );
    expect(await policy.resolve('127.0.0.1')).toEqual(['127.0.0.1']);
    await refusal(policy.resolve('127.0.0.2'));
    expect(await policy.resolve('jira.internal.example')).toEqual(['10.0.0.5']);
    // "*.x" is every name below x, not x itself.
    await refusal(policy.resolve('internal.example'));
  });

  it('lets a deny win over an allow, for ranges and for hosts', async () => {
    const policy = egressPolicy(
      rules('10.0.0.0/8', '10.0.0.5, *.blocked.example, 93.184.216.0/24'),
      table({ 'a.blocked.example': ['10.0.0.7'], 'public.example.com': ['93.184.216.34'] }),
    );
    expect(await policy.resolve('10.0.0.4')).toEqual(['10.0.0.4']);
    expect(await refusal(policy.resolve('10.0.0.5'))).toMatch(/TRESOR_EGRESS_DENY/);
    expect(await refusal(policy.resolve('a.blocked.example'))).toMatch(/TRESOR_EGRESS_DENY/);
    expect(await refusal(policy.resolve('public.example.com'))).toMatch(/TRESOR_EGRESS_DENY/);
  });

  it('resolves with the system resolver by default: localhost is loopback', async () => {
    expect(await refusal(egressPolicy(rules()).resolve('localhost'))).toMatch(/loopback/);
  });

  it('names the variable and the entry it cannot read, at start', () => {
    expect(() => parseEgressList('10.0.0.0/8, not a host!', 'TRESOR_EGRESS_ALLOW')).toThrow(
      /TRESOR_EGRESS_ALLOW: "not a host!"/,
    );
    expect(() => parseEgressList('10.0.0.0/33', 'TRESOR_EGRESS_DENY')).toThrow(/longer than 32 bits/);
    let error: unknown;
    try {
      parseConfig({ TRESOR_EGRESS_DENY: 'http://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('TRESOR_EGRESS_DENY');
    expect(parseConfig({}).egress).toEqual({ allow: [], deny: [] });
  });
});
