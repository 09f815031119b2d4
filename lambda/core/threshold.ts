// Threshold detections: "N matching events for the same subject within a window".
//
// Pure: given an event, which counters it goes into (`ThresholdEngine.candidates`); given a
// counter's state after counting, whether this event is the one that crossed the threshold
// (`ThresholdEngine.verdict`). The counting itself is the StateStore's `countOnce`, idempotent per
// event id, so the overlapping re-reads of a window never count an event twice.
//
// Windows are fixed buckets aligned to `windowMs` (bucket = floor(eventTime / windowMs)). That is
// the simplest choice that stays correct under re-reads and out-of-order pages; the price is that
// a burst straddling a bucket boundary is split in two and may stay under the threshold in both.

import type { RuleFailure } from './engine';
import type { CounterRef, CountResult } from './ports';
import { metadataProblems, type RuleMetadata } from './rule';
import { sanitize } from './sanitize';
import type { Finding, Severity, TrailEvent } from './types';
import { containsAny, type WatchedTexts, Watchlist } from './watch';

/** Indexed by `eventNames` (may be empty) and by `errorCodes`: events failing with these codes, whatever their name. */
export interface ThresholdRuleDefinition extends RuleMetadata {
  readonly errorCodes?: readonly string[];
  readonly severity: Severity;
  /** Count at which the rule fires, once per subject and bucket. */
  readonly threshold: number;
  readonly windowMs: number;
  /** What is counted, in words, for the alert: "failed console sign-ins". */
  readonly counting: string;
  /** What the key is, in words: "from source IP". */
  readonly keyLabel: string;
  /** True when the event counts. Must not throw on odd input; caught and reported if it does. */
  readonly matches: (event: TrailEvent) => boolean;
  /** The subject the event counts for (a source IP, a user name, a principal ARN); '' = not counted. */
  readonly key: (event: TrailEvent) => string;
  /**
   * For rules that count distinct things rather than events (secrets read, not reads): the value
   * the event counts as, or the values of a batch call (a GetParameters of 10 names is 10 reads).
   * The same value counts once, whichever event brings it. Absent, '' or none = the event itself.
   */
  readonly distinct?: (event: TrailEvent) => string | readonly string[];
  /**
   * Texts the raw record must contain (any of them) for the rule to count it, as for event rules:
   * the events of its names that lack them stay unparsed when no other rule needs them.
   */
  readonly prefilter?: readonly string[];
}

export type ThresholdRule = Readonly<ThresholdRuleDefinition>;

/** Subjects are attacker-controlled text: bounded so a counter key stays far below DynamoDB's 2 KB. */
const MAX_KEY_CHARS = 512;

/**
 * Values one event may count as. AWS's batch reads take at most 20 names (BatchGetSecretValue) or
 * 10 (GetParameters); a record claiming more is bounded so that it cannot flood the counter writes.
 */
export const MAX_MEMBERS_PER_EVENT = 50;

/** The counted values of an event: sanitised, bounded, distinct; the event id when there are none. */
function membersOf(rule: ThresholdRule, event: TrailEvent): string[] {
  if (rule.distinct === undefined) return [event.eventId];
  const raw = rule.distinct(event);
  const values = typeof raw === 'string' ? [raw] : raw;
  const members = new Set<string>();
  for (const value of values) {
    const clean = typeof value === 'string' ? sanitize(value, MAX_KEY_CHARS) : '';
    if (clean !== '') members.add(`=${clean}`);
    if (members.size >= MAX_MEMBERS_PER_EVENT) break;
  }
  return members.size > 0 ? [...members] : [event.eventId];
}

export function defineThresholdRule(definition: ThresholdRuleDefinition): ThresholdRule {
  const problems = metadataProblems(definition);
  if (definition.eventNames.length === 0 && (definition.errorCodes ?? []).length === 0) {
    problems.push('neither eventNames nor errorCodes given');
  }
  if (!Number.isInteger(definition.threshold) || definition.threshold < 2) {
    problems.push('threshold must be an integer of at least 2');
  }
  if ((definition.prefilter ?? []).some((text) => text.length < 3)) {
    problems.push('every prefilter text must be at least 3 characters');
  }
  if (!Number.isInteger(definition.windowMs) || definition.windowMs < 60_000) {
    problems.push('windowMs must be whole milliseconds, at least one minute');
  }
  if (problems.length > 0) throw new Error(`threshold rule ${definition.id}: ${problems.join('; ')}`);
  return Object.freeze({ ...definition });
}

/** An event to count: the rule it matched and the counter it goes into. */
export interface ThresholdHit {
  readonly rule: ThresholdRule;
  readonly event: TrailEvent;
  /** The subject, sanitised and bounded. */
  readonly subject: string;
  readonly counter: CounterRef;
  /** What is counted: the event id, or the rule's distinct value (sanitised and bounded). */
  readonly member: string;
}

export interface ThresholdCandidates {
  readonly hits: ThresholdHit[];
  readonly failures: RuleFailure[];
}

const NONE: ThresholdCandidates = Object.freeze({ hits: [], failures: [] }) as ThresholdCandidates;

/** The start of the fixed bucket holding `timeMs`. */
export function bucketStart(timeMs: number, windowMs: number): number {
  return Math.floor(timeMs / windowMs) * windowMs;
}

export class ThresholdEngine {
  private readonly byEventName = new Map<string, ThresholdRule[]>();
  private readonly byErrorCode = new Map<string, ThresholdRule[]>();
  private readonly watchlist: Watchlist;

  constructor(readonly rules: readonly ThresholdRule[]) {
    for (const rule of rules) {
      for (const name of rule.eventNames) push(this.byEventName, name, rule);
      for (const code of rule.errorCodes ?? []) push(this.byErrorCode, code, rule);
    }
    this.watchlist = new Watchlist([this.watched]);
  }

  /**
   * Whether an event of this name and raw body could count: its name is listed, or it carries an
   * `errorCode` and some rule counts error codes. False lets the event be left unparsed.
   */
  watches(eventName: string | undefined, body: unknown): boolean {
    return this.watchlist.watches(eventName, body);
  }

  /**
   * Every listed name: any body, or only bodies with one of the pre-filter texts when every rule of
   * that name has them; any body with an `errorCode` if a rule counts codes.
   */
  get watched(): WatchedTexts {
    const test = (rules: readonly ThresholdRule[]) =>
      rules.every((rule) => rule.prefilter !== undefined)
        ? containsAny(rules.flatMap((rule) => rule.prefilter ?? []))
        : undefined;
    return {
      names: new Map([...this.byEventName].map(([name, rules]) => [name, test(rules)])),
      anyName: this.byErrorCode.size > 0 ? ['"errorCode"'] : [],
    };
  }

  /** The counters this event goes into. Most events meet no rule and cost two map lookups. */
  candidates(event: TrailEvent): ThresholdCandidates {
    const byName = this.byEventName.get(event.eventName);
    const byCode = event.errorCode === '' ? undefined : this.byErrorCode.get(event.errorCode);
    if (byName === undefined && byCode === undefined) return NONE;
    const rules = byName && byCode ? [...new Set([...byName, ...byCode])] : (byName ?? byCode ?? []);
    if (!Number.isFinite(event.eventTimeMs) || event.eventId === '') return NONE;
    const hits: ThresholdHit[] = [];
    const failures: RuleFailure[] = [];
    for (const rule of rules) {
      if (rule.eventSources !== undefined && !rule.eventSources.includes(event.eventSource)) continue;
      try {
        if (!rule.matches(event)) continue;
        const subject = sanitize(rule.key(event), MAX_KEY_CHARS);
        if (subject === '') continue;
        const start = bucketStart(event.eventTimeMs, rule.windowMs);
        const counter = {
          // Per account: the same principal acting in two accounts (a role trusted across an
          // organization) is counted in each, as each account's detector would.
          key: `${rule.id}|${sanitize(event.recipientAccountId, 32)}|${subject}`,
          bucketStartMs: start,
          bucketEndMs: start + rule.windowMs,
          limit: rule.threshold,
        };
        for (const member of membersOf(rule, event)) hits.push({ rule, event, subject, member, counter });
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        failures.push({ ruleId: rule.id, eventId: event.eventId, message: sanitize(message, 300) });
      }
    }
    return { hits, failures };
  }

  /**
   * A finding when this event is the one whose counting reached the threshold: exactly one event
   * per subject and bucket, and the same one on every re-read (its alert is then already recorded).
   * Each of a batch event's hits may say so; the caller keeps one finding per event and counter.
   */
  verdict(hit: ThresholdHit, result: CountResult): Finding | undefined {
    const { rule, event, counter } = hit;
    if (result.count < rule.threshold || result.crossedBy !== event.eventId) return undefined;
    const minutes = Math.round(rule.windowMs / 60_000);
    const from = new Date(counter.bucketStartMs).toISOString();
    return {
      ruleId: rule.id,
      title: rule.title,
      severity: rule.severity,
      mitre: rule.mitre,
      summary:
        `${result.count} ${rule.counting} ${rule.keyLabel} ${sanitize(hit.subject, 200)} ` +
        `within ${minutes} minutes (window from ${from}).`,
      runbook: rule.runbook,
      reference: rule.reference,
      dedupKey: `${rule.id}|${hit.subject}|${counter.bucketStartMs}`,
      event,
    };
  }
}

function push(index: Map<string, ThresholdRule[]>, key: string, rule: ThresholdRule): void {
  const list = index.get(key) ?? [];
  if (!list.includes(rule)) list.push(rule);
  index.set(key, list);
}
