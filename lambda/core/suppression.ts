// Suppression: reviewable data that silences findings the team has decided are expected.
// PURE: the caller passes the clock (`nowMs`); nothing here reads files, env or time.
import { anyOf, compileGlob, type Matcher } from './glob';
import { addressInCidr, type Cidr, type IpAddress, parseCidrOrReason, parseIp } from './net';
import { sanitize } from './sanitize';
import { type Finding, isSeverity, SEVERITIES, type Severity, severityRank } from './types';

/** Every problem of a suppression list, reported together so one edit fixes them all. */
export class SuppressionError extends Error {
  override readonly name = 'SuppressionError';
  constructor(
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    const shown = problems.slice(0, 50).map((p) => `  - ${p}`);
    if (problems.length > 50) shown.push(`  - ... and ${problems.length - 50} more`);
    super(`Invalid suppression list:\n${shown.join('\n')}`, options);
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
      throw new SuppressionError([`not valid JSON (${sanitize((error as Error).message, 120)})`], {
        cause: error,
      });
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

export { type Cidr, type IpAddress, ipInCidr, parseCidr, parseIp } from './net';
