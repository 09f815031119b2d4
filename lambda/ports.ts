// The detector's edges. The core talks to these; adapters implement them over AWS SDK clients.
import type { RenderedAlert } from './core/types';

/** One event as `LookupEvents` returns it: envelope fields plus the raw `CloudTrailEvent` body. */
export interface LookupEventRecord {
  readonly eventId?: string | undefined;
  readonly eventName?: string | undefined;
  readonly eventSource?: string | undefined;
  readonly eventTimeMs?: number | undefined;
  /** `ReadOnly` of the envelope, when given: lets a write be recognised without parsing its body. */
  readonly readOnly?: boolean | undefined;
  readonly body?: string | undefined;
}

export interface LookupQuery {
  /** Inclusive bounds, milliseconds since the epoch (CloudTrail works in whole seconds). */
  readonly startMs: number;
  readonly endMs: number;
  readonly nextToken?: string | undefined;
}

export interface LookupPage {
  readonly events: readonly LookupEventRecord[];
  readonly nextToken?: string | undefined;
}

/** CloudTrail Event history. Implementations pace calls (2/s per region) and retry throttling. */
export interface EventSource {
  lookupPage(region: string, query: LookupQuery): Promise<LookupPage>;
}

/** Where a region stands. `processedUntilMs`: every event with eventTime <= it has been scored and alerted. */
export interface RegionCursor {
  readonly region: string;
  readonly processedUntilMs: number;
  /** Optimistic-lock counter; 0 for a cursor never written. */
  readonly version: number;
  /**
   * A slice begun but not finished. Events in (endMs, sliceEndMs] are done; [startMs, endMs]
   * is still to read. When it is, the cursor moves to sliceEndMs.
   */
  readonly inProgress?: SliceProgress | undefined;
}

export interface SliceProgress {
  readonly startMs: number;
  readonly endMs: number;
  readonly sliceEndMs: number;
  /**
   * Only when the slice could not be narrowed (every event read so far shares its newest second):
   * the token to continue with the same bounds, for which it stays valid.
   */
  readonly nextToken?: string | undefined;
}

/** An alert kept until SNS accepts it. `key` is `eventId#ruleId`: one alert per finding, ever. */
export interface StoredAlert {
  readonly key: string;
  readonly region: string;
  readonly eventTimeMs: number;
  readonly alert: RenderedAlert;
}

export type ClaimResult = 'claimed' | 'pending' | 'sent';

/** One fixed-window counter of distinct events (a threshold rule's subject in one bucket). */
export interface CounterRef {
  /** What is counted: `<ruleId>|<subject>`, bounded in length. */
  readonly key: string;
  /** The bucket, aligned to the rule's window: [bucketStartMs, bucketEndMs). */
  readonly bucketStartMs: number;
  readonly bucketEndMs: number;
  /** Counting stops at this count, so the counter holds at most this many event ids. */
  readonly limit: number;
}

export interface CountResult {
  /** Distinct events counted in the bucket, at most the limit. */
  readonly count: number;
  /**
   * Once the count has reached the limit: the id of the event whose counting reached it. It never
   * changes afterwards, so a re-read of that event recognises itself as the crossing one.
   */
  readonly crossedBy?: string | undefined;
}

/** Repeats of one finding: the same dedup key (rule and subject) in one fixed window. */
export interface RepeatGroupRef {
  /** The findings' dedup key, bounded in length. */
  readonly key: string;
  /** The window, aligned to its length: [windowStartMs, windowEndMs). */
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** Members folded at most; past it, repeats are published on their own. */
  readonly limit: number;
}

/** A finding folded into its group, kept there until the group's summary goes out. */
export interface RepeatMember {
  /** The alert's key, `eventId#ruleId`. */
  readonly alertKey: string;
  /** A compact JSON snapshot of the finding: enough to list it in the summary. */
  readonly snapshot: string;
}

export interface RepeatGroup extends RepeatGroupRef {
  /** The alert published for the group's first finding. */
  readonly leadAlertKey: string;
  readonly members: readonly RepeatMember[];
}

/**
 * 'publish': the group's first finding, or one that no longer fits (group full, or summarised and
 * closed): go on with `claimAlert` as usual.
 * 'sent' / 'pending': an earlier read alerted it already (delivered / still in the outbox): what
 * `claimAlert` would answer, so the caller need not ask.
 * 'folded': counted in the group now; it goes out in the group's summary.
 * 'folded-before': an earlier read folded it already (the overlap re-reads events).
 */
export type FoldResult = 'publish' | 'sent' | 'pending' | 'folded' | 'folded-before';

/** One value a principal was seen with, and the event that introduced it. */
export interface ProfileValue {
  readonly eventId: string;
  readonly timeMs: number;
}

/**
 * What a principal has been seen doing (first-seen detections): values keyed
 * `<dimension>|<value>` (`network|203.0.113.0/24`), each with the event that introduced it.
 */
export interface PrincipalProfile {
  readonly key: string;
  /** Event time of the first observation written: the learning period runs from here. */
  readonly firstSeenMs: number;
  /** Wall-clock time of the last write; the profile's expiry runs from here. */
  readonly touchedMs: number;
  readonly values: ReadonlyMap<string, ProfileValue>;
}

/** One principal's successful write calls in one clock hour (write-volume check). */
export interface WriteVolume {
  readonly principal: string;
  readonly bucketStartMs: number;
  /** Frozen when the hour is first counted; 0 = counted for the baseline, not judged. */
  readonly threshold: number;
  /** Events counted: the size of `hashes`. */
  readonly count: number;
  /** Short hashes of the events counted, so a re-read adds nothing. */
  readonly hashes: ReadonlySet<string>;
  /** The event whose batch reached the threshold, once it has. */
  readonly crossedBy?: string | undefined;
}

export interface StateStore {
  /** Takes the run lease if free or expired. False when another run holds it. */
  acquireLease(owner: string, nowMs: number, durationMs: number): Promise<boolean>;
  releaseLease(owner: string): Promise<void>;
  getCursor(region: string): Promise<RegionCursor | undefined>;
  /** Writes the cursor if its version is still `expected.version`; throws CursorConflictError otherwise. */
  saveCursor(next: Omit<RegionCursor, 'version'>, expected: RegionCursor): Promise<RegionCursor>;
  /**
   * Records the alert (idempotency record + outbox entry) unless it exists.
   * 'claimed': new, to be published; 'pending': known, not yet delivered; 'sent': delivered before.
   */
  claimAlert(alert: StoredAlert, nowMs: number): Promise<ClaimResult>;
  /** Marks the alert delivered and removes it from the outbox. */
  markSent(key: string, messageId: string, nowMs: number): Promise<void>;
  /** Alerts recorded but not yet delivered, oldest first. */
  listPending(limit: number): Promise<StoredAlert[]>;
  /**
   * Counts `member` (by default the event id; a distinct value such as a secret's name for rules
   * that count distinct things) in the bucket unless it is already counted there or the count has
   * reached the limit; either way returns the bucket's count. The event that brings the count to
   * the limit is recorded as `crossedBy`. Re-reading an event never counts it twice.
   */
  countOnce(counter: CounterRef, eventId: string, nowMs: number, member?: string): Promise<CountResult>;
  /**
   * Folds a finding into its repeat group, unless it leads the group or cannot join it. Folding
   * writes the finding's idempotency record (status 'folded') with its membership, atomically:
   * re-reading a folded finding finds it folded, never publishes it.
   */
  foldRepeat(group: RepeatGroupRef, member: RepeatMember, nowMs: number): Promise<FoldResult>;
  /** Repeat groups whose window ended at or before `endedByMs`, oldest first. */
  listEndedRepeats(endedByMs: number, limit: number): Promise<RepeatGroup[]>;
  /**
   * Removes the group and, when it has members, records their summary as an alert (idempotency
   * record + outbox entry) in the same transaction. A group already removed is left alone.
   */
  closeRepeatGroup(group: RepeatGroup, summary: StoredAlert | undefined, nowMs: number): Promise<void>;
  /** The principal's profile, or undefined if it has none (never seen, or expired). */
  getProfile(key: string): Promise<PrincipalProfile | undefined>;
  /**
   * Adds the values the profile lacks; a value already there keeps the event that introduced it,
   * so re-reading an event never moves a value to another event. Creates the profile with
   * `firstSeenMs` when it has none. With no values it only renews the profile's expiry.
   * Returns the profile as stored afterwards.
   */
  addToProfile(
    key: string,
    firstSeenMs: number,
    values: ReadonlyMap<string, ProfileValue>,
    nowMs: number,
  ): Promise<PrincipalProfile>;
  getWriteVolume(principal: string, bucketStartMs: number): Promise<WriteVolume | undefined>;
  /**
   * Adds the hashes the hour lacks, up to its cap (`volumeCap(threshold)`), creating the hour with
   * `known.threshold` if it has none; a threshold already stored is kept. Returns the hour as stored.
   */
  addWrites(known: WriteVolume, hashes: readonly string[], nowMs: number): Promise<WriteVolume>;
  /** Records `eventId` as the crossing event unless one is recorded; returns the one recorded. */
  markVolumeCrossed(volume: WriteVolume, eventId: string): Promise<string>;
  /** The counts of the principal's hours starting in [fromMs, toMs) that have any. */
  writeVolumeHistory(principal: string, fromMs: number, toMs: number): Promise<number[]>;
}

export interface AlertSink {
  /** Returns the SNS message id. Throws on failure; the caller keeps the alert for a later run. */
  publish(alert: RenderedAlert): Promise<string>;
}

export interface Clock {
  nowMs(): number;
}

export class CursorConflictError extends Error {
  override readonly name = 'CursorConflictError';
  constructor(readonly region: string) {
    super(`cursor for ${region} was changed by another run`);
  }
}
