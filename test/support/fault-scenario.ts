// A simulated account for the fault-injection suite: a backlog and a day of live events in several
// regions, each visible after a random delay up to the maximum, driven through scheduled ticks of
// the real handler while CloudTrail, SNS and DynamoDB misbehave on a seeded schedule. The oracle is
// the pure engine; the verdict is read from what the local SNS server accepted.
import { Engine } from '../../lambda/core/engine';
import { normalizeRecord } from '../../lambda/core/event';
import type { RunDeps } from '../../lambda/core/run';
import { atLeast } from '../../lambda/core/types';
import { createHandler, type Handler } from '../../lambda/handler';
import type { RegionCursor } from '../../lambda/ports';
import { RULES } from '../../lambda/rules';
import type { DetectorHarness } from './detector-harness';
import { startFaultProxy } from './fault-proxy';
import { createRecordFactory } from './local-cloudtrail';
import { mulberry32 } from './net';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface ScenarioOptions {
  readonly seed: number;
  readonly regions: readonly string[];
  /** Events that happened in the day before the first run (the catch-up of the initial lookback). */
  readonly backlogEvents: number;
  /** Events during the simulated live period. */
  readonly liveEvents: number;
  readonly liveHours: number;
  /** Fraction of events that must alert (StopLogging, critical). */
  readonly alertFraction: number;
  /** Longest visibility delay drawn, in minutes (the guarantee's maximum delay). */
  readonly maxDelayMinutes: number;
  readonly faults: boolean;
  /** A deliberately broken handler, for the tests that show the suite can fail. */
  readonly invoke?: Handler;
  /**
   * Moves the wall clock forward (virtual time): ticks five minutes apart must also be five
   * minutes apart on the clock that leases and budgets use, as on the real schedule.
   */
  readonly advanceWallTo?: (ms: number) => void;
  /** Records every cursor write, to explain a miss (ignored when `invoke` is given). */
  readonly trace?: boolean;
}

export interface ScenarioResult {
  events: number;
  expectedAlerts: number;
  delivered: number;
  duplicates: number;
  missed: number;
  unexpected: number;
  faults: {
    cloudtrailThrottles: number;
    cloudtrailServerErrors: number;
    snsFailures: number;
    dynamodbThrottles: number;
    timeBudgetKills: number;
    crashesAfterAlerts: number;
    concurrentRuns: number;
    failedInvocations: number;
  };
  ticks: number;
  /** SNS messages accepted, and how many of the delivered alerts came inside a digest or repeat summary. */
  messages: number;
  deliveredInDigests: number;
  /** How the invocations ended: completed, skipped-lease-held, failed. */
  outcomes: Record<string, number>;
  /** The events behind any miss or duplicate, to debug from. */
  problems: Array<{
    kind: 'missed' | 'duplicate';
    eventId: string;
    region: string;
    eventTime: string;
    visibleAt: string;
    count: number;
    /** Successful LookupEvents answers that carried the event: 0 means a gap in the windows read. */
    timesReturned: number;
  }>;
  /** With `trace`: one line per cursor write and per invocation, in order. */
  trace: string[];
}

export function formatResult(r: ScenarioResult): string {
  const f = r.faults;
  const injected =
    f.cloudtrailThrottles +
    f.cloudtrailServerErrors +
    f.snsFailures +
    f.dynamodbThrottles +
    f.timeBudgetKills +
    f.crashesAfterAlerts +
    f.concurrentRuns;
  return (
    `events ${r.events}, expected alerts ${r.expectedAlerts}, delivered ${r.delivered}, ` +
    `duplicates ${r.duplicates}, missed ${r.missed}, faults injected ${injected} ` +
    `(CloudTrail throttles ${f.cloudtrailThrottles}, 5xx ${f.cloudtrailServerErrors}, SNS failures ${f.snsFailures}, ` +
    `DynamoDB throttles ${f.dynamodbThrottles}, time-budget stops ${f.timeBudgetKills}, ` +
    `crashes after alerts ${f.crashesAfterAlerts}, concurrent runs ${f.concurrentRuns}; ` +
    `failed invocations ${f.failedInvocations}), ticks ${r.ticks}, SNS messages ${r.messages} ` +
    `(${r.deliveredInDigests} alerts inside digests and repeat summaries)`
  );
}

interface PlannedEvent {
  readonly region: string;
  readonly record: Record<string, unknown> | string;
  readonly eventId: string;
  readonly eventName: string;
  readonly timeMs: number;
  readonly visibleAtMs: number;
}

export async function runScenario(h: DetectorHarness, o: ScenarioOptions): Promise<ScenarioResult> {
  const rand = mulberry32(o.seed);
  const makeRecord = createRecordFactory(o.seed);
  const start = h.t0 - Math.ceil(o.liveHours + 2) * HOUR;
  const liveEnd = start + o.liveHours * HOUR;
  const end = liveEnd + o.maxDelayMinutes * MINUTE + 2 * HOUR;

  const delay = (): number => {
    const r = rand();
    if (r < 0.7) return rand() * 5 * MINUTE;
    if (r < 0.95) return (5 + rand() * 25) * MINUTE;
    return (30 + rand() * (o.maxDelayMinutes - 30)) * MINUTE;
  };
  const planned: PlannedEvent[] = [];
  const plan = (timeMs: number): void => {
    const region = o.regions[Math.floor(rand() * o.regions.length)]!;
    const eventTime = new Date(Math.floor(timeMs / 1000) * 1000).toISOString();
    const r = rand();
    let record: Record<string, unknown> | string;
    if (r < o.alertFraction) {
      record = makeRecord({
        eventName: 'StopLogging',
        eventSource: 'cloudtrail.amazonaws.com',
        eventTime,
        awsRegion: region,
        readOnly: false,
        requestParameters: { name: `arn:aws:cloudtrail:${region}:111122223333:trail/main` },
      }) as unknown as Record<string, unknown>;
    } else if (r < o.alertFraction + 0.01) {
      record = makeRecord({
        eventName: 'ConsoleLogin',
        eventSource: 'signin.amazonaws.com',
        eventTime,
        awsRegion: region,
        readOnly: false,
        responseElements: { ConsoleLogin: 'Success' },
        additionalEventData: { MFAUsed: 'Yes' },
      }) as unknown as Record<string, unknown>;
    } else if (r < o.alertFraction + 0.0105) {
      record = `{"eventID":"broken-${planned.length}","eventName":"StopLogging","userIdent`;
    } else {
      const name = ['DescribeInstances', 'ListBuckets', 'GetCallerIdentity', 'Decrypt'][
        Math.floor(rand() * 4)
      ]!;
      record = makeRecord({
        eventName: name,
        eventSource: 'ec2.amazonaws.com',
        eventTime,
        awsRegion: region,
      }) as unknown as Record<string, unknown>;
    }
    const eventId = typeof record === 'string' ? `broken-${planned.length}` : String(record.eventID);
    const eventName = typeof record === 'string' ? 'StopLogging' : String(record.eventName);
    planned.push({ region, record, eventId, eventName, timeMs, visibleAtMs: timeMs + delay() });
  };
  for (let i = 0; i < o.backlogEvents; i++) plan(start - 24 * HOUR + rand() * 24 * HOUR);
  for (let i = 0; i < o.liveEvents; i++) plan(start + rand() * o.liveHours * HOUR);

  // The oracle: what the pure engine says must alert.
  const engine = new Engine(RULES);
  const expected = new Set<string>();
  for (const e of planned) {
    if (typeof e.record === 'string') continue;
    const parsed = normalizeRecord(e.record as never);
    if (!parsed.ok) continue;
    if (engine.evaluate(parsed.event).findings.some((f) => atLeast(f.severity, 'high')))
      expected.add(e.eventId);
  }

  const proxy = await startFaultProxy(h.dynamoEndpoint, { seed: o.seed });
  // A fresh table and empty servers first: reset() clears the local CloudTrail's events.
  await h.reset({
    AWS_ENDPOINT_URL_DYNAMODB: proxy.url,
    TRAILWATCH_REGIONS: o.regions.join(','),
    TRAILWATCH_OVERLAP_MINUTES: String(o.maxDelayMinutes),
    TRAILWATCH_INITIAL_LOOKBACK_MINUTES: String(24 * 60),
  });
  for (const e of planned) {
    h.cloudtrail.addEvent(e.region, e.record, {
      visibleAtMs: e.visibleAtMs,
      ...(typeof e.record === 'string'
        ? { envelope: { eventId: e.eventId, eventName: e.eventName, eventTimeMs: e.timeMs } }
        : {}),
    });
  }

  const result: ScenarioResult = {
    events: planned.length,
    expectedAlerts: expected.size,
    delivered: 0,
    duplicates: 0,
    missed: 0,
    unexpected: 0,
    faults: {
      cloudtrailThrottles: 0,
      cloudtrailServerErrors: 0,
      snsFailures: 0,
      dynamodbThrottles: 0,
      timeBudgetKills: 0,
      crashesAfterAlerts: 0,
      concurrentRuns: 0,
      failedInvocations: 0,
    },
    ticks: 0,
    messages: 0,
    deliveredInDigests: 0,
    outcomes: {},
    problems: [],
    trace: [],
  };
  const iso = (ms: number): string => new Date(ms).toISOString().slice(5, 19);
  const tracing = (deps: RunDeps): RunDeps => ({
    ...deps,
    state: Object.assign(Object.create(deps.state), {
      saveCursor: async (next: Parameters<RunDeps['state']['saveCursor']>[0], expected: RegionCursor) => {
        const p = next.inProgress;
        const line =
          `  cursor ${next.region} v${expected.version} ${iso(expected.processedUntilMs)} -> ${iso(next.processedUntilMs)}` +
          (p
            ? ` slice [${iso(p.startMs)}, ${iso(p.endMs)}] of ..${iso(p.sliceEndMs)}${p.nextToken ? ' +token' : ''}`
            : '');
        try {
          const saved = await deps.state.saveCursor(next, expected);
          result.trace.push(line);
          return saved;
        } catch (error) {
          result.trace.push(`${line} FAILED ${(error as Error).name}`);
          throw error;
        }
      },
    }),
  });
  const invokeWith: Handler | undefined =
    o.invoke ?? (o.trace ? createHandler({ wrapDeps: tracing }) : undefined);
  // Armed at random during faulty ticks, a crash waits for the next accepted alert: every further
  // lookup of that run then fails outright, as if the run died after the alert went out.
  let crashArmed = false;
  h.onPublish(() => {
    if (crashArmed) {
      crashArmed = false;
      result.faults.crashesAfterAlerts += 1;
      h.cloudtrail.failNext(1000, 'fatal');
    }
  });
  try {
    // A stretch of about two and a half hours with SNS down, a third of the way in.
    const snsDownFrom = start + (o.liveHours / 3) * HOUR;
    const snsDownTo = snsDownFrom + 2.5 * HOUR;
    const faultsUntil = liveEnd;
    const wallStart = Date.now();
    for (let t = start; t <= end; t += 5 * MINUTE) {
      o.advanceWallTo?.(wallStart + (t - start));
      result.ticks += 1;
      const faulty = o.faults && t < faultsUntil;
      h.cloudtrail.setFaults(
        faulty ? { throttleRate: 0.3, serverErrorRate: 0.05 } : { throttleRate: 0, serverErrorRate: 0 },
      );
      h.sns.setFailureRate(faulty ? 0.03 : 0);
      h.sns.setFailing(faulty && t >= snsDownFrom && t < snsDownTo ? 'InternalError' : false);
      proxy.setThrottleRate(faulty ? 0.05 : 0);
      const budgetKill = faulty && rand() < 0.06;
      if (faulty && rand() < 0.05) crashArmed = true;
      const concurrent = faulty && rand() < 0.04;
      if (budgetKill) result.faults.timeBudgetKills += 1;
      if (concurrent) result.faults.concurrentRuns += 1;
      const remaining = budgetKill ? 21_000 + rand() * 10_000 : 240_000;
      const invoke = (id: string) => {
        if (o.trace) result.trace.push(`tick ${iso(t)} ${id} budget ${Math.round(remaining)}`);
        return h.tick(t, id, remaining, invokeWith).then(
          (summary) => {
            result.outcomes[summary.status] = (result.outcomes[summary.status] ?? 0) + 1;
            if (o.trace) result.trace.push(`  end ${id} ${summary.status}`);
            return true;
          },
          (error: unknown) => {
            result.outcomes.failed = (result.outcomes.failed ?? 0) + 1;
            if (o.trace)
              result.trace.push(`  end ${id} failed ${(error as Error).name}: ${(error as Error).message}`);
            return false;
          },
        );
      };
      const outcomes = concurrent
        ? await Promise.all([invoke(`tick-${t}-a`), invoke(`tick-${t}-b`)])
        : [await invoke(`tick-${t}`)];
      // A crash ends with its run: its queued lookup failures must not spill into the next run.
      h.cloudtrail.clearFailNext();
      crashArmed = faulty && crashArmed;
      if (outcomes.some((ok) => !ok)) {
        result.faults.failedInvocations += 1;
        // Lambda retries a failed asynchronous invocation with the same event.
        const armed: boolean = crashArmed;
        crashArmed = false;
        await invoke(`tick-${t}-retry`);
        h.cloudtrail.clearFailNext();
        crashArmed = armed;
      }
    }
  } finally {
    h.onPublish(undefined);
    await proxy.close();
  }

  const stats = Object.values(h.cloudtrail.stats());
  result.faults.cloudtrailThrottles = stats.reduce((n, s) => n + s.injectedThrottles, 0);
  result.faults.cloudtrailServerErrors = stats.reduce((n, s) => n + s.serverErrors, 0);
  result.faults.snsFailures = h.sns.failures.total;
  result.faults.dynamodbThrottles = proxy.injected();

  const delivered = new Map<string, number>();
  for (const message of h.sns.published) {
    const ids = JSON.parse(message.attributes.eventIds?.value ?? '[]') as string[];
    for (const id of ids) delivered.set(id, (delivered.get(id) ?? 0) + 1);
    result.messages += 1;
    if (message.attributes.ruleId?.value === 'digest') result.deliveredInDigests += ids.length;
  }
  const byId = new Map(planned.map((e) => [e.eventId, e]));
  const describe = (kind: 'missed' | 'duplicate', id: string, count: number) => {
    const e = byId.get(id);
    result.problems.push({
      kind,
      eventId: id,
      region: e?.region ?? '?',
      eventTime: e ? new Date(e.timeMs).toISOString() : '?',
      visibleAt: e ? new Date(e.visibleAtMs).toISOString() : '?',
      count,
      timesReturned: h.cloudtrail.timesReturned(id),
    });
  };
  for (const [id, count] of delivered) {
    if (expected.has(id)) result.delivered += 1;
    else result.unexpected += 1;
    result.duplicates += count - 1;
    if (count > 1) describe('duplicate', id, count);
  }
  for (const id of expected) {
    if (!delivered.has(id)) {
      result.missed += 1;
      describe('missed', id, 0);
    }
  }
  return result;
}
