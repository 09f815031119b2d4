// In-memory implementations of the ports, for unit tests of the core's orchestration.
// The integration tests use the real adapters against DynamoDB Local and local servers.
import {
  countInMemory,
  MemoryProfiles,
  MemoryRepeatGroups,
  MemoryVolumes,
} from '../../lambda/adapters/memory-state';
import type { RenderedAlert } from '../../lambda/core/types';
import {
  type AlertSink,
  type ClaimResult,
  type CounterRef,
  type CountResult,
  CursorConflictError,
  type EventSource,
  type LookupEventRecord,
  type LookupPage,
  type LookupQuery,
  type RegionCursor,
  type StateStore,
  type StoredAlert,
} from '../../lambda/ports';

export class MemoryStateStore implements StateStore {
  readonly cursors = new Map<string, RegionCursor>();
  readonly alerts = new Map<string, { status: 'pending' | 'sent'; messageId?: string }>();
  readonly outbox = new Map<string, StoredAlert>();
  leaseOwner: string | undefined;
  leaseUntilMs = 0;

  async acquireLease(owner: string, nowMs: number, durationMs: number): Promise<boolean> {
    if (this.leaseOwner !== undefined && this.leaseOwner !== owner && this.leaseUntilMs >= nowMs)
      return false;
    this.leaseOwner = owner;
    this.leaseUntilMs = nowMs + durationMs;
    return true;
  }
  async releaseLease(owner: string): Promise<void> {
    if (this.leaseOwner === owner) this.leaseOwner = undefined;
  }
  async getCursor(region: string): Promise<RegionCursor | undefined> {
    return this.cursors.get(region);
  }
  async saveCursor(next: Omit<RegionCursor, 'version'>, expected: RegionCursor): Promise<RegionCursor> {
    const current = this.cursors.get(next.region);
    if ((current?.version ?? 0) !== expected.version) throw new CursorConflictError(next.region);
    const saved = { ...next, version: expected.version + 1 };
    this.cursors.set(next.region, saved);
    return saved;
  }
  async claimAlert(alert: StoredAlert): Promise<ClaimResult> {
    const existing = this.alerts.get(alert.key);
    if (existing) return existing.status;
    this.alerts.set(alert.key, { status: 'pending' });
    this.outbox.set(alert.key, alert);
    return 'claimed';
  }
  async markSent(key: string, messageId: string): Promise<void> {
    this.alerts.set(key, { status: 'sent', messageId });
    this.outbox.delete(key);
  }
  async listPending(limit: number): Promise<StoredAlert[]> {
    return [...this.outbox.values()].slice(0, limit);
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
  readonly repeats = new MemoryRepeatGroups({
    status: (key) => this.alerts.get(key)?.status,
    claim: (alert) => this.claimAlert(alert),
  });
  foldRepeat: StateStore['foldRepeat'] = (group, member) => this.repeats.fold(group, member);
  listEndedRepeats: StateStore['listEndedRepeats'] = async (endedByMs, limit) =>
    this.repeats.listEnded(endedByMs, limit);
  closeRepeatGroup: StateStore['closeRepeatGroup'] = (group, summary) => this.repeats.close(group, summary);
  readonly profiles = new MemoryProfiles();
  /** Profile writes, for tests that count them. */
  profileWrites = 0;
  getProfile: StateStore['getProfile'] = async (key) => this.profiles.get(key);
  addToProfile: StateStore['addToProfile'] = async (key, firstSeenMs, values, nowMs) => {
    this.profileWrites += 1;
    return this.profiles.add(key, firstSeenMs, values, nowMs);
  };
  readonly volumes = new MemoryVolumes();
  /** Write-volume writes (adds and crossings), for tests that count them. */
  volumeWrites = 0;
  getWriteVolume: StateStore['getWriteVolume'] = async (p, b) => this.volumes.get(p, b);
  addWrites: StateStore['addWrites'] = async (known, hashes) => {
    this.volumeWrites += 1;
    return this.volumes.add(known, hashes);
  };
  markVolumeCrossed: StateStore['markVolumeCrossed'] = async (v, id) => {
    this.volumeWrites += 1;
    return this.volumes.cross(v, id);
  };
  writeVolumeHistory: StateStore['writeVolumeHistory'] = async (p, from, to) =>
    this.volumes.history(p, from, to);
}

/** A CloudTrail stand-in with the API's ordering and bounds, 50 a page; no rate limit. */
export class MemoryEventSource implements EventSource {
  readonly queries: Array<LookupQuery & { region: string }> = [];
  failNext = 0;
  private readonly events = new Map<string, LookupEventRecord[]>();

  add(region: string, ...records: LookupEventRecord[]): void {
    const list = this.events.get(region) ?? [];
    list.push(...records);
    list.sort(
      (a, b) =>
        (b.eventTimeMs ?? 0) - (a.eventTimeMs ?? 0) || (a.eventId ?? '').localeCompare(b.eventId ?? ''),
    );
    this.events.set(region, list);
  }

  async lookupPage(region: string, query: LookupQuery): Promise<LookupPage> {
    this.queries.push({ ...query, region });
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    }
    const inRange = (this.events.get(region) ?? []).filter(
      (e) => (e.eventTimeMs ?? 0) >= query.startMs && (e.eventTimeMs ?? 0) <= query.endMs,
    );
    const offset = query.nextToken ? Number(query.nextToken) : 0;
    const events = inRange.slice(offset, offset + 50);
    const next = offset + 50 < inRange.length ? String(offset + 50) : undefined;
    return { events, nextToken: next };
  }
}

export class RecordingSink implements AlertSink {
  readonly published: RenderedAlert[] = [];
  failing: Error | undefined;
  async publish(alert: RenderedAlert): Promise<string> {
    if (this.failing) throw this.failing;
    this.published.push(alert);
    return `msg-${this.published.length}`;
  }
}

export class ManualClock {
  constructor(public now: number) {}
  nowMs(): number {
    return this.now;
  }
}
