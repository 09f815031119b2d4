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
import { type WatchedTexts, Watchlist } from './watch';

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
   * the event counts as. Events with the same value count once. Absent or '' = the event itself.
   */
  readonly distinct?: (event: TrailEvent) => string;
}

export type ThresholdRule = Readonly<ThresholdRuleDefinition>;

/** Subjects are attacker-controlled text: bounded so a counter key stays far below DynamoDB's 2 KB. */
const MAX_KEY_CHARS = 512;

export function defineThresholdRule(definition: ThresholdRuleDefinition): ThresholdRule {
  const problems = metadataProblems(definition);
  if (definition.eventNames.length === 0 && (definition.errorCodes ?? []).length === 0) {
    problems.push('neither eventNames nor errorCodes given');
  }
  if (!Number.isInteger(definition.threshold) || definition.threshold < 2) {
    problems.push('threshold must be an integer of at least 2');
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

  /** Every listed name, whatever its body; any body with an `errorCode` if a rule counts codes. */
  get watched(): WatchedTexts {
    return {
      names: new Map([...this.byEventName.keys()].map((name) => [name, undefined])),
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
        const distinct = rule.distinct ? sanitize(rule.distinct(event), MAX_KEY_CHARS) : '';
        hits.push({
          rule,
          event,
          subject,
          member: distinct === '' ? event.eventId : `=${distinct}`,
          counter: {
            key: `${rule.id}|${subject}`,
            bucketStartMs: start,
            bucketEndMs: start + rule.windowMs,
            limit: rule.threshold,
          },
        });
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
