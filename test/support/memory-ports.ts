// In-memory implementations of the ports, for unit tests of the core's orchestration.
// The integration tests use the real adapters against DynamoDB Local and local servers.
import { MemoryStateStore as PollStateStore } from '../../lambda/adapters/memory-state';
import type { RenderedAlert } from '../../lambda/core/types';
import type {
  AlertSink,
  EventSource,
  LookupEventRecord,
  LookupPage,
  LookupQuery,
  StateStore,
} from '../../lambda/ports';

/** The in-memory store `trailwatch poll` uses, counting the writes some tests assert on. */
export class MemoryStateStore extends PollStateStore {
  /** Profile writes. */
  profileWrites = 0;
  /** Write-volume writes (adds and crossings). */
  volumeWrites = 0;

  override addToProfile(...args: Parameters<StateStore['addToProfile']>) {
    this.profileWrites += 1;
    return super.addToProfile(...args);
  }

  override addWrites(...args: Parameters<StateStore['addWrites']>) {
    this.volumeWrites += 1;
    return super.addWrites(...args);
  }

  override markVolumeCrossed(...args: Parameters<StateStore['markVolumeCrossed']>) {
    this.volumeWrites += 1;
    return super.markVolumeCrossed(...args);
  }
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
  /** Refuses some messages only: the error to throw for this one, if any. */
  refuse: ((alert: RenderedAlert) => Error | undefined) | undefined;
  async publish(alert: RenderedAlert): Promise<string> {
    if (this.failing) throw this.failing;
    const refusal = this.refuse?.(alert);
    if (refusal) throw refusal;
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
