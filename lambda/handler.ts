// The Lambda entry point: configuration, the AWS adapters and the clock, put together by
// compose.ts, then one run; its report is logged and its metrics emitted.
import { randomUUID } from 'node:crypto';
import { CloudTrailEventSource } from './adapters/cloudtrail-source';
import { dynamoDbState } from './adapters/dynamodb';
import { SnsAlertSink } from './adapters/sns-sink';
import { composeRunDeps, composeScorers, DETECTION_IDS } from './compose';
import { type DetectorConfig, loadConfig } from './config';
import type { Clock } from './core/ports';
import { type RunDeps, type RunReport, type RunSettings, runOnce } from './core/run';
import { MAX_OUTBOX_PER_RUN, SAFETY_MARGIN_MS } from './core/settings';
import { emitMetric, logJson, METRIC_NAMESPACE } from './log';
import { createOutputs } from './outputs';
import { logReport, problemsOf, type RunSummary, summarize, windowEnd } from './run-report';

export { type RunSummary, windowEnd };

/** The part of the Lambda context the handler uses. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
  /** `arn:aws:lambda:<region>:<account>:function:<name>`: names the account the function runs in. */
  readonly invokedFunctionArn?: string;
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
    state: dynamoDbState({
      tableName: config.tableName,
      alertRetentionMs: config.alertRetentionMs,
      outputs: config.outputs.selections,
    }),
    sink: new SnsAlertSink({ topicArn: config.topicArn }),
    outputs: createOutputs(config.outputs),
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
    emitMetrics(report, runtime.config.metricsId, runtime.deps.clock.nowMs());
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

/** Per age band of `RegionReport.firstReadAges`, the metric that counts its events. */
export const FIRST_READ_METRICS = {
  '5': 'EventsFirstReadUnder5Min',
  '15': 'EventsFirstRead5To15Min',
  '30': 'EventsFirstRead15To30Min',
  '60': 'EventsFirstRead30To60Min',
  more: 'EventsFirstReadOver60Min',
} as const;

export { METRIC_NAMESPACE };

/**
 * Embedded Metric Format lines, which CloudWatch turns into metrics that the stack alarms on:
 * per region `LagSeconds`, how far the fully processed time trails the wall clock (so a region
 * that stays blind, or a lease never given up, raises one alarm, not one per run); and
 * `AlertsSetAside`, how many alerts SNS refused for good and the table keeps; and per region how late
 * events are first read (`FIRST_READ_METRICS`): what to look at before changing the overlap.
 */
function emitMetrics(report: RunReport, stackName: string, nowMs: number): void {
  const line = (
    dimensions: string[],
    metric: string,
    unit: string,
    values: Record<string, string | number>,
  ) => emitMetric(stackName, nowMs, dimensions, metric, unit, values);
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
  emitOutputMetrics(report, line);
}

/**
 * Per output that is on, after the run's deliveries: `OutputQueued`, the entries still waiting, and
 * `OutputOldestAgeSeconds`, the age of the oldest of them (0 when none waits), which the output's
 * alarm watches. Not emitted when no output is on.
 */
export function emitOutputMetrics(
  report: RunReport,
  line: (dimensions: string[], metric: string, unit: string, values: Record<string, string | number>) => void,
): void {
  for (const output of report.outputs) {
    if (output.error !== undefined && output.queued === 0 && !Number.isFinite(output.oldestAgeMs)) {
      // The queue could not be read: no figure rather than a reassuring zero.
      continue;
    }
    line(['StackName', 'Output'], 'OutputQueued', 'Count', {
      Output: output.output,
      OutputQueued: output.left,
    });
    line(['StackName', 'Output'], 'OutputOldestAgeSeconds', 'Seconds', {
      Output: output.output,
      OutputOldestAgeSeconds: Number.isFinite(output.oldestAgeMs) ? Math.round(output.oldestAgeMs / 1000) : 0,
    });
  }
}
