import ipaddr from 'ipaddr.js';

/*
 * IPv4 helpers for the node, pod and service networks. Parsing is done by ipaddr.js; this file
 * only adds arithmetic on the 32-bit value (range checks, "n-th host of a subnet").
 * Only IPv4 is modelled: both seed systems are single-stack IPv4.
 */

/** An IPv4 CIDR block, with its addresses as unsigned 32-bit numbers. @public */
export interface Ipv4Cidr {
  /** Canonical text, e.g. `10.233.64.0/18` */
  text: string;
  prefix: number;
  /** Network address (first address of the block) */
  first: number;
  /** Broadcast address (last address of the block) */
  last: number;
  /** Number of addresses in the block */
  size: number;
}

/** An inclusive IPv4 address range such as MetalLB's `a.b.c.d-a.b.c.e`. @public */
export interface Ipv4Range {
  text: string;
  first: number;
  last: number;
}

/** `a.b.c.d` → 32-bit number, or undefined when not a strict dotted-quad IPv4 address. @public */
export function parseIpv4(text: string): number | undefined {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  return octetsToNumber(ipaddr.IPv4.parse(text).octets);
}

/** 32-bit number → `a.b.c.d`. @public */
export function formatIpv4(value: number): string {
  const octets = [24, 16, 8, 0].map(
    shift => Math.floor(value / 2 ** shift) % 256,
  );
  return ipaddr.fromByteArray(octets).toString();
}

/**
 * Why `text` is not a usable IPv4 CIDR block, or undefined when it is one. Rejects a block whose
 * address has host bits set (`10.0.0.5/24`), because tools disagree on what it means.
 */
export function describeIpv4CidrProblem(text: string): string | undefined {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) {
    return `"${text}" is not an IPv4 CIDR block; write it as <address>/<prefix 0-32>, e.g. 10.233.64.0/18`;
  }
  const [address, prefix] = ipaddr.IPv4.parseCIDR(text);
  if (`${address.toString()}/${prefix}` !== text) {
    return `"${text}" is not in canonical form; write it as ${address.toString()}/${prefix}`;
  }
  const network = ipaddr.IPv4.networkAddressFromCIDR(text).toString();
  if (network !== address.toString()) {
    return `"${text}" has host bits set; use the network address ${network}/${prefix}`;
  }
  return undefined;
}

/** Parses a canonical IPv4 CIDR block (see {@link describeIpv4CidrProblem}). @public */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  if (describeIpv4CidrProblem(text) !== undefined) return undefined;
  const [address, prefix] = ipaddr.IPv4.parseCIDR(text);
  const first = octetsToNumber(address.octets);
  const size = 2 ** (32 - prefix);
  return { text, prefix, first, last: first + size - 1, size };
}

/** Why `text` is not a usable `a.b.c.d-a.b.c.e` range, or undefined. */
export function describeIpv4RangeProblem(text: string): string | undefined {
  const parts = text.split('-');
  const example = 'e.g. 192.168.100.210-192.168.100.250';
  if (parts.length !== 2) {
    return `"${text}" is not an address range; write it as <first>-<last>, ${example}`;
  }
  const [first, last] = parts.map(p => parseIpv4(p));
  if (first === undefined || last === undefined) {
    return `"${text}" does not contain two IPv4 addresses; write it as <first>-<last>, ${example}`;
  }
  if (first > last) {
    return `"${text}" starts after it ends; put the lower address first (${parts[1]}-${parts[0]})`;
  }
  return undefined;
}

/** Parses `a.b.c.d-a.b.c.e` (first ≤ last). @public */
export function parseIpv4Range(text: string): Ipv4Range | undefined {
  if (describeIpv4RangeProblem(text) !== undefined) return undefined;
  const [first, last] = text.split('-').map(p => parseIpv4(p) as number);
  return { text, first, last };
}

/** True when the two blocks share at least one address. @public */
export function rangesOverlap(
  a: { first: number; last: number },
  b: { first: number; last: number },
): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** True when `inner` lies completely inside `outer`. @public */
export function rangeContains(
  outer: { first: number; last: number },
  inner: { first: number; last: number },
): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

/**
 * True when `address` is a usable host address of the block: inside it and neither its network
 * nor its broadcast address (for blocks of /30 and larger).
 * @public
 */
export function isUsableHostAddress(cidr: Ipv4Cidr, address: number): boolean {
  if (address < cidr.first || address > cidr.last) return false;
  if (cidr.size >= 4 && (address === cidr.first || address === cidr.last)) {
    return false;
  }
  return true;
}

/**
 * The `offset`-th address of a block (like Terraform's `cidrhost`), or undefined when the block
 * has no usable host address at that offset.
 * @public
 */
export function cidrHost(
  cidr: Ipv4Cidr | string,
  offset: number,
): string | undefined {
  const block = typeof cidr === 'string' ? parseIpv4Cidr(cidr) : cidr;
  if (!block) return undefined;
  const address = block.first + offset;
  return isUsableHostAddress(block, address) ? formatIpv4(address) : undefined;
}

function octetsToNumber(octets: number[]): number {
  return ((octets[0] * 256 + octets[1]) * 256 + octets[2]) * 256 + octets[3];
}
