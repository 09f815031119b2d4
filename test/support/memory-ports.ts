// In-memory implementations of the ports, for unit tests of the core's orchestration.
// The integration tests use the real adapters against DynamoDB Local and local servers.
import { MemoryStateStore as PollStateStore } from '../../lambda/adapters/memory-state';
import type {
  AlertSink,
  EventSource,
  LookupEventRecord,
  LookupPage,
  LookupQuery,
  StateStore,
  StateStores,
} from '../../lambda/core/ports';
import type { RenderedAlert } from '../../lambda/core/types';

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

/** One LookupEvents record of a call by the IAM user alice; `body` replaces the CloudTrail record. */
export function lookupRecord(
  id: string,
  name: string,
  timeMs: number,
  region: string,
  body?: string,
): LookupEventRecord {
  return {
    eventId: id,
    eventName: name,
    eventTimeMs: timeMs,
    body:
      body ??
      JSON.stringify({
        eventID: id,
        eventName: name,
        eventTime: new Date(timeMs).toISOString(),
        eventSource: 'cloudtrail.amazonaws.com',
        awsRegion: region,
        userIdentity: { type: 'IAMUser', userName: 'alice', arn: 'arn:aws:iam::111122223333:user/alice' },
      }),
  };
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

/**
 * The four parts of a state store as one object, each method bound to its part: for tests that
 * drive a store directly (the DynamoDB adapter keeps each part in its own class).
 */
export function joinStores(stores: StateStores): StateStore {
  const joined: Record<string, unknown> = {};
  for (const part of [stores.runs, stores.ledger, stores.counters, stores.profiles]) {
    let proto: object | null = Object.getPrototypeOf(part);
    while (proto && proto !== Object.prototype) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const value = (part as unknown as Record<string, unknown>)[name];
        if (name !== 'constructor' && typeof value === 'function' && !(name in joined)) {
          joined[name] = value.bind(part);
        }
      }
      proto = Object.getPrototypeOf(proto);
    }
  }
  return joined as unknown as StateStore;
}
