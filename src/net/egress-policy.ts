/**
 * The egress policy: where Tresor itself may open a connection (connection tests of
 * credential types, modules). A stored credential is only as safe as the places it is sent
 * to, and a server that connects wherever a user's form says is a way into its own network
 * (SSRF: the cloud metadata address, the database on loopback). So by default the private,
 * link-local, loopback and other non-public ranges are refused; `TRESOR_EGRESS_ALLOW` opens
 * hosts or ranges, `TRESOR_EGRESS_DENY` closes them, and a deny always wins.
 *
 * A host is judged by every address it resolves to, and the caller connects to an address
 * this policy returned (never resolving the name again), so a name that answers a public
 * address to the check and a private one to the connection gains nothing.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ConfigError, EgressDeniedError, HostNotFoundError } from '../errors.ts';
import { judged } from './ip-address.ts';

/** One entry of an allow or deny list: an address range, or a host name pattern (`*.example.com`). */
export type EgressRule = { kind: 'range'; text: string } | { kind: 'host'; text: string; pattern: RegExp };

export interface EgressRules {
  allow: readonly EgressRule[];
  deny: readonly EgressRule[];
}

/** Ranges no connection of Tresor's goes to unless allowed: not the public internet. */
const nonPublic: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['192.0.2.0', 24, 'ipv4'], // documentation
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 3, 'ipv4'], // multicast and reserved
];
// IPv6 is judged the other way round (ip-address.ts): public only inside global unicast.

const hostPattern = /^(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+$/;
const rangePattern = /^([0-9a-f:.]+)(\/(\d{1,3}))?$/i;

/**
 * Parses one list (comma-separated CIDR ranges, addresses and host patterns), naming the
 * variable and the entry it cannot read.
 */
export function parseEgressList(text: string, variable: string): EgressRule[] {
  const rules: EgressRule[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    const range = rangePattern.exec(entry);
    if (range && isIP(range[1]!) !== 0) {
      const bits = range[3] === undefined ? undefined : Number(range[3]);
      const max = isIP(range[1]!) === 4 ? 32 : 128;
      if (bits !== undefined && bits > max)
        throw new ConfigError(`${variable}: "${raw.trim()}" has a prefix longer than ${max} bits`, variable);
      rules.push({ kind: 'range', text: entry });
      continue;
    }
    if (hostPattern.test(entry)) {
      const suffix = entry.startsWith('*.') ? entry.slice(2) : undefined;
      const escaped = (suffix ?? entry).replaceAll('.', '\\.');
      rules.push({ kind: 'host', text: entry, pattern: new RegExp(suffix ? `^.+\\.${escaped}$` : `^${escaped}$`) });
      continue;
    }
    throw new ConfigError(
      `${variable}: "${raw.trim()}" is neither an address range (10.0.0.0/8, ::1) nor a host (*.example.com)`,
      variable,
    );
  }
  return rules;
}

function blockListOf(rules: readonly EgressRule[]): BlockList {
  const list = new BlockList();
  for (const rule of rules) {
    if (rule.kind !== 'range') continue;
    const [address, bits] = rule.text.split('/') as [string, string | undefined];
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/** A host as written in a URL, without the brackets around an IPv6 address. */
const unbracketed = (host: string) => host.replace(/^\[(.*)\]$/, '$1');

export type Lookup = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

export interface EgressPolicy {
  /**
   * The addresses `host` may be reached at (the caller connects to one of these), an
   * EgressDeniedError naming the host, the address and the setting that decides, or a
   * HostNotFoundError when the name has no address at all.
   */
  resolve(host: string): Promise<VettedAddresses>;
}

/** At least one address: a host that resolves to none is not found. */
export type VettedAddresses = [string, ...string[]];

export function egressPolicy(rules: EgressRules, lookup: Lookup = systemLookup): EgressPolicy {
  const denied = blockListOf(rules.deny);
  const allowed = blockListOf(rules.allow);
  const defaults = new BlockList();
  for (const [address, bits, type] of nonPublic) defaults.addSubnet(address, bits, type);
  const hostRule = (list: readonly EgressRule[], host: string) =>
    list.find((r) => r.kind === 'host' && r.pattern.test(host)) !== undefined;

  return {
    async resolve(hostInput: string): Promise<VettedAddresses> {
      const host = unbracketed(hostInput.trim().toLowerCase());
      if (hostRule(rules.deny, host))
        throw new EgressDeniedError(`Connections to ${host} are refused by TRESOR_EGRESS_DENY`);
      const addresses = isIP(host) !== 0 ? [host] : (await lookup(host).catch(() => [])).map((a) => a.address);
      // Not a refusal: the name has no address.
      if (addresses.length === 0) throw new HostNotFoundError(host);
      const hostAllowed = hostRule(rules.allow, host);
      for (const raw of addresses) {
        // IPv4 inside IPv6 (mapped, NAT64, 6to4, …) is judged as the IPv4 address it reaches.
        const seen = judged(raw);
        const { address, family } = seen;
        const rawFamily = isIP(raw) === 4 ? 'ipv4' : 'ipv6';
        if (denied.check(address, family) || denied.check(raw, rawFamily))
          throw new EgressDeniedError(`Connections to ${host} (${address}) are refused by TRESOR_EGRESS_DENY`);
        if (hostAllowed || allowed.check(address, family) || allowed.check(raw, rawFamily)) continue;
        if (seen.family === 'ipv4' ? defaults.check(address, 'ipv4') : !seen.global)
          throw new EgressDeniedError(
            `${host} (${address}) is a private, loopback or link-local address; ` +
              'Tresor connects there only if TRESOR_EGRESS_ALLOW lists it',
          );
      }
      return addresses as VettedAddresses;
    },
  };
}

/** The name to present for TLS (SNI, certificate check) when connecting to a vetted address: none for an IP. */
export function tlsServerName(host: string): string | undefined {
  return isIP(unbracketed(host)) === 0 ? host : undefined;
}
