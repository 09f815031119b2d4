// The organization worker, fed by the work queue: each message is one member account in one
// region, read with that account's role session under the pair's own lease and cursor, scored
// and delivered exactly as the single detector does. A pair that fails is retried by the queue
// (reported as a batch item failure) and never holds up another pair's message.
import { STSClient } from '@aws-sdk/client-sts';
import { CloudTrailEventSource } from '../adapters/cloudtrail-source';
import { dynamoDbPairs, dynamoDbState } from '../adapters/dynamodb';
import { DynamoDBClient } from '../adapters/dynamodb/sdk';
import { memberCredentials } from '../adapters/member-credentials';
import { SnsAlertSink } from '../adapters/sns-sink';
import { composeRunDeps, composeScorers, DETECTION_IDS } from '../compose';
import { type DetectorConfig, loadConfig, loadOrganizationConfig, type OrganizationConfig } from '../config';
import { type MemberPair, pairLabel, pairScope, parseWorkItem, type WorkItem } from '../core/organization';
import type { AlertOutput, Clock, PairStore } from '../core/ports';
import { formatError, type RunReport, type RunSettings, runOnce, type Scorers } from '../core/run';
import { sanitize } from '../core/sanitize';
import { MAX_OUTBOX_PER_RUN, SAFETY_MARGIN_MS } from '../core/settings';
import type { InvocationContext } from '../handler';
import { emitMetric, logJson } from '../log';
import { createOutputs } from '../outputs';
import { logReport, problemsOf, windowEnd } from '../run-report';

/** The parts of an SQS event the worker reads (the Lambda event source mapping sends more). */
export interface WorkEvent {
  readonly Records: ReadonlyArray<{ readonly messageId: string; readonly body: string }>;
}

/** Partial batch response (`ReportBatchItemFailures`): these messages come back after their visibility timeout. */
export interface BatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export interface WorkerOverrides {
  readonly clock?: Clock;
  readonly settings?: Partial<RunSettings>;
  /** The STS client that assumes member roles; default: the SDK's, from the environment. */
  readonly sts?: STSClient;
}

interface Runtime {
  readonly config: DetectorConfig;
  readonly org: OrganizationConfig;
  readonly clock: Clock;
  readonly dynamo: DynamoDBClient;
  readonly sts: STSClient;
  readonly sink: SnsAlertSink;
  /** Shared by every item: each run delivers what the outputs' queues hold, under claims. */
  readonly outputs: readonly AlertOutput[];
  readonly scorers: Scorers;
  readonly pairs: PairStore;
  /** One event source per member account: its role session is shared by that account's regions. */
  readonly sources: Map<string, CloudTrailEventSource>;
}

/** What became of one message. */
export type WorkOutcome = 'completed' | 'superseded' | 'skipped-lease-held' | 'incomplete' | 'malformed';

export type Worker = ((event: WorkEvent, context: InvocationContext) => Promise<BatchResponse>) & {
  reset(): void;
};

function init(overrides: WorkerOverrides): Runtime {
  const config = loadConfig(process.env, Date.now(), DETECTION_IDS);
  const org = loadOrganizationConfig(process.env, 'worker');
  const dynamo = new DynamoDBClient({ maxAttempts: 6 });
  return {
    config,
    org,
    clock: overrides.clock ?? { nowMs: () => Date.now() },
    dynamo,
    sts: overrides.sts ?? new STSClient({ maxAttempts: 6 }),
    sink: new SnsAlertSink({ topicArn: config.topicArn }),
    outputs: createOutputs(config.outputs),
    scorers: composeScorers({ ownResources: config.ownResources, firstSeen: config.firstSeen }),
    pairs: dynamoDbPairs({
      tableName: config.tableName,
      alertRetentionMs: config.alertRetentionMs,
      client: dynamo,
    }),
    sources: new Map(),
  };
}

export function createWorker(overrides: WorkerOverrides = {}): Worker {
  let runtime: Runtime | undefined;
  const invoke = async (event: WorkEvent, context: InvocationContext): Promise<BatchResponse> => {
    runtime ??= init(overrides);
    const failures: BatchResponse['batchItemFailures'] = [];
    // Batches of one by default; a larger batch is worked through in turn within the invocation.
    for (const record of event.Records ?? []) {
      const outcome = await work(runtime, record, context, overrides);
      if (outcome === 'incomplete') failures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures: failures };
  };
  return Object.assign(invoke, {
    reset: () => {
      runtime = undefined;
    },
  });
}

export const handler: Worker = createWorker();

async function work(
  rt: Runtime,
  record: { messageId: string; body: string },
  context: InvocationContext,
  overrides: WorkerOverrides,
): Promise<WorkOutcome> {
  let item: WorkItem;
  try {
    item = parseWorkItem(record.body);
  } catch (error) {
    // Only trailwatch's dispatcher writes to the queue: a broken item is a bug, not worth a retry.
    logJson('error', 'malformed work item', {
      messageId: record.messageId,
      problem: (error as Error).message,
    });
    return 'malformed';
  }
  const pair = `${pairLabel(item)}`;
  const known = await rt.pairs.get(item).catch(() => undefined);
  if (known?.readUntilMs !== undefined && known.readUntilMs >= item.tickMs) {
    // A later tick's run of this pair has read past this item's time already: a backlog drains fast.
    logJson('info', 'work item superseded', { pair, tick: new Date(item.tickMs).toISOString() });
    return 'superseded';
  }
  const wallNow = rt.clock.nowMs();
  const settings: RunSettings = {
    ...rt.config,
    regions: [item.region],
    maxOutboxPerRun: MAX_OUTBOX_PER_RUN,
    // The detector's own run delivers what the outputs' queues hold; a worker, only in a run that recorded an alert.
    outputsAfterRecordingOnly: true,
    ...overrides.settings,
  };
  const window = windowEnd({ time: new Date(item.tickMs).toISOString() }, wallNow, settings.schedulePeriodMs);
  const deps = composeRunDeps({
    source: sourceFor(rt, item.account),
    state: dynamoDbState({
      tableName: rt.config.tableName,
      alertRetentionMs: rt.config.alertRetentionMs,
      client: rt.dynamo,
      scope: pairScope(item),
      outputs: rt.config.outputs.selections,
    }),
    sink: rt.sink,
    outputs: rt.outputs,
    clock: rt.clock,
    scorers: rt.scorers,
    suppressions: rt.config.suppressions,
    account: { id: item.account, name: item.accountName, ouPath: item.ouPath },
  });
  const report = await runOnce(deps, settings, {
    runId: `${context.awsRequestId || 'local'}:${pairScope(item)}`,
    windowEndMs: window.endMs,
    deadlineMs: wallNow + Math.max(0, context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS),
  });
  logReport(report);
  const outcome = outcomeOf(report);
  await recordRun(rt, item, report, window.endMs, outcome);
  const stackName = rt.config.metricsId;
  const lag = report.regions.find((r) => r.region === item.region)?.lagMs;
  // One series for every pair (no account or region dimension): a metric per pair would cost more
  // than the detector. Which pair lags is named by the blind alert and the logs.
  if (lag !== undefined && Number.isFinite(lag)) {
    emitMetric(stackName, rt.clock.nowMs(), ['StackName'], 'MemberLagSeconds', 'Seconds', {
      MemberLagSeconds: Math.round(lag / 1000),
    });
  }
  if (outcome === 'incomplete') {
    logJson('error', 'member pair run incomplete', { pair, problems: problemsOf(report) });
  }
  return outcome;
}

function outcomeOf(report: RunReport): WorkOutcome {
  if (report.status === 'skipped-lease-held') return 'skipped-lease-held';
  return report.status === 'completed' ? 'completed' : 'incomplete';
}

/** What the dispatcher learns of the run: how far it read, how far it is covered, why it stopped. */
async function recordRun(
  rt: Runtime,
  pair: MemberPair,
  report: RunReport,
  readUntilMs: number,
  outcome: WorkOutcome,
): Promise<void> {
  // Another run of the pair holds its lease: that run reports.
  if (outcome === 'skipped-lease-held') return;
  const region = report.regions.find((r) => r.region === pair.region);
  const nowMs = rt.clock.nowMs();
  const problems = problemsOf(report);
  const error = region?.error ? formatError(region.error) : problems[0];
  try {
    await rt.pairs.recordRun(pair, {
      // An incomplete run is read again from its cursor: it has not read this item's window.
      readUntilMs: outcome === 'completed' ? readUntilMs : 0,
      ...(region && Number.isFinite(region.lagMs) ? { coveredUntilMs: nowMs - region.lagMs } : {}),
      runMs: nowMs,
      outcome: region?.outcome ?? report.status,
      ...(error ? { error: sanitize(error, 300) } : {}),
    });
  } catch (failure) {
    // The run itself is done and its cursor saved; only the dispatcher's view of it is late.
    logJson('warn', 'pair run not recorded', {
      pair: pairLabel(pair),
      error: sanitize(String(failure), 300),
    });
  }
}

function sourceFor(rt: Runtime, account: string): CloudTrailEventSource {
  let source = rt.sources.get(account);
  if (source === undefined) {
    source = new CloudTrailEventSource({
      credentials: memberCredentials(rt.sts, {
        account,
        roleName: rt.org.memberRoleName,
        sessionName: 'trailwatch-worker',
        nowMs: () => rt.clock.nowMs(),
      }),
    });
    rt.sources.set(account, source);
  }
  return source;
}
