// IP addresses, CIDRs and networks. Pure. Every address here is attacker-controlled text (a
// `sourceIPAddress`, a suppression entry): parsed strictly, never through a regular expression
// that could backtrack, and anything else (a service's host name, `AWS Internal`) is no address.

/** A parsed address. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is reported as family 4. */
export type IpAddress =
  | { readonly family: 4; readonly value: number }
  | { readonly family: 6; readonly value: bigint };

export type Cidr =
  | { readonly family: 4; readonly network: number; readonly mask: number; readonly prefix: number }
  | { readonly family: 6; readonly network: bigint; readonly mask: bigint; readonly prefix: number };

const V4_OCTET = /^(?:0|[1-9]\d{0,2})$/;
const V6_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const V6_CHARS = /^[0-9A-Fa-f:.]+$/;
const PREFIX = /^(?:0|[1-9]\d{0,2})$/;
const ALL_V6 = (1n << 128n) - 1n;
const MAPPED_PREFIX = 0xffffn << 32n;

function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    // Leading zeros are refused: some parsers read `010` as octal, so its meaning is ambiguous.
    if (!V4_OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (text.length < 2 || text.length > 45 || !V6_CHARS.test(text)) return undefined;
  let body = text;
  if (body.includes('.')) {
    // An embedded IPv4 tail (`::ffff:198.51.100.7`) stands for the last two groups.
    const cut = body.lastIndexOf(':');
    const v4 = parseIpv4(body.slice(cut + 1));
    if (cut < 0 || v4 === undefined) return undefined;
    body = `${body.slice(0, cut + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string): string[] | undefined => {
    if (half === '') return [];
    const groups = half.split(':');
    return groups.every((g) => V6_GROUP.test(g)) ? groups : undefined;
  };
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const given = head.length + tail.length;
  if (halves.length === 2 ? given > 7 : given !== 8) return undefined;
  const groups = [...head, ...Array<string>(8 - given).fill('0'), ...tail];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  return value;
}

export interface RawAddress {
  readonly address: IpAddress;
  /** Written in IPv6 notation (decides the prefix range of a CIDR). */
  readonly writtenAsV6: boolean;
}

export function parseAddress(text: string): RawAddress | undefined {
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    return v4 === undefined ? undefined : { address: { family: 4, value: v4 }, writtenAsV6: false };
  }
  const v6 = parseIpv6(text);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) {
    return { address: { family: 4, value: Number(v6 & 0xffffffffn) }, writtenAsV6: true };
  }
  return { address: { family: 6, value: v6 }, writtenAsV6: true };
}

/**
 * Parses an IPv4 or IPv6 address. Returns undefined for anything else, including the hostnames
 * and `AWS Internal` that CloudTrail records as `sourceIPAddress` for calls made by services.
 */
export function parseIp(text: string): IpAddress | undefined {
  if (typeof text !== 'string' || text.length > 45) return undefined;
  return parseAddress(text)?.address;
}

function v4Mask(prefix: number): number {
  // `<< 32` is a no-op in JavaScript, so /0 needs its own case.
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function v6Mask(prefix: number): bigint {
  return ALL_V6 ^ ((1n << BigInt(128 - prefix)) - 1n);
}

function formatV4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** A CIDR, or the reason it is not one. Host bits must be zero: `10.0.0.7/24` is likely a typo. */
export function parseCidrOrReason(text: string): Cidr | string {
  if (text.length > 49) return 'is not a CIDR (too long)';
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  const raw = parseAddress(addressText);
  if (!raw) return 'is not a CIDR (the address is neither IPv4 nor IPv6)';
  const limit = raw.writtenAsV6 ? 128 : 32;
  if (prefixText !== undefined && !PREFIX.test(prefixText))
    return 'is not a CIDR (the prefix is not a number)';
  let prefix = prefixText === undefined ? limit : Number(prefixText);
  if (prefix > limit) return `is not a CIDR (prefix /${prefix} is out of range 0-${limit})`;
  const { address } = raw;
  if (address.family === 4 && raw.writtenAsV6) {
    if (prefix >= 96) {
      prefix -= 96; // `::ffff:198.51.100.0/120` is the IPv4 network 198.51.100.0/24
    } else {
      const value = MAPPED_PREFIX | BigInt(address.value);
      const mask = v6Mask(prefix);
      if ((value & mask) !== value) return 'has host bits set; write the network address';
      return { family: 6, network: value, mask, prefix };
    }
  }
  if (address.family === 4) {
    const mask = v4Mask(prefix);
    const network = (address.value & mask) >>> 0;
    if (network !== address.value) {
      return `has host bits set; write ${formatV4(network)}/${prefix} for the network, or /32 for one address`;
    }
    return { family: 4, network, mask, prefix };
  }
  const mask = v6Mask(prefix);
  if ((address.value & mask) !== address.value) return 'has host bits set; write the network address';
  return { family: 6, network: address.value, mask, prefix };
}

/** Parses `198.51.100.0/24`, `2001:db8::/32`, or a bare address (a /32 or /128). Undefined if malformed. */
export function parseCidr(text: string): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const result = parseCidrOrReason(text);
  return typeof result === 'string' ? undefined : result;
}

export function addressInCidr(address: IpAddress, cidr: Cidr): boolean {
  // Families never cross: `::/0` means every IPv6 address, not every address.
  if (address.family === 4 && cidr.family === 4) return (address.value & cidr.mask) >>> 0 === cidr.network;
  if (address.family === 6 && cidr.family === 6) return (address.value & cidr.mask) === cidr.network;
  return false;
}

/** True when `ip` is an address inside `cidr`; false for hostnames, `AWS Internal` and junk. */
export function ipInCidr(ip: string, cidr: Cidr): boolean {
  const address = parseIp(ip);
  return address !== undefined && addressInCidr(address, cidr);
}

/**
 * The network an address belongs to, as first-seen profiles record it: `a.b.c.0/24` for IPv4, the
 * first three groups `/48` for IPv6 (an IPv4-mapped address written as IPv6 too); '' for anything
 * else (an AWS service name, `AWS Internal`, hostile text).
 */
export function networkOf(address: string): string {
  if (typeof address !== 'string' || address.length > 45) return '';
  const raw = parseAddress(address);
  if (raw === undefined) return '';
  if (!raw.writtenAsV6 && raw.address.family === 4) {
    return `${formatV4((raw.address.value & 0xffffff00) >>> 0)}/24`;
  }
  const value = raw.address.family === 6 ? raw.address.value : MAPPED_PREFIX | BigInt(raw.address.value);
  const groups = [112n, 96n, 80n].map((shift) => ((value >> shift) & 0xffffn).toString(16));
  return `${groups.join(':')}::/48`;
}

/** Ranges no internet caller comes from: private, shared (carrier NAT), loopback, link-local, unique-local. */
const NON_PUBLIC: readonly Cidr[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
].map((text) => parseCidr(text)!);

/**
 * The network (`networkOf`) of a public address; '' for a private one (a call through a VPC
 * endpoint shows the instance's private address), a service name (`AWS Internal`,
 * `ec2.amazonaws.com`) or anything that is not an address.
 */
export function publicNetworkOf(address: string): string {
  const ip = parseIp(address);
  if (ip === undefined || NON_PUBLIC.some((cidr) => addressInCidr(ip, cidr))) return '';
  return networkOf(address);
}
