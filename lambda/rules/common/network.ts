// Network openings, as security group rules and network ACL entries write them: who (a CIDR), which
// protocol, which ports. Shared so that a group and an ACL opening the same port are judged alike.
import { str } from '../../core/event';
import { toInt } from './json';

/** `0.0.0.0/0` or `::/0` exactly: the whole IPv4 or IPv6 internet, as an API writes it. */
export function isWorldCidr(value: unknown): boolean {
  const cidr = str(value).trim();
  return cidr === '0.0.0.0/0' || cidr === '::/0';
}

/** A CIDR with a /0 prefix covers every address, whatever its base address says. */
export function coversEveryAddress(cidr: string): boolean {
  return /\/0$/.test(cidr.trim());
}

/** An inbound opening: the IP protocol as EC2 records it, lower-cased, and its port range. */
export interface Opening {
  /** `-1` or `all` (all traffic), `6` or `tcp`, `17` or `udp`, another number, or a name. */
  readonly protocol: string;
  readonly ports: readonly [number, number];
}

/**
 * An opening from a request's protocol and port fields (strings or numbers); a TCP or UDP opening
 * whose ports cannot be read, or are -1, covers every port.
 */
export function openingOf(protocol: unknown, from: unknown, to: unknown): Opening {
  return { protocol: str(protocol).trim().toLowerCase(), ports: portRange(toInt(from), toInt(to)) };
}

/** A port range from its ends, in either order; every port when an end is missing or negative. */
function portRange(from: number | undefined, to: number | undefined): [number, number] {
  if (from === undefined || to === undefined || from < 0 || to < 0) return [0, 65535];
  return [Math.min(from, to), Math.max(from, to)];
}

export function isAllTraffic(opening: Opening): boolean {
  return opening.protocol === '-1' || opening.protocol === 'all';
}

/** TCP or UDP: the protocols whose openings have ports. */
export function hasPorts(opening: Opening): boolean {
  return ['6', '17', 'tcp', 'udp'].includes(opening.protocol);
}

/**
 * Remote administration, databases, caches and container daemons: ports never meant for the whole
 * internet (SSH, RDP, Telnet, FTP, SMB/NetBIOS, WinRM, VNC, MySQL, PostgreSQL, SQL Server, Oracle,
 * Redis, MongoDB, Elasticsearch, Memcached, Docker).
 */
const ADMIN_PORTS: readonly number[] = [
  21, 22, 23, 135, 139, 445, 1433, 1521, 2375, 2376, 3306, 3389, 5432, 5900, 5985, 5986, 6379, 9200, 9300,
  11211, 27017,
];

/** The first administration or database port a TCP or UDP opening exposes, or undefined. */
export function adminPortOf(opening: Opening): number | undefined {
  if (!hasPorts(opening)) return undefined;
  const [low, high] = opening.ports;
  return ADMIN_PORTS.find((port) => port >= low && port <= high);
}

/** All traffic, or a TCP/UDP range that includes an administration or database port. */
export function isDangerous(opening: Opening): boolean {
  return isAllTraffic(opening) || adminPortOf(opening) !== undefined;
}
