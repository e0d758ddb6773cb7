/**
 * What an address really points at, for the egress policy: IPv4 carried inside IPv6 (mapped,
 * compatible, SIIT, NAT64, 6to4) is read out and judged as the IPv4 address it reaches, and
 * an IPv6 address is public only inside global unicast (2000::/3) outside the ranges IANA
 * keeps for special purposes — an allow-list of the internet rather than a deny-list of
 * private ranges, so a transition prefix nobody listed does not open the way in.
 */
import { isIP } from 'node:net';

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad read as two), or undefined. */
export function ipv6Groups(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase().replace(/%.*$/, '');
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? front : [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
  return groups.length === 8 ? groups : undefined;
}

const dotted = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255].join('.');

/**
 * The IPv4 address an IPv6 address carries, where it carries one by a standard translation:
 * ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (SIIT), 64:ff9b::a.b.c.d
 * (NAT64, well-known prefix) and 2002:aabb:ccdd::/48 (6to4).
 */
export function embeddedIpv4(groups: readonly number[]): string | undefined {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const zeroTo = (n: number) => groups.slice(0, n).every((g) => g === 0);
  if (zeroTo(5) && g5 === 0xffff) return dotted(g6, g7);
  if (zeroTo(6) && (g6 !== 0 || g7 > 1)) return dotted(g6, g7);
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return dotted(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return dotted(g6, g7);
  if (g0 === 0x2002) return dotted(g1, g2);
  return undefined;
}

/** Inside 2000::/3 but not the internet: IETF protocol assignments (Teredo among them), documentation. */
const specialGlobal: ReadonlyArray<[number, number, number]> = [
  // [first group, second group, prefix length over the first two groups]
  [0x2001, 0x0000, 23], // IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID
  [0x2001, 0x0db8, 32], // documentation
  [0x3fff, 0x0000, 20], // documentation
];

/** Whether an IPv6 address (carrying no IPv4) is a public internet address. */
export function isGlobalIpv6(groups: readonly number[]): boolean {
  const [g0, g1] = groups as [number, number];
  if (g0 >> 13 !== 0b001) return false; // global unicast is 2000::/3
  const prefix32 = g0 * 0x10000 + g1;
  return !specialGlobal.some(([a, b, bits]) => {
    const shift = 32 - bits;
    return Math.floor(prefix32 / 2 ** shift) === Math.floor((a * 0x10000 + b) / 2 ** shift);
  });
}

/** How the policy judges an address: as the IPv4 it carries, or as IPv6 (public or not). */
export type Judged = { family: 'ipv4'; address: string } | { family: 'ipv6'; address: string; global: boolean };

export function judged(address: string): Judged {
  if (isIP(address) === 4) return { family: 'ipv4', address };
  const groups = ipv6Groups(address);
  if (!groups) return { family: 'ipv6', address, global: false };
  const v4 = embeddedIpv4(groups);
  if (v4) return { family: 'ipv4', address: v4 };
  return { family: 'ipv6', address, global: isGlobalIpv6(groups) };
}
