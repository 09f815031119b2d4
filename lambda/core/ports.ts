// The detector's edges. The core talks to these; adapters implement them over AWS SDK clients.
import type { MemberPair, PairRecord } from './organization';
import type { ForwardStore } from './output-ports';
import type { RenderedAlert, Severity } from './types';

// The outputs' ports (EventBridge, Security Hub, chat) are in output-ports.ts; one front door here.
export * from './output-ports';

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
  /** The re-reads behind the cursor (`rereads.ts`); absent on a cursor written before them. */
  readonly rereads?: RereadState | undefined;
}

/** A trailing cursor: every event with eventTime <= untilMs has been read at least `ageMs` after its time. */
export interface SweepCursor {
  readonly ageMs: number;
  readonly untilMs: number;
  readonly inProgress?: SliceProgress | undefined;
}

/** How much of the recent past the main read covers again, and how long it lets the newest time settle. */
export interface RereadPlan {
  readonly recentMs: number;
  readonly settleMs: number;
}

export interface RereadState {
  readonly sweeps: readonly SweepCursor[];
  /** This run's plan, chosen by the previous run: a retried or concurrent run reads the same. */
  readonly plan: RereadPlan;
  /** The region's measured events per minute of event time. */
  readonly eventsPerMinute?: number;
  /** Events read per minute of event time (key: minutes since the epoch), within the overlap: what is new at the next read. */
  readonly counts?: Readonly<Record<string, number>>;
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

/** An outbox entry as read back: the alert, its claim and how often SNS refused it for good. */
export interface PendingAlert {
  readonly key: string;
  readonly region: string;
  readonly eventTimeMs: number;
  /** Undefined when the entry could not be read back (`unreadable` says why): it is set aside. */
  readonly alert: RenderedAlert | undefined;
  readonly unreadable?: string | undefined;
  /** The run that claimed it last, and when (that run's clock). */
  readonly claimant: string;
  readonly claimedAtMs: number;
  /** Permanent refusals by SNS so far. */
  readonly refusals: number;
}

/**
 * A run's claim on an alert: while it is fresh, only the claimant publishes the alert. A claim is
 * a lease of its own, so two runs that both believe they hold the run lease still publish once.
 */
export interface Claim {
  readonly runId: string;
  readonly nowMs: number;
  /** Another run's claim made before this time has lapsed and may be taken over. */
  readonly lapsedBeforeMs: number;
}

/**
 * 'claimed': new, recorded with this run as claimant: publish it.
 * 'resumed': recorded before, not delivered, and now claimed by this run (the earlier claim was
 * this run's, or has lapsed): publish it.
 * 'held': not delivered, under another run's fresh claim: that run publishes it, or a later run
 * once the claim has lapsed. 'sent': delivered. 'folded': goes out in a repeat summary.
 * 'set-aside': refused for good by SNS; kept in the table and retried hourly.
 */
export type ClaimResult = 'claimed' | 'resumed' | 'held' | 'sent' | 'folded' | 'set-aside';

/** The run lease a run asks for (and renews, by asking again). */
export interface LeaseRequest {
  readonly owner: string;
  readonly nowMs: number;
  /** The lease lapses this long after the request unless renewed. */
  readonly durationMs: number;
  /** When the owner will have stopped: its deadline. */
  readonly expectedEndMs: number;
}

/** The holder of the run lease, as a run that could not take it finds it. */
export interface LeaseHolder {
  readonly owner: string;
  readonly untilMs: number;
  readonly expectedEndMs: number;
}

export type LeaseResult =
  | { readonly acquired: true }
  | { readonly acquired: false; readonly holder: LeaseHolder | undefined };

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

/** Repeats of one finding: the same rule, subject (dedup key) and actor in one fixed window. */
export interface RepeatGroupRef {
  /** Rule, dedup key and actor, bounded in length (see `repeatGroupOf`). */
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
  /** A member joins only a group whose leader is at least this severe. */
  readonly severity: Severity;
  /** A compact JSON snapshot of the finding: enough to list it in the summary. */
  readonly snapshot: string;
}

export interface RepeatGroup extends RepeatGroupRef {
  /** The alert published for the group's first finding. */
  readonly leadAlertKey: string;
  readonly members: ReadonlyArray<Pick<RepeatMember, 'alertKey' | 'snapshot'>>;
}

/**
 * 'publish': the group's first finding, or one that may not join it (group full, summarised and
 * closed, or more severe than its leader): go on with `claimAlert` as usual.
 * 'sent' / 'set-aside': an earlier read alerted it already (delivered / refused for good).
 * 'pending': an earlier read recorded its alert, not yet delivered: go on with `reclaimAlert`.
 * 'folded': counted in the group now; it goes out in the group's summary.
 * 'folded-before': an earlier read folded it already (the overlap re-reads events).
 */
export type FoldResult = 'publish' | 'sent' | 'pending' | 'set-aside' | 'folded' | 'folded-before';

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

/**
 * The run's own state: the lease that keeps runs apart, and each region's cursor.
 */
export interface RunStateStore {
  /**
   * Takes the run lease if it is free, lapsed, or already this owner's (so asking again renews
   * it). Otherwise reports who holds it.
   */
  acquireLease(request: LeaseRequest): Promise<LeaseResult>;
  releaseLease(owner: string): Promise<void>;
  getCursor(region: string): Promise<RegionCursor | undefined>;
  /** Writes the cursor if its version is still `expected.version`; throws CursorConflictError otherwise. */
  saveCursor(next: Omit<RegionCursor, 'version'>, expected: RegionCursor): Promise<RegionCursor>;
}

/**
 * Every alert's record, from its claim to its delivery (the outbox, the set-aside entries, the
 * outputs' queues) and the repeat groups folded into summaries: one port, since a fold and a summary write alert records in
 * the same transaction as the group.
 */
export interface AlertLedger extends ForwardStore {
  /**
   * Records the alert (idempotency record with the claim + outbox entry) unless it exists; an
   * existing record is answered as `reclaimAlert` would.
   */
  claimAlert(alert: StoredAlert, claim: Claim): Promise<ClaimResult>;
  /** Claims an alert already recorded, if it is undelivered and its claim is this run's or has lapsed. */
  reclaimAlert(key: string, claim: Claim): Promise<ClaimResult>;
  /** Marks the alert delivered and removes it from the outbox (or from the set-aside entries). */
  markSent(key: string, messageId: string, nowMs: number): Promise<void>;
  /** Counts one permanent refusal of the alert by SNS; returns the refusals counted so far. */
  recordRefusal(key: string, reason: string, nowMs: number): Promise<number>;
  /**
   * Moves an outbox entry aside (refused for good, or unreadable): out of the outbox, kept in the
   * table with the reason, its record marked 'set-aside'; retried from `retryAtMs`.
   */
  setAside(key: string, reason: string, nowMs: number, retryAtMs: number): Promise<void>;
  /**
   * Set-aside alerts due for a retry, each claimed for it by moving its retry time to `nextRetryMs`
   * (a conditional write: two runs never retry the same one), oldest first.
   */
  takeSetAsideDue(nowMs: number, nextRetryMs: number, limit: number): Promise<PendingAlert[]>;
  /** How many alerts are set aside. */
  countSetAside(): Promise<number>;
  /** Alerts recorded but not yet delivered, oldest first. */
  listPending(limit: number): Promise<PendingAlert[]>;
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
   * record + outbox entry, claimed by `claim`) in the same transaction. A group that grew since it
   * was listed is left for the next run; one whose summary (same key: same members) is recorded
   * already is removed. Either way a group listed again with the same members closes.
   */
  closeRepeatGroup(group: RepeatGroup, summary: StoredAlert | undefined, claim: Claim): Promise<void>;
}

/** Fixed-window counters of distinct events (threshold rules). */
export interface CounterStore {
  /**
   * Counts `member` (by default the event id; a distinct value such as a secret's name for rules
   * that count distinct things) in the bucket unless it is already counted there or the count has
   * reached the limit; either way returns the bucket's count. The event that brings the count to
   * the limit is recorded as `crossedBy`. Re-reading an event never counts it twice.
   */
  countOnce(counter: CounterRef, eventId: string, nowMs: number, member?: string): Promise<CountResult>;
}

/** First-seen profiles and hourly write volumes, per principal. */
export interface ProfileStore {
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

/** The four parts of the state a run keeps, each over the same table in production. */
export interface StateStores {
  readonly runs: RunStateStore;
  readonly ledger: AlertLedger;
  readonly counters: CounterStore;
  readonly profiles: ProfileStore;
}

/** One object that keeps all four (the in-memory store does). */
export type StateStore = RunStateStore & AlertLedger & CounterStore & ProfileStore;

export interface AlertSink {
  /**
   * Returns the SNS message id. Throws on failure; the caller keeps the alert for a later run.
   * A refusal that retrying cannot fix is thrown as an `AlertRefusedError`.
   */
  publish(alert: RenderedAlert): Promise<string>;
}

/**
 * SNS refused a message for good (a bad parameter, no authorisation, the topic or its KMS key
 * disabled or gone): sending it again unchanged cannot succeed until someone fixes the cause.
 */
export class AlertRefusedError extends Error {
  override readonly name = 'AlertRefusedError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

export interface Clock {
  nowMs(): number;
}

export class CursorConflictError extends Error {
  override readonly name = 'CursorConflictError';
  constructor(
    readonly region: string,
    options?: { cause?: unknown },
  ) {
    super(`cursor for ${region} was changed by another run`, options);
  }
}

/** The four parts of the state, all kept by one object (the in-memory store). */
export function storesOf(one: StateStore): StateStores {
  return { runs: one, ledger: one, counters: one, profiles: one };
}

/** What a member pair's last run leaves for the dispatcher (organization mode). */
export interface PairRun {
  /** The window end it read to: queued items up to it are superseded. */
  readonly readUntilMs: number;
  /** Its fully processed time (now - lag); absent when the run could not tell. */
  readonly coveredUntilMs?: number;
  readonly runMs: number;
  readonly outcome: string;
  /** Why it stopped, sanitised; absent when it did not fail. */
  readonly error?: string;
}

/**
 * The watched (account, region) pairs of an organization, one record each (`organization.ts`
 * PairRecord): added when first queued, updated by each of its runs, removed when the account or
 * region stops being watched.
 */
export interface PairStore {
  list(): Promise<PairRecord[]>;
  get(pair: MemberPair): Promise<PairRecord | undefined>;
  /** Adds the pair unless present; a present one keeps its history and gets the new name and OU path. */
  add(record: MemberPair & Pick<PairRecord, 'accountName' | 'ouPath' | 'sinceMs'>): Promise<void>;
  rename(pair: MemberPair, accountName: string, ouPath: string): Promise<void>;
  remove(pair: MemberPair): Promise<void>;
  /** Records a run; a pair removed meanwhile stays removed. */
  recordRun(pair: MemberPair, run: PairRun): Promise<void>;
  /** Marks the start of a blind episode, or (undefined) its end. */
  setBlind(pair: MemberPair, sinceMs: number | undefined): Promise<void>;
}
