// StateStore kept in process memory: for one-off runs (`trailwatch poll`) and the unit tests.
// Same contract as the DynamoDB store: a lease, versioned cursors, one idempotency record per alert.

import { volumeCap } from '../core/volume';
import {
  type ClaimResult,
  type CounterRef,
  type CountResult,
  CursorConflictError,
  type FoldResult,
  type PrincipalProfile,
  type ProfileValue,
  type RegionCursor,
  type RepeatGroup,
  type RepeatGroupRef,
  type RepeatMember,
  type StateStore,
  type StoredAlert,
  type WriteVolume,
} from '../ports';

export class MemoryStateStore implements StateStore {
  // Readable, so that tests can look inside.
  readonly cursors = new Map<string, RegionCursor>();
  readonly alerts = new Map<string, 'pending' | 'sent'>();
  /** Insertion order is recording order, so listPending returns the oldest first. */
  readonly outbox = new Map<string, StoredAlert>();
  private lease: { owner: string; untilMs: number } | undefined;

  async acquireLease(owner: string, nowMs: number, durationMs: number): Promise<boolean> {
    if (this.lease && this.lease.owner !== owner && this.lease.untilMs >= nowMs) return false;
    this.lease = { owner, untilMs: nowMs + durationMs };
    return true;
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

  async claimAlert(alert: StoredAlert): Promise<ClaimResult> {
    const status = this.alerts.get(alert.key);
    if (status !== undefined) return status;
    this.alerts.set(alert.key, 'pending');
    this.outbox.set(alert.key, alert);
    return 'claimed';
  }

  async markSent(key: string): Promise<void> {
    this.alerts.set(key, 'sent');
    this.outbox.delete(key);
  }

  async listPending(limit: number): Promise<StoredAlert[]> {
    return [...this.outbox.values()].slice(0, Math.max(0, limit));
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
    claim: (alert) => this.claimAlert(alert),
  });
  foldRepeat(group: RepeatGroupRef, member: RepeatMember): Promise<FoldResult> {
    return this.repeats.fold(group, member);
  }

  async listEndedRepeats(endedByMs: number, limit: number): Promise<RepeatGroup[]> {
    return this.repeats.listEnded(endedByMs, limit);
  }

  closeRepeatGroup(group: RepeatGroup, summary: StoredAlert | undefined): Promise<void> {
    return this.repeats.close(group, summary);
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
  /** The alert record's status for the key (a lead, or a repeat published on its own), if any. */
  status(alertKey: string): 'pending' | 'sent' | undefined;
  /** Records an alert (idempotency record + outbox entry), as `claimAlert` does. */
  claim(alert: StoredAlert): Promise<unknown>;
}

/** The DynamoDB store's repeat-group semantics, in memory */
class MemoryRepeatGroups {
  private readonly groups = new Map<
    string,
    { ref: RepeatGroupRef; lead: string; members: Map<string, string> }
  >();
  private readonly folded = new Set<string>();

  constructor(private readonly alerts: AlertRecords) {}

  async fold(group: RepeatGroupRef, member: RepeatMember): Promise<FoldResult> {
    if (this.folded.has(member.alertKey)) return 'folded-before';
    const recorded = this.alerts.status(member.alertKey);
    if (recorded !== undefined) return recorded;
    const id = groupId(group);
    const existing = this.groups.get(id);
    if (existing === undefined) {
      this.groups.set(id, { ref: group, lead: member.alertKey, members: new Map() });
      return 'publish';
    }
    if (existing.lead === member.alertKey || existing.members.size >= group.limit) return 'publish';
    existing.members.set(member.alertKey, member.snapshot);
    this.folded.add(member.alertKey);
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

  /** Removes the group and records its summary, unless it was removed already or has grown since listed. */
  async close(group: RepeatGroup, summary: StoredAlert | undefined): Promise<void> {
    const id = groupId(group);
    if (this.groups.get(id)?.members.size !== group.members.length) return;
    this.groups.delete(id);
    if (summary) await this.alerts.claim(summary);
  }
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
