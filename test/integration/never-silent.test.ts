// "Never silent, never late": each way the detector could be blinded, delayed or made to alert
// twice, tried from outside against the unmodified handler, the real SDK clients, DynamoDB Local
// and the local CloudTrail and SNS servers.
import { dynamoDbState } from '../../lambda/adapters/dynamodb';
import { composeScorers } from '../../lambda/compose';
import { parseCloudTrailEvent } from '../../lambda/core/event';
import type { StateStores } from '../../lambda/core/ports';
import { memberOf, repeatGroupOf } from '../../lambda/core/repeats';
import { type RunDeps, type RunSettings, runOnce } from '../../lambda/core/run';
import { emptySuppressions } from '../../lambda/core/suppression';
import { createHandler, type RunSummary } from '../../lambda/handler';
import { createRecordFactory, stopLoggingRecord } from '../../local/cloudtrail';
import { localDynamoDbClient } from '../../local/dynamodb';
import {
  type DetectorHarness,
  GLOBAL,
  HOME,
  MINUTE,
  startDetectorHarness,
} from '../support/detector-harness';
import { ManualClock, MemoryEventSource, RecordingSink } from '../support/memory-ports';

const HOUR = 60 * MINUTE;
let h: DetectorHarness;
let T0: number;
const makeRecord = createRecordFactory(12);

beforeAll(async () => {
  h = await startDetectorHarness();
  T0 = h.t0;
});
afterAll(() => h.close());
beforeEach(() => h.reset());

function stopLogging(timeMs: number, userName: string, errorCode?: string) {
  return stopLoggingRecord(makeRecord, timeMs, {
    region: HOME,
    userName,
    ...(errorCode ? { errorCode } : {}),
  });
}

/** Long enough that DynamoDB Local's TTL sweep leaves the simulated days (two days ago) alone. */
const RETENTION_MS = 14 * 24 * HOUR;

function state(): StateStores {
  return dynamoDbState({
    tableName: h.tableName(),
    alertRetentionMs: RETENTION_MS,
    client: localDynamoDbClient(h.dynamoEndpoint, 3),
  });
}

/** Event ids per SNS message, and how often each id was delivered. */
function deliveries(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of h.sns.published) {
    for (const id of JSON.parse(message.attributes.eventIds?.value ?? '[]') as string[]) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}

/** The Embedded Metric Format lines one invocation writes. */
async function metricsOf(invoke: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  process.env.TRAILWATCH_METRICS = 'on';
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await invoke().catch(() => undefined);
  } finally {
    process.stdout.write = write;
    process.env.TRAILWATCH_METRICS = 'off';
  }
  return lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('a critical is never folded under a lesser alert or someone else', () => {
  it("pages a critical StopLogging at once when another user's refused attempt came first", async () => {
    await h.tick(T0);
    const denied = stopLogging(T0 + MINUTE, 'mallory', 'AccessDenied');
    const stopped = stopLogging(T0 + 3 * MINUTE, 'bob');
    h.cloudtrail.addEvent(HOME, denied);
    h.cloudtrail.addEvent(HOME, stopped);
    const summary = await h.tick(T0 + 5 * MINUTE);
    expect(summary.alertsFolded).toBe(0);
    expect(h.sns.published.map((m) => [m.attributes.severity?.value, m.attributes.eventIds?.value])).toEqual([
      ['high', JSON.stringify([denied.eventID])],
      ['critical', JSON.stringify([stopped.eventID])],
    ]);
    // SMS and paging subscribers (critical only) hear of it now, not two hours later.
    expect(h.sns.deliveries('sms')[1]!.body).toMatch(/^CRIT StopLogging by bob/);
  });
});

describe('the seed table is the floor', () => {
  it('pages an access key an IAM user creates for itself (high, at the default threshold)', async () => {
    await h.tick(T0);
    const key = makeRecord({
      eventName: 'CreateAccessKey',
      eventSource: 'iam.amazonaws.com',
      eventTime: new Date(T0 + MINUTE).toISOString(),
      awsRegion: GLOBAL,
      readOnly: false,
      userName: 'dev-alice',
      requestParameters: {},
    });
    h.cloudtrail.addEvent(GLOBAL, key);
    await h.tick(T0 + 5 * MINUTE);
    expect(h.sns.published.map((m) => [m.attributes.ruleId?.value, m.attributes.severity?.value])).toEqual([
      ['iam.access-key-created', 'high'],
    ]);
  });
});

describe('a stale scheduled time', () => {
  it('reads up to the wall clock when the schedule target sends a constant time, and measures lag against the clock', async () => {
    const frozen = new Date(T0).toISOString();
    await h.invokeAt(T0, frozen);
    // Two hours later the target still sends the same `time`.
    const stop = stopLogging(T0 + 110 * MINUTE, 'mallory');
    h.cloudtrail.addEvent(HOME, stop);
    let summary: RunSummary | undefined;
    const metrics = await metricsOf(async () => {
      summary = await h.invokeAt(T0 + 2 * HOUR, frozen);
    });
    expect(summary?.status).toBe('completed');
    expect(deliveries().get(stop.eventID)).toBe(1);
    expect(await h.cursorOf(HOME)).toBeGreaterThanOrEqual(T0 + 2 * HOUR - 1000);
    const lag = metrics
      .filter((m) => m.Region === HOME && m.LagSeconds !== undefined)
      .map((m) => m.LagSeconds);
    expect(lag).toHaveLength(1);
    expect(lag[0]).toBeLessThanOrEqual(5);
  });

  it('measures lag against the clock, so a region left behind shows however the window is set', async () => {
    await h.tick(T0);
    // The region cannot be read (every lookup fails) while the target's time stays where it was.
    h.cloudtrail.failNext(1000, 'fatal');
    const metrics = await metricsOf(() => h.invokeAt(T0 + HOUR, new Date(T0 + HOUR - 30_000).toISOString()));
    h.cloudtrail.clearFailNext();
    const lag = metrics
      .filter((m) => m.Region === HOME && m.LagSeconds !== undefined)
      .map((m) => Number(m.LagSeconds));
    expect(lag[0]).toBeGreaterThanOrEqual(3600);
  });
});

describe('a lease that is never given up', () => {
  it('reports wall-clock lag while another holder keeps the lease, and fails two periods past its deadline', async () => {
    await h.tick(T0);
    // A holder that keeps renewing its lease but said it would be done by T0 + 10 minutes.
    await state().runs.acquireLease({
      owner: 'cli-stuck',
      nowMs: T0,
      durationMs: 6 * HOUR,
      expectedEndMs: T0 + 10 * MINUTE,
    });
    let early: RunSummary | undefined;
    const earlyMetrics = await metricsOf(async () => {
      early = await h.tick(T0 + 15 * MINUTE);
    });
    expect(early?.status).toBe('skipped-lease-held');
    expect(earlyMetrics.filter((m) => m.Region === HOME).map((m) => m.LagSeconds)).toEqual([15 * 60]);
    await expect(h.tick(T0 + 25 * MINUTE)).rejects.toThrow(
      /lease: the run lease is held by cli-stuck, 15 min past its own deadline/,
    );
  });
});

describe('a message SNS refuses for good', () => {
  it('is set aside after three refusals while every other alert and region goes on, and counted on its metric', async () => {
    process.env.TRAILWATCH_STACK_NAME = 'Trailwatch';
    await h.tick(T0);
    const poison = stopLogging(T0 + MINUTE, 'mallory');
    h.sns.refuseWhen(({ attributes }) =>
      attributes.eventIds?.value.includes(poison.eventID) ? 'InvalidParameter' : undefined,
    );
    h.cloudtrail.addEvent(HOME, poison);
    h.cloudtrail.addEvent(HOME, stopLogging(T0 + 2 * MINUTE, 'bob'));
    const first = await h.tick(T0 + 5 * MINUTE);
    expect(first.status).toBe('completed');
    expect(await h.cursorOf(HOME)).toBe(T0 + 5 * MINUTE);
    const later = stopLogging(T0 + 7 * MINUTE, 'carol');
    h.cloudtrail.addEvent(HOME, later);
    await h.tick(T0 + 10 * MINUTE);
    let third: RunSummary | undefined;
    const metrics = await metricsOf(async () => {
      third = await h.tick(T0 + 15 * MINUTE);
    });
    expect(third).toMatchObject({ status: 'completed', alertsSetAside: 1 });
    expect(metrics.filter((m) => 'AlertsSetAside' in m).map((m) => m.AlertsSetAside)).toEqual([1]);
    expect(deliveries().get(later.eventID)).toBe(1);
    expect(deliveries().has(poison.eventID)).toBe(false);
    expect(await h.outboxSize()).toBe(0);
    // Fixed (the key re-enabled, say): the hourly retry delivers it, once.
    h.sns.refuseWhen(undefined);
    for (let t = T0 + 20 * MINUTE; t <= T0 + 90 * MINUTE; t += 5 * MINUTE) await h.tick(t);
    expect(deliveries().get(poison.eventID)).toBe(1);
  });
});

describe('two runs that both believe they hold the lease', () => {
  it('send one message per finding', async () => {
    const bypass = (deps: RunDeps): RunDeps => ({
      ...deps,
      state: {
        ...deps.state,
        runs: Object.assign(Object.create(deps.state.runs), {
          acquireLease: async () => ({ acquired: true }),
        }),
      },
    });
    const a = createHandler({ clock: h.clock, wrapDeps: bypass });
    const b = createHandler({ clock: h.clock, wrapDeps: bypass });
    await h.tick(T0);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const record = stopLogging(T0 + 10_000 * (i + 1), `user-${i}`);
      ids.push(record.eventID);
      h.cloudtrail.addEvent(HOME, record);
    }
    // One of them may lose the race for a cursor write and fail (it is retried): that is fine.
    await Promise.allSettled([
      h.tick(T0 + 5 * MINUTE, 'run-a', 120_000, a),
      h.tick(T0 + 5 * MINUTE, 'run-b', 120_000, b),
    ]);
    // And the next scheduled run, which re-reads the overlap.
    await h.tick(T0 + 10 * MINUTE);
    const counts = deliveries();
    expect(ids.map((id) => counts.get(id) ?? 0)).toEqual(ids.map(() => 1));
  });
});

describe('a repeat group whose leader crashed between folding and claiming', () => {
  it('still closes, and its later repeats go out', async () => {
    const store = state();
    const source = new MemoryEventSource();
    const sink = new RecordingSink();
    const clock = new ManualClock(T0);
    const deps: RunDeps = {
      source,
      state: store,
      sink,
      clock,
      scorers: composeScorers({ stateful: false }),
      render: (finding) => ({
        subject: finding.severity,
        message: JSON.stringify({ default: finding.event.eventId }),
        attributes: { eventIds: { type: 'String.Array', value: JSON.stringify([finding.event.eventId]) } },
      }),
      renderDigest: (findings) => ({
        subject: 'digest',
        message: JSON.stringify({ default: findings.map((f) => f.event.eventId).join(',') }),
        attributes: {
          eventIds: { type: 'String.Array', value: JSON.stringify(findings.map((f) => f.event.eventId)) },
        },
      }),
      suppressions: emptySuppressions(),
    };
    const settings: RunSettings = {
      regions: [HOME],
      overlapMs: HOUR,
      initialLookbackMs: HOUR,
      sliceMs: HOUR,
      minSeverity: 'high',
      maxPagesPerRun: 100,
      alertRetentionMs: RETENTION_MS,
      maxOutboxPerRun: 100,
      maxAlertsPerRun: 10,
      repeatWindowMs: HOUR,
      schedulePeriodMs: 5 * MINUTE,
      lateAlertMs: 30 * MINUTE,
    };
    const run = (atMs: number, fail?: (deps: RunDeps) => RunDeps) => {
      clock.now = atMs;
      return runOnce(fail ? fail(deps) : deps, settings, {
        runId: `run-${atMs}`,
        windowEndMs: atMs,
        deadlineMs: atMs + MINUTE,
      });
    };
    const start = Math.ceil(T0 / HOUR) * HOUR;
    await run(start);
    const record = (offsetMs: number) => {
      const r = stopLogging(start + offsetMs, 'mallory');
      return {
        eventId: r.eventID,
        eventName: r.eventName,
        eventTimeMs: Date.parse(r.eventTime),
        body: JSON.stringify(r),
      };
    };
    const [lead, r1, r2, late] = [MINUTE, 2 * MINUTE, 3 * MINUTE, 50 * MINUTE].map(record);
    // The leader's run folds it first and dies before recording its alert; a concurrent reader
    // (another run, another page) folds two repeats under it.
    source.add(HOME, lead!, r1!, r2!);
    const crashOnLead = (d: RunDeps): RunDeps => ({
      ...d,
      state: {
        ...d.state,
        ledger: Object.assign(Object.create(d.state.ledger), {
          claimAlert: async () => {
            throw new Error('killed');
          },
        }),
      },
    });
    await run(start + 5 * MINUTE, crashOnLead);
    for (const repeat of [r1!, r2!]) {
      const parsed = parseCloudTrailEvent(repeat.body, repeat);
      if (!parsed.ok) throw new Error(parsed.reason);
      const [finding] = deps.scorers.engine.evaluate(parsed.event).findings;
      expect(
        await store.ledger.foldRepeat(repeatGroupOf(finding!, HOUR), memberOf(finding!), clock.now),
      ).toBe('folded');
    }
    // The leader's region stays unreadable until its group has closed with the two repeats.
    source.failNext = 1_000;
    source.add(HOME, late!);
    for (let t = start + HOUR; t <= start + 2 * HOUR; t += 5 * MINUTE) await run(t);
    source.failNext = 0;
    // Read again, the leader leads a new group in the same window, and the late repeat joins it;
    // that group too must close and send its repeat.
    for (let t = start + 2 * HOUR + 5 * MINUTE; t <= start + 2 * HOUR + 20 * MINUTE; t += 5 * MINUTE)
      await run(t);
    const sent = sink.published.flatMap((a) => JSON.parse(a.attributes.eventIds!.value) as string[]);
    expect([lead, r1, r2, late].map((e) => sent.filter((id) => id === e!.eventId).length)).toEqual([
      1, 1, 1, 1,
    ]);
    expect(await store.ledger.listEndedRepeats(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  });
});
