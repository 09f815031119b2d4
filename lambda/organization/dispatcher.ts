// The organization dispatcher, run by the schedule beside the detector: it reads the organization
// (accounts under the chosen OUs, minus exclusions, the management account and its own), turns
// each watched (account, region) pair into a work item on the queue, and raises one blind alert
// for each pair that has trailed the clock too long. The workers do the reading.
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { dynamoDbPairs, dynamoDbState } from '../adapters/dynamodb';
import { DynamoDBClient } from '../adapters/dynamodb/sdk';
import { describeOrganization, readOrganization } from '../adapters/organizations';
import { SnsAlertSink } from '../adapters/sns-sink';
import { composeRunDeps, composeScorers, DETECTION_IDS } from '../compose';
import { type DetectorConfig, loadConfig, loadOrganizationConfig, type OrganizationConfig } from '../config';
import { parseCloudTrailEvent } from '../core/event';
import {
  blindDecision,
  blindRecord,
  type MemberPair,
  type OrganizationAccount,
  type PairRecord,
  pairLabel,
  type WorkItem,
  watchedAccounts,
  workItemBody,
} from '../core/organization';
import type { Clock, PairStore } from '../core/ports';
import { NOTICES_REGION, type RunDeps, runOnce } from '../core/run';
import { sanitize } from '../core/sanitize';
import { MAX_OUTBOX_PER_RUN, SAFETY_MARGIN_MS } from '../core/settings';
import type { Finding } from '../core/types';
import type { InvocationContext } from '../handler';
import { emitMetric, logJson } from '../log';
import { createOutputs } from '../outputs';
import { logReport, problemsOf, windowEnd } from '../run-report';

export interface DispatcherOverrides {
  readonly clock?: Clock;
}

/** What one tick did, returned and logged. */
export interface DispatchSummary {
  readonly tick: string;
  readonly accounts: number;
  readonly pairs: number;
  readonly queued: number;
  readonly added: number;
  readonly removed: number;
  readonly blind: readonly string[];
  readonly blindRaised: readonly string[];
  readonly recovered: readonly string[];
  readonly problems: readonly string[];
}

export class DispatchIncompleteError extends Error {
  override readonly name = 'DispatchIncompleteError';
}

interface Runtime {
  readonly config: DetectorConfig;
  readonly org: OrganizationConfig;
  readonly clock: Clock;
  readonly organizations: OrganizationsClient;
  readonly sqs: SQSClient;
  readonly pairs: PairStore;
  readonly deps: RunDeps;
}

export type Dispatcher = ((event: unknown, context: InvocationContext) => Promise<DispatchSummary>) & {
  reset(): void;
};

/** SQS takes at most 10 messages per SendMessageBatch. */
const BATCH = 10;
/** Batches in flight at once: 200 pairs go out in a few round trips without a burst of connections. */
const PARALLEL_BATCHES = 4;

function init(overrides: DispatcherOverrides): Runtime {
  const config = loadConfig(process.env, Date.now(), DETECTION_IDS);
  const org = loadOrganizationConfig(process.env, 'dispatcher');
  const clock = overrides.clock ?? { nowMs: () => Date.now() };
  const dynamo = new DynamoDBClient({ maxAttempts: 6 });
  const table = {
    tableName: config.tableName,
    alertRetentionMs: config.alertRetentionMs,
    client: dynamo,
    outputs: config.outputs.selections,
  };
  return {
    config,
    org,
    clock,
    organizations: new OrganizationsClient({ maxAttempts: 8 }),
    sqs: new SQSClient({ maxAttempts: 6 }),
    pairs: dynamoDbPairs(table),
    // The blind alerts go through the same ledger, outbox and folding as every alert, under a
    // lease of the dispatcher's own; no region is read.
    deps: composeRunDeps({
      source: { lookupPage: () => Promise.reject(new Error('the dispatcher reads no region')) },
      state: dynamoDbState({ ...table, scope: 'dispatcher' }),
      sink: new SnsAlertSink({ topicArn: config.topicArn }),
      outputs: createOutputs(config.outputs),
      clock,
      scorers: composeScorers({ ownResources: config.ownResources, stateful: false }),
      suppressions: config.suppressions,
    }),
  };
}

export function createDispatcher(overrides: DispatcherOverrides = {}): Dispatcher {
  let runtime: Runtime | undefined;
  const invoke = async (event: unknown, context: InvocationContext): Promise<DispatchSummary> => {
    runtime ??= init(overrides);
    const summary = await dispatch(runtime, event, context);
    if (summary.problems.length > 0) {
      // A failed invocation shows on the dispatcher's errors alarm and is retried by EventBridge.
      throw new DispatchIncompleteError(`dispatch incomplete: ${summary.problems.join('; ')}`);
    }
    return summary;
  };
  return Object.assign(invoke, {
    reset: () => {
      runtime = undefined;
    },
  });
}

export const handler: Dispatcher = createDispatcher();

async function dispatch(rt: Runtime, event: unknown, context: InvocationContext): Promise<DispatchSummary> {
  const startMs = rt.clock.nowMs();
  const tickMs = windowEnd(event, startMs, rt.config.schedulePeriodMs).endMs;
  const problems: string[] = [];

  const accounts = await accountsToWatch(rt, context);
  const wanted = new Map<string, WorkItem>();
  for (const account of accounts) {
    for (const region of rt.config.regions) {
      const item: WorkItem = {
        account: account.id,
        region,
        accountName: account.name,
        ouPath: account.pathNames.join('/'),
        tickMs,
      };
      wanted.set(pairLabel(item), item);
    }
  }

  const known = new Map((await rt.pairs.list()).map((r) => [pairLabel(r), r]));
  const { added, removed } = await syncPairs(rt, wanted, known, startMs, problems);
  const queued = await queueWork(rt, [...wanted.values()], problems);

  // Blindness of the pairs known before this tick (a new pair has had no chance yet).
  const nowMs = rt.clock.nowMs();
  const raised: Array<{ record: PairRecord; sinceMs: number; finding: Finding }> = [];
  const blind: string[] = [];
  const recovered: PairRecord[] = [];
  for (const [label, record] of known) {
    if (!wanted.has(label)) continue;
    const decision = blindDecision(record, nowMs, rt.org.blindAfterMs);
    if (decision.kind === 'recovered') recovered.push(record);
    else if (decision.kind === 'raise' || record.blindSinceMs !== undefined) blind.push(label);
    if (decision.kind !== 'raise') continue;
    const parsed = parseCloudTrailEvent(JSON.stringify(blindRecord(record, decision, nowMs)));
    const finding = parsed.ok ? rt.deps.scorers.engine.evaluate(parsed.event).findings[0] : undefined;
    if (finding) raised.push({ record, sinceMs: decision.sinceMs, finding });
    else problems.push(`${label}: the blind alert could not be scored`);
  }

  // Also delivers what the outbox holds and queues due repeat summaries, like every run.
  const report = await runOnce(
    rt.deps,
    { ...rt.config, regions: [], maxOutboxPerRun: MAX_OUTBOX_PER_RUN, outputsAfterRecordingOnly: true },
    {
      runId: `${context.awsRequestId || 'local'}:dispatch`,
      windowEndMs: tickMs,
      deadlineMs: startMs + Math.max(0, context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS),
      notices: raised.map((r) => r.finding),
    },
  );
  logReport(report);
  const notices = report.regions.find((r) => r.region === NOTICES_REGION);
  // Recorded in the ledger (delivered, or waiting in the outbox): the episode is marked so that it
  // alerts once. Otherwise the next tick raises it again, under the same alert id.
  const recorded =
    report.status !== 'skipped-lease-held' &&
    notices?.outcome !== 'state-failed' &&
    notices?.outcome !== 'lease-lost';
  if (raised.length > 0 && !recorded) problems.push('blind alerts not recorded; raised again next tick');
  if (report.status === 'incomplete') problems.push(...problemsOf(report));
  const blindRaised: string[] = [];
  for (const r of recorded ? raised : []) {
    await rt.pairs.setBlind(r.record, r.sinceMs).catch((error: unknown) => {
      problems.push(`${pairLabel(r.record)}: blind episode not saved (${sanitize(String(error), 200)})`);
    });
    blindRaised.push(pairLabel(r.record));
  }
  for (const record of recovered) {
    await rt.pairs.setBlind(record, undefined).catch(() => undefined);
    logJson('info', 'member pair read again', { pair: pairLabel(record) });
  }

  const summary: DispatchSummary = {
    tick: new Date(tickMs).toISOString(),
    accounts: accounts.length,
    pairs: wanted.size,
    queued,
    added,
    removed,
    blind,
    blindRaised,
    recovered: recovered.map(pairLabel),
    problems,
  };
  logJson(problems.length > 0 ? 'error' : 'info', 'dispatch summary', { ...summary });
  const stackName = rt.config.metricsId;
  const metric = (name: string, value: number) =>
    emitMetric(stackName, rt.clock.nowMs(), ['StackName'], name, 'Count', { [name]: value });
  metric('MemberPairsWatched', wanted.size);
  metric('MemberPairsBlind', blind.length);
  return summary;
}

/** The organization's accounts to read: selected, active, not this account, not the management account unless asked. */
async function accountsToWatch(rt: Runtime, context: InvocationContext): Promise<OrganizationAccount[]> {
  const [all, organization] = await Promise.all([
    readOrganization(rt.organizations),
    describeOrganization(rt.organizations),
  ]);
  // The detector's own function watches this account with its own role.
  const own = /^arn:[^:]+:lambda:[^:]+:(\d{12}):/.exec(context.invokedFunctionArn ?? '')?.[1];
  const skip = new Set([
    ...(own ? [own] : []),
    ...(rt.org.includeManagement ? [] : [organization.managementAccount]),
  ]);
  return watchedAccounts(all, rt.org.selection).filter((a) => !skip.has(a.id));
}

/** New pairs are added (watched from now), renamed ones updated, and pairs no longer watched removed. */
async function syncPairs(
  rt: Runtime,
  wanted: ReadonlyMap<string, WorkItem>,
  known: ReadonlyMap<string, PairRecord>,
  nowMs: number,
  problems: string[],
): Promise<{ added: number; removed: number }> {
  let added = 0;
  let removed = 0;
  const note = (pair: MemberPair, doing: string) => (error: unknown) => {
    problems.push(`${pairLabel(pair)}: ${doing} failed (${sanitize(String(error), 200)})`);
  };
  for (const [label, item] of wanted) {
    const record = known.get(label);
    if (record === undefined) {
      await rt.pairs
        .add({ ...item, sinceMs: nowMs })
        .then(() => {
          added += 1;
        })
        .catch(note(item, 'adding the pair'));
    } else if (record.accountName !== item.accountName || record.ouPath !== item.ouPath) {
      await rt.pairs.rename(item, item.accountName, item.ouPath).catch(note(item, 'renaming the pair'));
    }
  }
  for (const [label, record] of known) {
    if (wanted.has(label)) continue;
    // A closed, moved or excluded account, or a region no longer watched: no more reads, no blind alert.
    await rt.pairs
      .remove(record)
      .then(() => {
        removed += 1;
        logJson('info', 'member pair no longer watched', { pair: label });
      })
      .catch(note(record, 'removing the pair'));
  }
  return { added, removed };
}

/** Sends every work item; returns how many the queue took. A refused entry is named in `problems`. */
async function queueWork(rt: Runtime, items: readonly WorkItem[], problems: string[]): Promise<number> {
  const batches: WorkItem[][] = [];
  for (let i = 0; i < items.length; i += BATCH) batches.push(items.slice(i, i + BATCH));
  let queued = 0;
  const sendBatch = async (batch: WorkItem[]): Promise<void> => {
    let pending = batch.map((item, index) => ({ id: String(index), item }));
    // Entries SQS refuses one by one (not the whole call) are sent once more.
    for (let attempt = 1; attempt <= 2 && pending.length > 0; attempt++) {
      try {
        const out = await rt.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: rt.org.workQueueUrl,
            Entries: pending.map((p) => ({ Id: p.id, MessageBody: workItemBody(p.item) })),
          }),
        );
        queued += out.Successful?.length ?? 0;
        const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
        const retry = pending.filter((p) => failed.has(p.id));
        if (attempt === 2 || retry.length === 0) {
          for (const p of retry) {
            const f = failed.get(p.id);
            problems.push(`${pairLabel(p.item)}: not queued (${sanitize(`${f?.Code}: ${f?.Message}`, 200)})`);
          }
        }
        pending = retry;
      } catch (error) {
        if (attempt === 2) {
          for (const p of pending)
            problems.push(`${pairLabel(p.item)}: not queued (${sanitize(String(error), 200)})`);
        }
      }
    }
  };
  for (let i = 0; i < batches.length; i += PARALLEL_BATCHES) {
    await Promise.all(batches.slice(i, i + PARALLEL_BATCHES).map(sendBatch));
  }
  return queued;
}
