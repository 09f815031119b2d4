// StateStore kept in process memory: for one-off runs (`trailwatch poll`) that need no history.
// Same contract as the DynamoDB store: a lease, versioned cursors, one idempotency record per alert.
import {
  type ClaimResult,
  type CounterRef,
  type CountResult,
  CursorConflictError,
  type RegionCursor,
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
