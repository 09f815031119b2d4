// The Lambda entry point: configuration, the AWS adapters and the clock, put together by
// compose.ts, then one run; its report is logged and its metrics emitted.
import { randomUUID } from 'node:crypto';
import { CloudTrailEventSource } from './adapters/cloudtrail-source';
import { dynamoDbState } from './adapters/dynamodb';
import { SnsAlertSink } from './adapters/sns-sink';
import { composeRunDeps, composeScorers, DETECTION_IDS } from './compose';
import { type DetectorConfig, loadConfig } from './config';
import type { Clock } from './core/ports';
import { formatError, type RunDeps, type RunReport, type RunSettings, runOnce } from './core/run';
import { MAX_OUTBOX_PER_RUN, SAFETY_MARGIN_MS } from './core/settings';
import { logJson } from './log';

/** The part of the Lambda context the handler uses. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
}

export class RunIncompleteError extends Error {
  override readonly name = 'RunIncompleteError';
}

interface Runtime {
  readonly config: DetectorConfig;
  readonly settings: RunSettings;
  readonly deps: RunDeps;
}

/**
 * Changes to the composition, for tests that prove the guarantees fail without their mechanism
 * (no overlap, no idempotency record). Production uses none.
 */
export interface HandlerOverrides {
  readonly settings?: Partial<RunSettings>;
  readonly wrapDeps?: (deps: RunDeps) => RunDeps;
  /** The wall clock; simulations of past days pass their own. */
  readonly clock?: Clock;
}

export type Handler = ((event: unknown, context: InvocationContext) => Promise<RunSummary>) & {
  /** Forget the warm runtime so the next invocation reads the environment again. */
  reset(): void;
};

/** Built on the first invocation and kept warm; a bad environment fails here, naming the variable. */
function init(overrides: HandlerOverrides): Runtime {
  const config = loadConfig(process.env, Date.now(), DETECTION_IDS);
  const deps = composeRunDeps({
    source: new CloudTrailEventSource(),
    state: dynamoDbState({ tableName: config.tableName, alertRetentionMs: config.alertRetentionMs }),
    sink: new SnsAlertSink({ topicArn: config.topicArn }),
    clock: overrides.clock ?? { nowMs: () => Date.now() },
    scorers: composeScorers({ ownResources: config.ownResources, firstSeen: config.firstSeen }),
    suppressions: config.suppressions,
  });
  const settings: RunSettings = { ...config, maxOutboxPerRun: MAX_OUTBOX_PER_RUN, ...overrides.settings };
  return { config, settings, deps: overrides.wrapDeps ? overrides.wrapDeps(deps) : deps };
}

export function createHandler(overrides: HandlerOverrides = {}): Handler {
  let runtime: Runtime | undefined;
  const invoke = async (event: unknown, context: InvocationContext): Promise<RunSummary> => {
    runtime ??= init(overrides);
    const wallNow = runtime.deps.clock.nowMs();
    const window = windowEnd(event, wallNow, runtime.settings.schedulePeriodMs);
    if (window.staleScheduledMs !== undefined) {
      // A schedule target with a constant `time` would otherwise read nothing new, ever.
      logJson('warn', 'stale scheduled time', {
        scheduledTime: new Date(window.staleScheduledMs).toISOString(),
        readUntil: new Date(window.endMs).toISOString(),
      });
    }
    const report = await runOnce(runtime.deps, runtime.settings, {
      runId: context.awsRequestId || randomUUID(),
      windowEndMs: window.endMs,
      deadlineMs: wallNow + Math.max(0, context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS),
    });
    logReport(report);
    emitMetrics(report, runtime.config.ownResources.stackName ?? 'trailwatch', runtime.deps.clock.nowMs());
    const summary = summarize(report);
    if (report.status === 'incomplete') {
      // A failed invocation shows on the Errors alarm and is retried; the cursor has not moved
      // past anything left undone, so the retry is safe.
      throw new RunIncompleteError(`run incomplete: ${problemsOf(report).join('; ')}`);
    }
    return summary;
  };
  return Object.assign(invoke, {
    reset: () => {
      runtime = undefined;
    },
  });
}

/** The Lambda entry point. */
export const handler: Handler = createHandler();

/**
 * The window ends at the invocation's scheduled time (EventBridge's `time`), so a retried
 * invocation covers the same window. Without one, or with a time in the future, it ends at the
 * wall clock; so it does with a time more than two schedule periods old, which only a retry long
 * after the fact or a schedule target with a constant input sends: reading up to a fixed time
 * would leave the detector reading nothing new while it reports itself healthy.
 */
export function windowEnd(
  event: unknown,
  wallNowMs: number,
  schedulePeriodMs: number,
): { endMs: number; staleScheduledMs?: number } {
  const time = typeof event === 'object' && event !== null ? (event as { time?: unknown }).time : undefined;
  const scheduled = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  if (!Number.isFinite(scheduled) || scheduled > wallNowMs) return { endMs: wallNowMs };
  if (wallNowMs - scheduled > 2 * schedulePeriodMs) return { endMs: wallNowMs, staleScheduledMs: scheduled };
  return { endMs: scheduled };
}

export interface RunSummary {
  readonly runId: string;
  readonly status: RunReport['status'];
  readonly windowEnd: string;
  readonly durationMs: number;
  readonly regions: readonly string[];
  readonly pages: number;
  readonly events: number;
  /** Counted but not parsed: no rule looks at them. */
  readonly unwatchedEvents: number;
  readonly unparseableEvents: number;
  readonly ruleFailures: number;
  readonly findingsBySeverity: RunReport['totals']['findingsBySeverity'];
  readonly alertsSent: number;
  readonly digestsSent: number;
  /** Repeats folded into a group this run; they go out in its summary. */
  readonly alertsFolded: number;
  /** Alerts set aside in the table (refused for good by SNS, or unreadable), after this run. */
  readonly alertsSetAside: number;
}

function summarize(report: RunReport): RunSummary {
  return {
    runId: report.runId,
    status: report.status,
    windowEnd: new Date(report.windowEndMs).toISOString(),
    durationMs: report.durationMs,
    regions: report.regions.map((r) => r.region),
    pages: report.totals.pages,
    events: report.totals.events,
    unwatchedEvents: report.totals.unwatchedEvents,
    unparseableEvents: report.totals.unparseableEvents,
    ruleFailures: report.totals.ruleFailures,
    findingsBySeverity: report.totals.findingsBySeverity,
    alertsSent: report.totals.alertsSent,
    digestsSent: report.totals.digestsSent,
    alertsFolded: report.totals.alertsFolded,
    alertsSetAside: report.outbox.setAsideTotal,
  };
}

/** Per age band of `RegionReport.firstReadAges`, the metric that counts its events. */
export const FIRST_READ_METRICS = {
  '5': 'EventsFirstReadUnder5Min',
  '15': 'EventsFirstRead5To15Min',
  '30': 'EventsFirstRead15To30Min',
  '60': 'EventsFirstRead30To60Min',
  more: 'EventsFirstReadOver60Min',
} as const;

/** CloudWatch metric namespace of the detector's metrics (Embedded Metric Format, no API call needed). */
export const METRIC_NAMESPACE = 'Trailwatch';

/**
 * Embedded Metric Format lines, which CloudWatch turns into metrics that the stack alarms on:
 * per region `LagSeconds`, how far the fully processed time trails the wall clock (so a region
 * that stays blind, or a lease never given up, raises one alarm, not one per run); and
 * `AlertsSetAside`, how many alerts SNS refused for good and the table keeps; and per region how late
 * events are first read (`FIRST_READ_METRICS`): what to look at before changing the overlap.
 */
function emitMetrics(report: RunReport, stackName: string, nowMs: number): void {
  if (process.env.TRAILWATCH_METRICS === 'off') return;
  const line = (
    dimensions: string[],
    metric: string,
    unit: string,
    values: Record<string, string | number>,
  ) =>
    process.stdout.write(
      `${JSON.stringify({
        _aws: {
          Timestamp: nowMs,
          CloudWatchMetrics: [
            {
              Namespace: METRIC_NAMESPACE,
              Dimensions: [dimensions],
              Metrics: [{ Name: metric, Unit: unit }],
            },
          ],
        },
        StackName: stackName,
        ...values,
      })}\n`,
    );
  for (const region of report.regions) {
    if (!Number.isFinite(region.lagMs)) continue;
    line(['StackName', 'Region'], 'LagSeconds', 'Seconds', {
      Region: region.region,
      LagSeconds: Math.round(region.lagMs / 1000),
    });
    // How late events are first read: one count per age band (FIRST_READ_METRICS).
    for (const [band, name] of Object.entries(FIRST_READ_METRICS)) {
      const count = region.firstReadAges[band as keyof typeof FIRST_READ_METRICS];
      if (count > 0) line(['StackName', 'Region'], name, 'Count', { Region: region.region, [name]: count });
    }
  }
  if (Number.isFinite(report.outbox.setAsideTotal) && report.status !== 'skipped-lease-held') {
    line(['StackName'], 'AlertsSetAside', 'Count', { AlertsSetAside: report.outbox.setAsideTotal });
  }
}

function logReport(report: RunReport): void {
  for (const finding of report.findings) logJson('info', 'finding', { ...finding });
  for (const problem of report.problems) logJson('warn', problem.kind, { ...problem });
  // Each names the alert (`eventId#ruleId`) kept under `pk = aside` in the table.
  for (const entry of report.outbox.setAsideEntries) logJson('error', 'alert set aside', { ...entry });
  logJson(report.status === 'incomplete' ? 'error' : 'info', 'run summary', {
    ...summarize(report),
    outbox: { ...report.outbox, setAsideEntries: undefined },
    repeats: report.repeats,
    ...(report.lease ? { lease: report.lease } : {}),
    regionDetails: report.regions.map((r) => ({
      ...r,
      cursorBefore: isoOrNull(r.cursorBeforeMs),
      cursorAfter: isoOrNull(r.cursorAfterMs),
    })),
  });
}

function problemsOf(report: RunReport): string[] {
  const problems = report.regions
    .filter(
      (r) =>
        r.error !== undefined ||
        !['caught-up', 'page-limit', 'time-budget', 'skipped-lease-held'].includes(r.outcome),
    )
    .map((r) => `${r.region}: ${r.outcome}${r.error ? ` (${formatError(r.error)})` : ''}`);
  if (report.repeats.error) problems.unshift(`repeats: ${formatError(report.repeats.error)}`);
  if (report.outbox.error) problems.unshift(`outbox: ${formatError(report.outbox.error)}`);
  if (report.lease?.problem) problems.unshift(`lease: ${report.lease.problem}`);
  return problems;
}

function isoOrNull(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
