// Suppression: reviewable data that silences findings the team has decided are expected.
// PURE: the caller passes the clock (`nowMs`); nothing here reads files, env or time.
import { sanitize } from './sanitize';
import { type Finding, isSeverity, SEVERITIES, type Severity, severityRank } from './types';

/** Every problem of a suppression list, reported together so one edit fixes them all. */
export class SuppressionError extends Error {
  override readonly name = 'SuppressionError';
  constructor(readonly problems: readonly string[]) {
    const shown = problems.slice(0, 50).map((p) => `  - ${p}`);
    if (problems.length > 50) shown.push(`  - ... and ${problems.length - 50} more`);
    super(`Invalid suppression list:\n${shown.join('\n')}`);
  }
}

/** Which entry silenced a finding; the caller records it beside the finding. */
export interface SuppressionMatch {
  readonly id: string;
  readonly reason: string;
}

/** What the caller may log or report about an entry (e.g. "expires in 9 days"). */
export interface SuppressionSummary {
  readonly id: string;
  readonly reason: string;
  readonly maxSeverity: Severity;
  /** First millisecond at which the entry no longer applies; undefined when it never expires. */
  readonly expiresMs: number | undefined;
}

export interface SuppressionList {
  readonly entries: readonly SuppressionSummary[];
  /** The first entry, in file order, that applies to the finding at `nowMs`; undefined if none. */
  match(finding: Finding, nowMs: number): SuppressionMatch | undefined;
}

export interface ParseOptions {
  /** When given, a `ruleIds` pattern that matches none of these ids is an error (a typo suppresses nothing). */
  readonly knownRuleIds?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// IP addresses and CIDRs

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

interface RawAddress {
  readonly address: IpAddress;
  /** Written in IPv6 notation (decides the prefix range of a CIDR). */
  readonly writtenAsV6: boolean;
}

function parseAddress(text: string): RawAddress | undefined {
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
function parseCidrOrReason(text: string): Cidr | string {
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

function addressInCidr(address: IpAddress, cidr: Cidr): boolean {
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

// ---------------------------------------------------------------------------------------------
// Globs: `*` is the only wildcard and matches any run of characters (also none, also `/` and `:`).
// Matched by hand, never through RegExp, so a pattern cannot inject regex syntax or backtrack.

type Matcher = (value: string) => boolean;

function compileGlob(pattern: string): Matcher {
  const parts = pattern.split('*');
  if (parts.length === 1) return (value) => value === pattern;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1).filter((p) => p.length > 0);
  const minLength = first.length + last.length + middle.reduce((n, p) => n + p.length, 0);
  return (value) => {
    if (value.length < minLength || !value.startsWith(first) || !value.endsWith(last)) return false;
    // Leftmost-first is exact for `*`-only globs: an earlier hit never blocks a later part.
    const end = value.length - last.length;
    let at = first.length;
    for (const part of middle) {
      const found = value.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

function anyOf(patterns: readonly string[]): Matcher {
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const globs = patterns.filter((p) => p.includes('*')).map(compileGlob);
  return (value) => exact.has(value) || globs.some((glob) => glob(value));
}

// ---------------------------------------------------------------------------------------------
// The file format

const TOP_KEYS = new Set(['version', 'suppressions']);
/** The fields that select findings; an entry needs at least one. */
const CRITERIA = [
  'ruleIds',
  'eventNames',
  'principalArn',
  'accounts',
  'sourceIpCidr',
  'userAgentContains',
  'invokedBy',
] as const;
const ENTRY_KEYS = new Set<string>(['id', 'reason', ...CRITERIA, 'maxSeverity', 'expires']);

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ACCOUNT = /^\d{12}$/;
const MAX_REASON = 500;
const MAX_PATTERN = 2048;
const MAX_SUBSTRING = 256;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Characters each kind of glob may contain; anything else (`?`, `[`, `(`, `\`, spaces...) is refused. */
const GLOB_SETS = {
  ruleIds: { chars: /^[a-z0-9.*-]+$/, describe: 'a-z 0-9 . - *' },
  eventNames: { chars: /^[A-Za-z0-9_*]+$/, describe: 'A-Z a-z 0-9 _ *' },
  principalArn: {
    chars: /^arn:[A-Za-z0-9:/_+=,.@*-]+$/,
    describe: '"arn:" then A-Z a-z 0-9 : / _ + = , . @ - *',
  },
  invokedBy: {
    chars: /^[A-Za-z0-9.*-]+(?: [A-Za-z0-9.*-]+)*$/,
    describe: 'A-Z a-z 0-9 . - * and single inner spaces',
  },
} as const;
type GlobField = keyof typeof GLOB_SETS;

interface CompiledEntry {
  readonly summary: SuppressionSummary;
  readonly result: SuppressionMatch;
  readonly maxRank: number;
  readonly expiresMs: number;
  readonly rule: Matcher | undefined;
  readonly eventName: Matcher | undefined;
  readonly principal: Matcher | undefined;
  readonly accounts: ReadonlySet<string> | undefined;
  readonly cidrs: readonly Cidr[] | undefined;
  readonly userAgent: readonly string[] | undefined;
  readonly invokedBy: Matcher | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function quote(value: unknown): string {
  // sanitize stringifies non-strings without calling their (possibly hostile) toString.
  return JSON.stringify(sanitize(value, 80));
}

/**
 * `YYYY-MM-DD` (the entry applies through that whole UTC day) or `YYYY-MM-DDTHH:MM[:SS[.fff]]` with
 * `Z` or `±HH:MM`. A time without a zone is refused: its meaning would depend on the machine.
 * Returns the first millisecond at which the entry no longer applies.
 */
function parseExpiry(text: string): number | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2}))?$/.exec(
      text,
    );
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) {
    return undefined;
  }
  if (m[4] === undefined) return Date.UTC(year, month - 1, day + 1);
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  const millis = Number((m[7] ?? '0').padEnd(3, '0'));
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8] ?? 'Z';
  if (zone !== 'Z') {
    const [oh, om] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

/** Reads one entry; pushes its problems and returns undefined if there are any. */
function parseEntry(
  entry: unknown,
  index: number,
  nowMs: number,
  options: ParseOptions,
  problems: string[],
): CompiledEntry | undefined {
  const where = `suppressions[${index}]`;
  if (!isRecord(entry)) {
    problems.push(`${where}: must be an object`);
    return undefined;
  }
  const has = (key: string): boolean => Object.hasOwn(entry, key);
  const field = (key: string): unknown => (has(key) ? entry[key] : undefined);
  const label = typeof field('id') === 'string' ? `${where} (id ${quote(field('id'))})` : where;
  const before = problems.length;
  const problem = (text: string): void => {
    problems.push(`${label}: ${text}`);
  };

  for (const key of Object.keys(entry)) {
    if (!ENTRY_KEYS.has(key)) problem(`unknown key ${quote(key)} (allowed: ${[...ENTRY_KEYS].join(', ')})`);
  }

  const id = field('id');
  if (id === undefined) problem('id is missing');
  else if (typeof id !== 'string' || !ID.test(id)) {
    problem(`id ${quote(id)} must be 1-63 characters of a-z, 0-9 and -, starting with a letter or digit`);
  }

  const reason = field('reason');
  if (reason === undefined) problem('reason is missing: say why these findings are expected');
  else if (typeof reason !== 'string' || reason.trim() === '') problem('reason must be a non-empty string');
  else if (Array.from(reason).length > MAX_REASON) problem(`reason is longer than ${MAX_REASON} characters`);

  /** A non-empty array of strings, each checked by `check`; undefined when the key is absent or bad. */
  const list = (key: string, check: (item: string) => string | undefined): string[] | undefined => {
    if (!has(key)) return undefined;
    const value = entry[key];
    if (!Array.isArray(value) || value.length === 0) {
      problem(`${key} must be a non-empty array of strings`);
      return undefined;
    }
    const items: string[] = [];
    value.forEach((item: unknown, i) => {
      if (typeof item !== 'string') {
        problem(`${key}[${i}] must be a string`);
        return;
      }
      const wrong = check(item);
      if (wrong) problem(`${key} ${quote(item)} ${wrong}`);
      else items.push(item);
    });
    return items.length === value.length ? items : undefined;
  };
  const globList = (key: GlobField): string[] | undefined =>
    list(key, (pattern) => {
      if (pattern.length === 0) return 'is an empty pattern';
      if (pattern.length > MAX_PATTERN) return `is longer than ${MAX_PATTERN} characters`;
      if (/^\*+$/.test(pattern)) return 'matches everything; leave the field out instead';
      const set = GLOB_SETS[key];
      if (!set.chars.test(pattern)) return `is not a valid glob (allowed: ${set.describe})`;
      return undefined;
    });

  const ruleIds = globList('ruleIds');
  if (ruleIds && options.knownRuleIds) {
    for (const pattern of ruleIds) {
      const glob = compileGlob(pattern);
      if (!options.knownRuleIds.some(glob)) problem(`ruleIds ${quote(pattern)} matches no known rule`);
    }
  }
  const eventNames = globList('eventNames');
  const principalArn = globList('principalArn');
  const invokedBy = globList('invokedBy');
  const accounts = list('accounts', (a) => (ACCOUNT.test(a) ? undefined : 'is not a 12-digit account id'));
  const cidrs: Cidr[] = [];
  const cidrTexts = list('sourceIpCidr', (text) => {
    const parsed = parseCidrOrReason(text);
    if (typeof parsed === 'string') return parsed;
    cidrs.push(parsed);
    return undefined;
  });
  const userAgent = list('userAgentContains', (text) => {
    if (text.trim() === '') return 'is empty';
    if (text.length > MAX_SUBSTRING) return `is longer than ${MAX_SUBSTRING} characters`;
    if (CONTROL.test(text)) return 'contains control characters';
    return undefined;
  });

  // The user agent is whatever the caller says it is: alone it would let anyone opt out of detection.
  if (has('userAgentContains') && !has('principalArn') && !has('accounts') && !has('sourceIpCidr')) {
    problem(
      'userAgentContains needs principalArn, accounts or sourceIpCidr beside it: the user agent is ' +
        'chosen by the caller, so on its own it would let an attacker silence alerts',
    );
  }
  if (!CRITERIA.some(has)) {
    problem(`has no criteria (${CRITERIA.join(', ')}); it would suppress every finding`);
  }

  let maxSeverity: Severity = 'high';
  if (has('maxSeverity')) {
    const value = entry.maxSeverity;
    if (isSeverity(value)) maxSeverity = value;
    else problem(`maxSeverity ${quote(value)} is not one of ${SEVERITIES.join(', ')}`);
  }

  let expiresMs: number | undefined;
  if (has('expires')) {
    const value = entry.expires;
    const parsed = typeof value === 'string' ? parseExpiry(value) : undefined;
    if (parsed === undefined) {
      problem(`expires ${quote(value)} is not a date (YYYY-MM-DD) or date-time with a zone (…T12:00:00Z)`);
    } else if (parsed <= nowMs) {
      problem(
        `expired at ${new Date(parsed).toISOString()} (expires ${quote(value)}): ` +
          'remove the entry, or review it and set a new expiry',
      );
    } else {
      expiresMs = parsed;
    }
  }

  if (problems.length > before || typeof id !== 'string' || typeof reason !== 'string') return undefined;
  const cleanReason = sanitize(reason, MAX_REASON);
  return {
    summary: Object.freeze({ id, reason: cleanReason, maxSeverity, expiresMs }),
    result: Object.freeze({ id, reason: cleanReason }),
    maxRank: severityRank(maxSeverity),
    expiresMs: expiresMs ?? Number.POSITIVE_INFINITY,
    rule: ruleIds && anyOf(ruleIds),
    eventName: eventNames && anyOf(eventNames),
    principal: principalArn && anyOf(principalArn),
    accounts: accounts && new Set(accounts),
    cidrs: cidrTexts && cidrs,
    userAgent: userAgent?.map((s) => s.toLowerCase()),
    invokedBy: invokedBy && anyOf(invokedBy),
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Critical for a severity the list does not know: only an explicit `critical` entry may hide it. */
function rankOf(severity: unknown): number {
  return isSeverity(severity) ? severityRank(severity) : severityRank('critical');
}

function buildList(entries: readonly CompiledEntry[]): SuppressionList {
  const match = (finding: Finding, nowMs: number): SuppressionMatch | undefined => {
    if (entries.length === 0 || !isRecord(finding)) return undefined;
    const event: Record<string, unknown> = isRecord(finding.event) ? finding.event : {};
    const actor: Record<string, unknown> = isRecord(event.actor) ? event.actor : {};
    const rank = rankOf(finding.severity);
    const ruleId = text(finding.ruleId);
    // Parsed lazily, once per finding, and only if some entry gets that far.
    let address: IpAddress | null | undefined;
    let agent: string | undefined;
    for (const e of entries) {
      // `!(a < b)` so that a NaN clock counts as expired: unsure means alert.
      if (!(nowMs < e.expiresMs) || rank > e.maxRank) continue;
      if (e.rule && !e.rule(ruleId)) continue;
      if (e.eventName && !e.eventName(text(event.eventName))) continue;
      if (e.accounts && !e.accounts.has(text(event.recipientAccountId))) continue;
      if (e.principal) {
        const arn = text(actor.arn);
        const issuer = text(actor.sessionIssuerArn);
        if (!((arn && e.principal(arn)) || (issuer && e.principal(issuer)))) continue;
      }
      if (e.invokedBy && !e.invokedBy(text(actor.invokedBy))) continue;
      if (e.cidrs) {
        if (address === undefined) address = parseIp(text(event.sourceIPAddress)) ?? null;
        const ip = address;
        if (ip === null || !e.cidrs.some((cidr) => addressInCidr(ip, cidr))) continue;
      }
      if (e.userAgent) {
        agent ??= text(event.userAgent).toLowerCase();
        const ua = agent;
        if (!e.userAgent.some((part) => ua.includes(part))) continue;
      }
      return e.result;
    }
    return undefined;
  };
  return Object.freeze({ entries: Object.freeze(entries.map((e) => e.summary)), match });
}

/**
 * Validates a suppression list (already-parsed JSON, or JSON text) and compiles it for matching.
 * Throws one SuppressionError listing every problem, each naming its entry.
 */
export function parseSuppressions(
  input: unknown,
  nowMs: number,
  options: ParseOptions = {},
): SuppressionList {
  if (!Number.isFinite(nowMs)) throw new RangeError('parseSuppressions: nowMs must be a finite number');
  let document = input;
  if (typeof input === 'string') {
    try {
      document = JSON.parse(input);
    } catch (error) {
      throw new SuppressionError([`not valid JSON (${sanitize((error as Error).message, 120)})`]);
    }
  }
  if (!isRecord(document)) throw new SuppressionError(['top level: must be a JSON object']);
  const problems: string[] = [];
  for (const key of Object.keys(document)) {
    if (!TOP_KEYS.has(key))
      problems.push(`top level: unknown key ${quote(key)} (allowed: version, suppressions)`);
  }
  const version = Object.hasOwn(document, 'version') ? document.version : undefined;
  if (version === undefined) problems.push('top level: version is missing (write "version": 1)');
  else if (version !== 1) problems.push(`top level: version ${quote(version)} is not supported (only 1)`);
  const raw = Object.hasOwn(document, 'suppressions') ? document.suppressions : undefined;
  const compiled: CompiledEntry[] = [];
  if (!Array.isArray(raw)) {
    problems.push('top level: suppressions must be an array (it may be empty)');
  } else {
    const seen = new Map<string, number>();
    raw.forEach((entry: unknown, index) => {
      const result = parseEntry(entry, index, nowMs, options, problems);
      const id = isRecord(entry) && Object.hasOwn(entry, 'id') ? entry.id : undefined;
      if (typeof id === 'string') {
        const first = seen.get(id);
        if (first !== undefined) {
          problems.push(
            `suppressions[${index}] (id ${quote(id)}): id is already used by suppressions[${first}]`,
          );
        } else {
          seen.set(id, index);
        }
      }
      if (result) compiled.push(result);
    });
  }
  if (problems.length > 0) throw new SuppressionError(problems);
  return buildList(compiled);
}

const EMPTY: SuppressionList = buildList([]);

/** A list that suppresses nothing: the default when no file is configured. */
export function emptySuppressions(): SuppressionList {
  return EMPTY;
}
