// A simulated account for the fault-injection suite: a backlog and a day of live events in several
// regions, each visible after a random delay up to the maximum, driven through scheduled ticks of
// the real handler while CloudTrail, SNS and DynamoDB misbehave on a seeded schedule. The oracle is
// the pure engine; the verdict is read from what the local SNS server accepted.
//
// The `anomalies` mix drives the first-seen and write-volume checks instead (learning period 0):
// principals writing from their usual network, region and client, now and then from elsewhere,
// and one principal writing in a burst. Which event introduces a value depends on the order events
// become visible, so that oracle is read from the table afterwards, and checked against the plan:
// every profile must hold exactly the values the plan's writes carry, every hour exactly the writes
// the plan put in it (up to its cap), and each recorded novelty and crossing must reach SNS once.

import { dynamoDbState } from '../../lambda/adapters/dynamodb';
import { Engine } from '../../lambda/core/engine';
import { normalizeRecord } from '../../lambda/core/event';
import { agentFamily, networkOf, type ProfileDimension } from '../../lambda/core/first-seen';
import type { RegionCursor } from '../../lambda/core/ports';
import type { RunDeps } from '../../lambda/core/run';
import { atLeast } from '../../lambda/core/types';
import { volumeCap } from '../../lambda/core/volume';
import { createHandler, type Handler } from '../../lambda/handler';
import { firstSeen, RULES } from '../../lambda/rules';
import { createRecordFactory } from '../../local/cloudtrail';
import { localDynamoDbClient } from '../../local/dynamodb';
import { startFaultProxy } from '../../local/fault-proxy';
import { mulberry32 } from '../../local/net';
import type { DetectorHarness } from './detector-harness';

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
  /** `alerts` (default): StopLogging among routine calls. `anomalies`: see the header. */
  readonly mix?: 'alerts' | 'anomalies';
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
    /** Invocations whose scheduled `time` was stale (a retry long after, a frozen schedule target). */
    staleTimes: number;
    /** Publishes SNS refused for good (KMSDisabled) for the poisoned alerts. */
    permanentRefusals: number;
    /** A `trailwatch poll --table` killed while holding the lease (it lapses), or one that hangs on. */
    abandonedLeases: number;
    /** Ticks where two runs both believed they held the lease. */
    doubleHolders: number;
    failedInvocations: number;
  };
  ticks: number;
  /** SNS messages accepted, and how many of the delivered alerts came inside a digest or repeat summary. */
  messages: number;
  deliveredInDigests: number;
  /**
   * Alerts delivered inside a repeat summary, and how many of them reached SNS within one repeat
   * window and two schedule periods of becoming visible; `foldedLate` lists the others, with how late.
   */
  folded: number;
  foldedInBound: number;
  foldedLate: Array<{
    eventId: string;
    visibleAt: string;
    deliveredAt: string;
    minutes: number;
    /**
     * What held it: SNS down, SNS refusing its summary for good (a poisoned alert inside), or its
     * region behind (catching up the backlog, or slowed by faults: the lag alarm's case).
     */
    cause: 'sns-outage' | 'refused-summary' | 'region-behind' | 'unexplained';
  }>;
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
  /** `anomalies` mix: where the table disagrees with the plan (empty when all is well). */
  stateMismatches: string[];
  /** `anomalies` mix: expected alerts by rule id. */
  expectedByRule: Record<string, number>;
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
    f.concurrentRuns +
    f.staleTimes +
    f.permanentRefusals +
    f.abandonedLeases +
    f.doubleHolders;
  return (
    `events ${r.events}, expected alerts ${r.expectedAlerts}, delivered ${r.delivered}, ` +
    `duplicates ${r.duplicates}, missed ${r.missed}, faults injected ${injected} ` +
    `(CloudTrail throttles ${f.cloudtrailThrottles}, 5xx ${f.cloudtrailServerErrors}, SNS failures ${f.snsFailures}, ` +
    `DynamoDB throttles ${f.dynamodbThrottles}, time-budget stops ${f.timeBudgetKills}, ` +
    `crashes after alerts ${f.crashesAfterAlerts}, concurrent runs ${f.concurrentRuns}, ` +
    `stale scheduled times ${f.staleTimes}, permanent SNS refusals ${f.permanentRefusals}, ` +
    `abandoned leases ${f.abandonedLeases}, two lease holders ${f.doubleHolders}; ` +
    `failed invocations ${f.failedInvocations}), ticks ${r.ticks}, SNS messages ${r.messages} ` +
    `(${r.deliveredInDigests} alerts inside digests and repeat summaries` +
    (r.folded > 0
      ? `; ${r.folded} folded repeats, ${r.foldedInBound} of them delivered within the repeat window ` +
        'and two schedule periods of becoming visible)'
      : ')')
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
  const anomalies = o.mix === 'anomalies';
  /** Anomaly mix: a user's call, usually from its home network, region and client. */
  const planWrite = (timeMs: number, user: number, write = rand() < 0.8): void => {
    const home = o.regions[user % o.regions.length]!;
    const region = rand() < 0.03 ? o.regions[Math.floor(rand() * o.regions.length)]! : home;
    const r = rand();
    const away = r < 0.02 ? { sourceIPAddress: `198.51.100.${1 + Math.floor(rand() * 254)}` } : {};
    const client =
      r < 0.01 ? { userAgent: 'Boto3/1.34.0 Pacu/1.5.2' } : r < 0.03 ? { userAgent: 'Terraform/1.9.0' } : {};
    const record = makeRecord({
      eventName: write ? 'CreateTags' : 'DescribeInstances',
      eventSource: 'ec2.amazonaws.com',
      eventTime: new Date(Math.floor(timeMs / 1000) * 1000).toISOString(),
      awsRegion: region,
      userName: `user-${user}`,
      ...away,
      ...client,
    }) as unknown as Record<string, unknown>;
    const eventId = String(record.eventID);
    planned.push({
      region,
      record,
      eventId,
      eventName: String(record.eventName),
      timeMs,
      visibleAtMs: timeMs + delay(),
    });
  };
  const plan = (timeMs: number): void => {
    if (anomalies) {
      planWrite(timeMs, Math.floor(rand() * ANOMALY_USERS));
      return;
    }
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
  if (anomalies) {
    // One user writes in a burst: 150 writes within the second live hour, against a floor of 100.
    // A few writes the day before make it known before that hour starts.
    for (let i = 0; i < 5; i++) planWrite(start - 12 * HOUR + i * MINUTE, ANOMALY_USERS, true);
    const burstHour = Math.floor((start + HOUR) / HOUR) * HOUR + HOUR;
    for (let i = 0; i < 150; i++) planWrite(burstHour + rand() * 50 * MINUTE, ANOMALY_USERS, true);
  }

  // The oracle: what the pure engine says must alert.
  const engine = new Engine(RULES);
  const expected = new Set<string>();
  for (const e of planned) {
    if (typeof e.record === 'string') continue;
    const parsed = normalizeRecord(e.record as never);
    if (!parsed.ok) continue;
    if (anomalies) {
      // Alerts at medium and above, by event and rule: an event may also be a novelty.
      for (const f of engine.evaluate(parsed.event).findings) {
        if (atLeast(f.severity, 'medium')) expected.add(`${e.eventId}#${f.ruleId}`);
      }
    } else if (engine.evaluate(parsed.event).findings.some((f) => atLeast(f.severity, 'high')))
      expected.add(e.eventId);
  }

  const proxy = await startFaultProxy(h.dynamoEndpoint, { seed: o.seed });
  // A fresh table and empty servers first: reset() clears the local CloudTrail's events.
  await h.reset({
    AWS_ENDPOINT_URL_DYNAMODB: proxy.url,
    TRAILWATCH_REGIONS: o.regions.join(','),
    TRAILWATCH_OVERLAP_MINUTES: String(o.maxDelayMinutes),
    TRAILWATCH_INITIAL_LOOKBACK_MINUTES: String(24 * 60),
    ...(anomalies
      ? {
          // Judge from the first event on, alert at medium, and send each alert on its own, so
          // that every delivery can be told apart by event and rule.
          TRAILWATCH_FIRST_SEEN_LEARNING_DAYS: '0',
          TRAILWATCH_MIN_SEVERITY: 'medium',
          TRAILWATCH_REPEAT_WINDOW_MINUTES: '0',
          TRAILWATCH_MAX_ALERTS_PER_RUN: '1000',
        }
      : {}),
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
      staleTimes: 0,
      permanentRefusals: 0,
      abandonedLeases: 0,
      doubleHolders: 0,
      failedInvocations: 0,
    },
    ticks: 0,
    messages: 0,
    deliveredInDigests: 0,
    folded: 0,
    foldedInBound: 0,
    foldedLate: [],
    outcomes: {},
    problems: [],
    trace: [],
    stateMismatches: [],
    expectedByRule: {},
  };
  const iso = (ms: number): string => new Date(ms).toISOString().slice(5, 19);
  const tracing = (deps: RunDeps): RunDeps => ({
    ...deps,
    state: {
      ...deps.state,
      runs: Object.assign(Object.create(deps.state.runs), {
        saveCursor: async (
          next: Parameters<RunDeps['state']['runs']['saveCursor']>[0],
          expected: RegionCursor,
        ) => {
          const p = next.inProgress;
          const line =
            `  cursor ${next.region} v${expected.version} ${iso(expected.processedUntilMs)} -> ${iso(next.processedUntilMs)}` +
            (p
              ? ` slice [${iso(p.startMs)}, ${iso(p.endMs)}] of ..${iso(p.sliceEndMs)}${p.nextToken ? ' +token' : ''}`
              : '');
          try {
            const saved = await deps.state.runs.saveCursor(next, expected);
            result.trace.push(line);
            return saved;
          } catch (error) {
            result.trace.push(`${line} FAILED ${(error as Error).name}`);
            throw error;
          }
        },
      }),
    },
  });
  const invokeWith: Handler | undefined =
    o.invoke ?? (o.trace ? createHandler({ wrapDeps: tracing, clock: h.clock }) : undefined);
  // Two runs that both believe they hold the lease (an owner mix-up, a host with a wrong clock).
  const bypassLease = (deps: RunDeps): RunDeps => ({
    ...deps,
    state: {
      ...deps.state,
      runs: Object.assign(Object.create(deps.state.runs), { acquireLease: async () => ({ acquired: true }) }),
    },
  });
  const leaseBlind = o.invoke
    ? undefined
    : [0, 1].map(() => createHandler({ wrapDeps: bypassLease, clock: h.clock }));
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
  // A few alerts SNS refuses for good (their topic key disabled, say) for most of the live day: set
  // aside after three refusals, they must go out once, on the hourly retry, after it is fixed.
  const plannedTime = new Map(planned.map((e) => [e.eventId, e.timeMs]));
  const poisoned = new Set(
    anomalies || !o.faults
      ? []
      : [...expected]
          .filter(
            (id) => plannedTime.get(id)! > start && plannedTime.get(id)! < start + (o.liveHours / 3) * HOUR,
          )
          .slice(0, 3),
  );
  const refuseUntil = start + (o.liveHours * 2 * HOUR) / 3;
  const store = dynamoDbState({
    tableName: h.tableName(),
    alertRetentionMs: 14 * 24 * HOUR,
    client: localDynamoDbClient(h.dynamoEndpoint, 3),
  }).runs;
  // A stretch of about two and a half hours with SNS down, a third of the way in.
  const snsDownFrom = start + (o.liveHours / 3) * HOUR;
  const snsDownTo = snsDownFrom + 2.5 * HOUR;
  // Per region, the ticks after which its cursor trailed the tick by more than two periods.
  const behind = new Map<string, Set<number>>(o.regions.map((r) => [r, new Set<number>()]));
  try {
    // An hour in which the schedule target sends one frozen `time`, half-way.
    const frozenFrom = start + (o.liveHours / 2) * HOUR;
    // A poll killed while holding the lease, and one that hangs on to it for 25 minutes.
    const killedAt = start + (o.liveHours / 4) * HOUR;
    const hangsAt = start + ((o.liveHours * 3) / 4) * HOUR;
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
      h.sns.refuseWhen(
        poisoned.size > 0 && t < refuseUntil
          ? ({ attributes }) => {
              const ids = JSON.parse(attributes.eventIds?.value ?? '[]') as string[];
              if (!ids.some((id) => poisoned.has(id))) return undefined;
              result.faults.permanentRefusals += 1;
              return 'KMSDisabled';
            }
          : undefined,
      );
      proxy.setThrottleRate(faulty ? 0.05 : 0);
      if (faulty && t === killedAt) {
        // Renewed moments before the process was killed: it lapses within two minutes.
        const taken = await store.acquireLease({
          owner: 'cli-killed',
          nowMs: t - 10_000,
          durationMs: 2 * MINUTE,
          expectedEndMs: t + 10 * MINUTE,
        });
        if (taken.acquired) result.faults.abandonedLeases += 1;
      }
      if (faulty && t === hangsAt) {
        const taken = await store.acquireLease({
          owner: 'cli-hung',
          nowMs: t,
          durationMs: 25 * MINUTE,
          expectedEndMs: t - 5 * MINUTE,
        });
        if (taken.acquired) result.faults.abandonedLeases += 1;
      }
      const budgetKill = faulty && rand() < 0.06;
      if (faulty && rand() < 0.05) crashArmed = true;
      const concurrent = faulty && rand() < 0.04;
      const doubleHolder = faulty && leaseBlind !== undefined && rand() < 0.02;
      const frozen = faulty && t >= frozenFrom && t < frozenFrom + HOUR;
      const stale = frozen || (faulty && rand() < 0.03);
      if (budgetKill) result.faults.timeBudgetKills += 1;
      if (concurrent) result.faults.concurrentRuns += 1;
      if (doubleHolder) result.faults.doubleHolders += 1;
      if (stale) result.faults.staleTimes += 1;
      const remaining = budgetKill ? 21_000 + rand() * 10_000 : 240_000;
      const scheduled = new Date(frozen ? frozenFrom : stale ? t - 30 * MINUTE : t).toISOString();
      const invoke = (id: string, handler = invokeWith) => {
        if (o.trace) result.trace.push(`tick ${iso(t)} ${id} budget ${Math.round(remaining)}`);
        return h.invokeAt(t, scheduled, { requestId: id, remainingMs: remaining, invoke: handler }).then(
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
      const ids = concurrent || doubleHolder ? [`tick-${t}-a`, `tick-${t}-b`] : [`tick-${t}`];
      const outcomes = await Promise.all(
        ids.map((id, i) => invoke(id, doubleHolder ? leaseBlind![i] : invokeWith)),
      );
      // A crash ends with its run: its queued lookup failures must not spill into the next run.
      h.cloudtrail.clearFailNext();
      crashArmed = faulty && crashArmed;
      const failed = ids.find((_, i) => !outcomes[i]);
      if (failed !== undefined) {
        result.faults.failedInvocations += 1;
        // Lambda retries a failed asynchronous invocation with the same event and request id.
        const armed: boolean = crashArmed;
        crashArmed = false;
        await invoke(failed);
        h.cloudtrail.clearFailNext();
        crashArmed = armed;
      }
      for (const region of o.regions) {
        if (((await h.cursorOf(region)) ?? 0) < t - 10 * MINUTE) behind.get(region)!.add(t);
      }
    }
  } finally {
    h.onPublish(undefined);
    h.sns.refuseWhen(undefined);
    await proxy.close();
  }

  const stats = Object.values(h.cloudtrail.stats());
  result.faults.cloudtrailThrottles = stats.reduce((n, s) => n + s.injectedThrottles, 0);
  result.faults.cloudtrailServerErrors = stats.reduce((n, s) => n + s.serverErrors, 0);
  result.faults.snsFailures = h.sns.failures.total;
  result.faults.dynamodbThrottles = proxy.injected();

  if (anomalies) {
    for (const key of await anomalyOracle(h, planned, result.stateMismatches)) expected.add(key);
    for (const key of expected) {
      const rule = key.slice(key.indexOf('#') + 1);
      result.expectedByRule[rule] = (result.expectedByRule[rule] ?? 0) + 1;
    }
  }
  result.expectedAlerts = expected.size;
  const delivered = new Map<string, number>();
  for (const message of h.sns.published) {
    const ids = JSON.parse(message.attributes.eventIds?.value ?? '[]') as string[];
    const rule = message.attributes.ruleId?.value ?? '';
    for (const id of ids) {
      const key = anomalies ? `${id}#${rule}` : id;
      delivered.set(key, (delivered.get(key) ?? 0) + 1);
    }
    result.messages += 1;
    if (message.attributes.ruleId?.value === 'digest') result.deliveredInDigests += ids.length;
  }
  const byId = new Map(planned.map((e) => [e.eventId, e]));
  // Repeat summaries: how long after becoming visible each folded alert reached SNS. The backlog
  // was visible before the detector existed: for it, the clock starts at the first run.
  const bound = 60 * MINUTE + 2 * 5 * MINUTE;
  h.sns.deliveries('https').forEach((delivery, i) => {
    const doc = JSON.parse(delivery.body) as { repeatsOf?: unknown };
    if (doc.repeatsOf === undefined) return;
    // The tick of the run that sent it: the bound is in schedule periods.
    const receivedAt =
      start + Math.floor((h.sns.published[i]!.receivedAtMs - start) / (5 * MINUTE)) * 5 * MINUTE;
    const ids = JSON.parse(delivery.attributes.eventIds?.value ?? '[]') as string[];
    const withPoisoned = ids.some((id) => poisoned.has(id));
    for (const id of ids) {
      const e = byId.get(id);
      if (e === undefined) continue;
      result.folded += 1;
      const visibleMs = Math.max(e.visibleAtMs, start);
      const late = receivedAt - visibleMs;
      if (late <= bound) result.foldedInBound += 1;
      else {
        result.foldedLate.push({
          eventId: id,
          visibleAt: new Date(visibleMs).toISOString(),
          deliveredAt: new Date(receivedAt).toISOString(),
          minutes: Math.round(late / MINUTE),
          cause: withPoisoned
            ? 'refused-summary'
            : visibleMs < snsDownTo && receivedAt > snsDownFrom
              ? 'sns-outage'
              : [...behind.get(e.region)!].some((t) => t >= visibleMs - 5 * MINUTE && t < receivedAt)
                ? 'region-behind'
                : 'unexplained',
        });
      }
    }
  });
  const describe = (kind: 'missed' | 'duplicate', key: string, count: number) => {
    const id = key.split('#')[0]!;
    const e = byId.get(id);
    result.problems.push({
      kind,
      eventId: key,
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

/** Users of the anomaly mix; one more (the last) writes the burst. */
const ANOMALY_USERS = 6;

/**
 * The anomaly mix's expected alerts (`eventId#ruleId`), read from the table; every disagreement
 * between the table and the plan goes to `mismatches`.
 */
async function anomalyOracle(
  h: DetectorHarness,
  planned: readonly PlannedEvent[],
  mismatches: string[],
): Promise<string[]> {
  const state = dynamoDbState({
    tableName: h.tableName(),
    alertRetentionMs: 14 * 24 * HOUR,
    client: localDynamoDbClient(h.dynamoEndpoint, 3),
  }).profiles;
  const expected: string[] = [];
  const byUser = new Map<string, Array<Record<string, unknown>>>();
  for (const e of planned) {
    if (typeof e.record === 'string' || e.eventName !== 'CreateTags') continue;
    const arn = String((e.record.userIdentity as { arn: string }).arn);
    byUser.set(arn, [...(byUser.get(arn) ?? []), e.record]);
  }
  for (const [arn, writes] of byUser) {
    const profile = await state.getProfile(arn);
    if (profile === undefined) {
      mismatches.push(`${arn}: no profile`);
      continue;
    }
    // The profile holds exactly the values its writes carry.
    const want = new Set<string>();
    for (const w of writes) {
      want.add(`network|${networkOf(String(w.sourceIPAddress))}`);
      want.add(`region|${String(w.awsRegion)}`);
      want.add(`agent|${agentFamily(String(w.userAgent))}`);
    }
    const have = new Set(profile.values.keys());
    for (const v of want) if (!have.has(v)) mismatches.push(`${arn}: profile lacks ${v}`);
    for (const v of have) if (!want.has(v)) mismatches.push(`${arn}: profile has unplanned ${v}`);
    // Novelties: the dimensions each introducing event brought, judged as the tracker does.
    const introduced = new Map<string, ProfileDimension[]>();
    for (const [key, value] of profile.values) {
      if (value.timeMs < profile.firstSeenMs) continue;
      const dims = introduced.get(value.eventId) ?? [];
      dims.push(key.slice(0, key.indexOf('|')) as ProfileDimension);
      introduced.set(value.eventId, dims);
    }
    for (const [eventId, dims] of introduced) {
      if (atLeast(firstSeen.severity(dims), 'medium')) expected.push(`${eventId}#anomaly.first-seen`);
    }
    // Every hour counted exactly the writes planned in it, up to its cap.
    const hours = new Map<number, Set<string>>();
    for (const w of writes) {
      const hour = Math.floor(Date.parse(String(w.eventTime)) / HOUR) * HOUR;
      hours.set(hour, (hours.get(hour) ?? new Set()).add(String(w.eventID)));
    }
    for (const [hour, ids] of hours) {
      const volume = await state.getWriteVolume(arn, hour);
      const want = Math.min(ids.size, volumeCap(volume?.threshold ?? 0));
      if (volume?.count !== want) {
        mismatches.push(`${arn} ${new Date(hour).toISOString()}: counted ${volume?.count}, planned ${want}`);
      }
      if (volume?.crossedBy) expected.push(`${volume.crossedBy}#anomaly.write-volume`);
    }
  }
  return expected;
}
