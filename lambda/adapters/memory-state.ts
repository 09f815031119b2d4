// StateStore kept in process memory: for one-off runs (`trailwatch poll`) and the unit tests.
// Same contract as the DynamoDB store: a lease, versioned cursors, one idempotency record per alert
// with its claim, refusals and set-aside entries.

type AlertStatus = 'pending' | 'sent' | 'folded' | 'set-aside';

import { claimLapsed } from '../core/lease';
import {
  type Claim,
  type ClaimResult,
  type CounterRef,
  type CountResult,
  CursorConflictError,
  type FoldResult,
  type ForwardListing,
  type LeaseRequest,
  type LeaseResult,
  type OutputName,
  type OutputSelection,
  type PendingAlert,
  type PrincipalProfile,
  type ProfileValue,
  type RegionCursor,
  type RepeatGroup,
  type RepeatGroupRef,
  type RepeatMember,
  type StateStore,
  type StoredAlert,
  type WriteVolume,
} from '../core/ports';
import { type Severity, severityRank } from '../core/types';
import { volumeCap } from '../core/volume';
import { MemoryForwardQueues } from './memory-forward';

/** An outbox entry in memory: the alert, its claim and its refusals. */
interface MemoryEntry {
  readonly stored: StoredAlert;
  claimant: string;
  claimedAtMs: number;
  refusals: number;
  retryAtMs: number;
}

export class MemoryStateStore implements StateStore {
  // Readable, so that tests can look inside.
  readonly cursors = new Map<string, RegionCursor>();
  readonly alerts = new Map<string, AlertStatus>();
  /** Insertion order is recording order, so listPending returns the oldest first. */
  readonly outbox = new Map<string, MemoryEntry>();
  /** Alerts refused for good, kept and retried hourly. */
  readonly aside = new Map<string, MemoryEntry>();
  private readonly queues: MemoryForwardQueues;
  /** Each output's queue by sort key (most severe first when sorted). */
  readonly forward: MemoryForwardQueues['queues'];
  private lease: { owner: string; untilMs: number; expectedEndMs: number } | undefined;

  constructor(options: { readonly outputs?: readonly OutputSelection[] } = {}) {
    this.queues = new MemoryForwardQueues(options.outputs ?? []);
    this.forward = this.queues.queues;
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseResult> {
    const held = this.lease;
    if (held && held.owner !== request.owner && held.untilMs >= request.nowMs) {
      return { acquired: false, holder: { ...held } };
    }
    this.lease = {
      owner: request.owner,
      untilMs: request.nowMs + request.durationMs,
      expectedEndMs: request.expectedEndMs,
    };
    return { acquired: true };
  }

  async releaseLease(owner: string): Promise<void> {
    if (this.lease?.owner === owner) this.lease = undefined;
  }

  async getCursor(region: string): Promise<RegionCursor | undefined> {
    return this.cursors.get(region);
  }

  async saveCursor(next: Omit<RegionCursor, 'version'>, expected: RegionCursor): Promise<RegionCursor> {
    const current = this.cursors.get(next.region);
    if ((current?.version ?? 0) !== expected.version) throw new CursorConflictError(next.region);
    const saved: RegionCursor = { ...next, version: expected.version + 1 };
    this.cursors.set(next.region, saved);
    return saved;
  }

  async claimAlert(alert: StoredAlert, claim: Claim): Promise<ClaimResult> {
    if (this.alerts.has(alert.key)) return this.reclaimAlert(alert.key, claim);
    this.alerts.set(alert.key, 'pending');
    this.outbox.set(alert.key, {
      stored: alert,
      claimant: claim.runId,
      claimedAtMs: claim.nowMs,
      refusals: 0,
      retryAtMs: 0,
    });
    this.queues.record(alert, claim.nowMs);
    return 'claimed';
  }

  listForward(output: OutputName, nowMs: number, limit: number): Promise<ForwardListing> {
    return this.queues.listForward(output, nowMs, limit);
  }

  claimForward(output: OutputName, slot: string, claim: Claim): Promise<'claimed' | 'held' | 'gone'> {
    return this.queues.claimForward(output, slot, claim);
  }

  completeForward(output: OutputName, slot: string): Promise<void> {
    return this.queues.completeForward(output, slot);
  }

  deferForward(
    output: OutputName,
    slot: string,
    reason: string,
    nowMs: number,
    retryAtMs: number,
  ): Promise<void> {
    return this.queues.deferForward(output, slot, reason, nowMs, retryAtMs);
  }

  async reclaimAlert(key: string, claim: Claim): Promise<ClaimResult> {
    const entry = this.outbox.get(key);
    if (entry === undefined) {
      const status = this.alerts.get(key);
      return status === 'folded' || status === 'set-aside' ? status : 'sent';
    }
    if (!claimLapsed(claim, entry.claimant, entry.claimedAtMs)) return 'held';
    entry.claimant = claim.runId;
    entry.claimedAtMs = claim.nowMs;
    return 'resumed';
  }

  async markSent(key: string): Promise<void> {
    this.alerts.set(key, 'sent');
    this.outbox.delete(key);
    this.aside.delete(key);
  }

  async recordRefusal(key: string): Promise<number> {
    const entry = this.outbox.get(key);
    if (entry === undefined) return 0;
    entry.refusals += 1;
    return entry.refusals;
  }

  async setAside(key: string, _reason: string, _nowMs: number, retryAtMs: number): Promise<void> {
    const entry = this.outbox.get(key);
    if (entry === undefined) return;
    this.outbox.delete(key);
    this.aside.set(key, { ...entry, retryAtMs });
    this.alerts.set(key, 'set-aside');
  }

  async takeSetAsideDue(nowMs: number, nextRetryMs: number, limit: number): Promise<PendingAlert[]> {
    const due = [...this.aside.values()].filter((e) => e.retryAtMs <= nowMs).slice(0, Math.max(0, limit));
    for (const entry of due) entry.retryAtMs = nextRetryMs;
    return due.map(pendingOf);
  }

  async countSetAside(): Promise<number> {
    return this.aside.size;
  }

  async listPending(limit: number): Promise<PendingAlert[]> {
    return [...this.outbox.values()].slice(0, Math.max(0, limit)).map(pendingOf);
  }

  readonly counters = new Map<string, { ids: Set<string>; lastId: string }>();

  async countOnce(
    counter: CounterRef,
    eventId: string,
    _nowMs: number,
    member?: string,
  ): Promise<CountResult> {
    return countInMemory(this.counters, counter, eventId, member);
  }

  private readonly repeats = new MemoryRepeatGroups({
    status: (key) => this.alerts.get(key),
    claim: (alert, claim) => this.claimAlert(alert, claim),
    fold: (key) => this.alerts.set(key, 'folded'),
  });
  foldRepeat(group: RepeatGroupRef, member: RepeatMember): Promise<FoldResult> {
    return this.repeats.fold(group, member);
  }

  async listEndedRepeats(endedByMs: number, limit: number): Promise<RepeatGroup[]> {
    return this.repeats.listEnded(endedByMs, limit);
  }

  closeRepeatGroup(group: RepeatGroup, summary: StoredAlert | undefined, claim: Claim): Promise<void> {
    return this.repeats.close(group, summary, claim);
  }

  private readonly profiles = new MemoryProfiles();

  async getProfile(key: string): Promise<PrincipalProfile | undefined> {
    return this.profiles.get(key);
  }

  async addToProfile(
    key: string,
    firstSeenMs: number,
    values: ReadonlyMap<string, ProfileValue>,
    nowMs: number,
  ): Promise<PrincipalProfile> {
    return this.profiles.add(key, firstSeenMs, values, nowMs);
  }

  private readonly volumes = new MemoryVolumes();

  async getWriteVolume(principal: string, bucketStartMs: number): Promise<WriteVolume | undefined> {
    return this.volumes.get(principal, bucketStartMs);
  }

  async addWrites(known: WriteVolume, hashes: readonly string[], _nowMs: number): Promise<WriteVolume> {
    return this.volumes.add(known, hashes);
  }

  async markVolumeCrossed(volume: WriteVolume, eventId: string): Promise<string> {
    return this.volumes.cross(volume, eventId);
  }

  async writeVolumeHistory(principal: string, fromMs: number, toMs: number): Promise<number[]> {
    return this.volumes.history(principal, fromMs, toMs);
  }
}

/** The DynamoDB store's write-volume semantics, in memory */
class MemoryVolumes {
  private readonly hours = new Map<string, WriteVolume>();

  get(principal: string, bucketStartMs: number): WriteVolume | undefined {
    return this.hours.get(`${bucketStartMs}@${principal}`);
  }

  add(known: WriteVolume, hashes: readonly string[]): WriteVolume {
    const id = `${known.bucketStartMs}@${known.principal}`;
    const current = this.hours.get(id) ?? { ...known, count: 0, hashes: new Set<string>() };
    const merged = new Set(current.hashes);
    const cap = volumeCap(current.threshold);
    for (const h of hashes) if (merged.size < cap) merged.add(h);
    const next: WriteVolume = { ...current, count: merged.size, hashes: merged };
    this.hours.set(id, next);
    return next;
  }

  cross(volume: WriteVolume, eventId: string): string {
    const id = `${volume.bucketStartMs}@${volume.principal}`;
    const current = this.hours.get(id) ?? volume;
    const crossedBy = current.crossedBy ?? eventId;
    this.hours.set(id, { ...current, crossedBy });
    return crossedBy;
  }

  history(principal: string, fromMs: number, toMs: number): number[] {
    return [...this.hours.values()]
      .filter((v) => v.principal === principal && v.bucketStartMs >= fromMs && v.bucketStartMs < toMs)
      .map((v) => v.count)
      .filter((count) => count > 0);
  }
}

/** The DynamoDB store's profile semantics, in memory */
class MemoryProfiles {
  private readonly profiles = new Map<string, PrincipalProfile>();

  get(key: string): PrincipalProfile | undefined {
    return this.profiles.get(key);
  }

  add(
    key: string,
    firstSeenMs: number,
    values: ReadonlyMap<string, ProfileValue>,
    nowMs: number,
  ): PrincipalProfile {
    const current = this.profiles.get(key);
    const merged = new Map(current?.values);
    // The first writer of a value keeps it: a re-read never moves a value to another event.
    for (const [name, value] of values) if (!merged.has(name)) merged.set(name, value);
    const next: PrincipalProfile = {
      key,
      firstSeenMs: current?.firstSeenMs ?? firstSeenMs,
      touchedMs: nowMs,
      values: merged,
    };
    this.profiles.set(key, next);
    return next;
  }
}

/** The alert records a store keeps, as repeat groups need them. */
interface AlertRecords {
  /** The alert record's status for the key, if any. */
  status(alertKey: string): AlertStatus | undefined;
  /** Records an alert (idempotency record + outbox entry), as `claimAlert` does. */
  claim(alert: StoredAlert, claim: Claim): Promise<unknown>;
  /** Records a folded finding's idempotency record. */
  fold(alertKey: string): void;
}

/** The DynamoDB store's repeat-group semantics, in memory */
class MemoryRepeatGroups {
  private readonly groups = new Map<
    string,
    { ref: RepeatGroupRef; lead: string; leadSeverity: Severity; members: Map<string, string> }
  >();

  constructor(private readonly alerts: AlertRecords) {}

  async fold(group: RepeatGroupRef, member: RepeatMember): Promise<FoldResult> {
    const recorded = this.alerts.status(member.alertKey);
    if (recorded === 'folded') return 'folded-before';
    if (recorded !== undefined) return recorded;
    const id = groupId(group);
    const existing = this.groups.get(id);
    if (existing === undefined) {
      this.groups.set(id, {
        ref: group,
        lead: member.alertKey,
        leadSeverity: member.severity,
        members: new Map(),
      });
      return 'publish';
    }
    if (
      existing.lead === member.alertKey ||
      existing.members.size >= group.limit ||
      severityRank(member.severity) > severityRank(existing.leadSeverity)
    ) {
      return 'publish';
    }
    existing.members.set(member.alertKey, member.snapshot);
    this.alerts.fold(member.alertKey);
    return 'folded';
  }

  listEnded(endedByMs: number, limit: number): RepeatGroup[] {
    return [...this.groups.values()]
      .filter((g) => g.ref.windowEndMs <= endedByMs)
      .sort((a, b) => a.ref.windowEndMs - b.ref.windowEndMs)
      .slice(0, Math.max(0, limit))
      .map((g) => ({
        ...g.ref,
        leadAlertKey: g.lead,
        members: [...g.members].map(([alertKey, snapshot]) => ({ alertKey, snapshot })),
      }));
  }

  /**
   * Removes the group and records its summary, unless it was removed already or has grown since
   * listed; a summary recorded already (the same members) still lets the group go.
   */
  async close(group: RepeatGroup, summary: StoredAlert | undefined, claim: Claim): Promise<void> {
    const id = groupId(group);
    if (this.groups.get(id)?.members.size !== group.members.length) return;
    this.groups.delete(id);
    if (summary && this.alerts.status(summary.key) === undefined) await this.alerts.claim(summary, claim);
  }
}

function pendingOf(entry: MemoryEntry): PendingAlert {
  return {
    ...entry.stored,
    claimant: entry.claimant,
    claimedAtMs: entry.claimedAtMs,
    refusals: entry.refusals,
  };
}

function groupId(group: RepeatGroupRef): string {
  return `${group.windowStartMs}@${group.key}`;
}

/** The DynamoDB counter's semantics: distinct members, bounded by the limit, the crossing event frozen. */
export function countInMemory(
  counters: Map<string, { ids: Set<string>; lastId: string }>,
  counter: CounterRef,
  eventId: string,
  member: string = eventId,
): CountResult {
  const name = `${counter.key}@${counter.bucketStartMs}`;
  const entry = counters.get(name) ?? { ids: new Set<string>(), lastId: '' };
  counters.set(name, entry);
  if (!entry.ids.has(member) && entry.ids.size < counter.limit) {
    entry.ids.add(member);
    entry.lastId = eventId;
  }
  const count = entry.ids.size;
  return count >= counter.limit ? { count, crossedBy: entry.lastId } : { count };
}
