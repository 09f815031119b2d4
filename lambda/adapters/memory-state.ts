// StateStore kept in process memory: for one-off runs (`trailwatch poll`) that need no history.
// Same contract as the DynamoDB store: a lease, versioned cursors, one idempotency record per alert.
import {
  type ClaimResult,
  type CounterRef,
  type CountResult,
  CursorConflictError,
  type FoldResult,
  type RegionCursor,
  type RepeatGroup,
  type RepeatGroupRef,
  type RepeatMember,
  type StateStore,
  type StoredAlert,
} from '../ports';

export class MemoryStateStore implements StateStore {
  private readonly cursors = new Map<string, RegionCursor>();
  private readonly alerts = new Map<string, 'pending' | 'sent'>();
  /** Insertion order is recording order, so listPending returns the oldest first. */
  private readonly outbox = new Map<string, StoredAlert>();
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

  private readonly counters = new Map<string, { ids: Set<string>; lastId: string }>();

  async countOnce(counter: CounterRef, eventId: string): Promise<CountResult> {
    return countInMemory(this.counters, counter, eventId);
  }

  private readonly repeats = new MemoryRepeatGroups();

  async foldRepeat(group: RepeatGroupRef, member: RepeatMember): Promise<FoldResult> {
    return this.repeats.fold(group, member, (key) => this.alerts.has(key));
  }

  async listEndedRepeats(endedByMs: number, limit: number): Promise<RepeatGroup[]> {
    return this.repeats.listEnded(endedByMs, limit);
  }

  async closeRepeatGroup(group: RepeatGroup, summary: StoredAlert | undefined): Promise<void> {
    if (this.repeats.close(group) && summary) await this.claimAlert(summary);
  }
}

/** The DynamoDB store's repeat-group semantics, in memory (shared with the tests' store). */
export class MemoryRepeatGroups {
  private readonly groups = new Map<
    string,
    { ref: RepeatGroupRef; lead: string; members: Map<string, string> }
  >();
  private readonly folded = new Set<string>();

  /** `claimed`: whether an alert record exists for the key (a lead or a separately published repeat). */
  fold(group: RepeatGroupRef, member: RepeatMember, claimed: (alertKey: string) => boolean): FoldResult {
    if (this.folded.has(member.alertKey)) return 'folded-before';
    if (claimed(member.alertKey)) return 'publish';
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

  /** True when the group existed (and is now removed). */
  close(group: RepeatGroupRef): boolean {
    return this.groups.delete(groupId(group));
  }
}

function groupId(group: RepeatGroupRef): string {
  return `${group.windowStartMs}@${group.key}`;
}

/** The DynamoDB counter's semantics: distinct ids, bounded by the limit, the crossing id frozen. */
export function countInMemory(
  counters: Map<string, { ids: Set<string>; lastId: string }>,
  counter: CounterRef,
  eventId: string,
): CountResult {
  const name = `${counter.key}@${counter.bucketStartMs}`;
  const entry = counters.get(name) ?? { ids: new Set<string>(), lastId: '' };
  counters.set(name, entry);
  if (!entry.ids.has(eventId) && entry.ids.size < counter.limit) {
    entry.ids.add(eventId);
    entry.lastId = eventId;
  }
  const count = entry.ids.size;
  return count >= counter.limit ? { count, crossedBy: entry.lastId } : { count };
}
