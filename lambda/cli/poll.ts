// `trailwatch poll`: one detector run against a live account from a laptop. It is the Lambda's
// `runOnce` with other adapters: state in memory (or the detector's table), and a sink that
// publishes nothing unless --publish is given. Findings are printed as the engine produces them.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CloudTrailEventSource } from '../adapters/cloudtrail-source';
import { MemoryStateStore } from '../adapters/memory-state';
import { type AlertDetails, renderAlert, renderDigest } from '../core/alert';
import { Engine, type Evaluation } from '../core/engine';
import { MAX_CLOCK_SKEW_MS } from '../core/lease';
import { EMPTY_CONTEXT, type Rule } from '../core/rule';
import { describe, type RunSettings, runOnce } from '../core/run';
import { ThresholdEngine, type ThresholdHit, type ThresholdRule } from '../core/threshold';
import { atLeast, type Finding, type Severity, type TrailEvent } from '../core/types';
import type { AlertSink, CountResult, EventSource, StateStore } from '../ports';
import { RULES, THRESHOLD_RULES } from '../rules';
import {
  DAY_MS,
  parseCommandArgs,
  parseDuration,
  parseRegions,
  parseSeverity,
  parseTableName,
  parseTopicArn,
  UsageError,
} from './args';
import { type CliIo, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK } from './io';
import { FindingPrinter, formatCounts, ProgressBar, toFindingLine, total, zeroCounts } from './output';
import { compileSuppressions } from './scan';

export const POLL_HELP = `Usage: trailwatch poll [options]

Runs the detector once against a live account: reads CloudTrail Event history (LookupEvents,
2 requests/second per region) with your usual AWS credentials (environment, profile, SSO) and
prints the findings like \`scan\`. Read-only: nothing is published unless --publish is given.

Options:
  --regions LIST          comma-separated regions (default: AWS_REGION)
  --since DURATION        how far back to look: 90m, 24h, 7d; at most 90d (default: 24h)
  --profile NAME          AWS profile to use (default: the usual credential chain)
  --json                  one JSON object per finding per line (default: a table)
  --min-severity LEVEL    show (and, with --publish, alert on) findings at or above LEVEL:
                          low, medium, high, critical (default: medium)
  --fail-on LEVEL         exit 1 if a finding at or above LEVEL is found (default: never)
  --suppressions FILE     a suppression list (see docs/suppressions.md); matches are not shown
  --publish TOPIC_ARN     publish alerts to this SNS topic, as the deployed detector would
  --table NAME            keep cursor and alert records in the detector's DynamoDB table
                          (requires --publish; --since then only applies to a new table).
                          The run then holds the detector's lease: it stops after 10 minutes,
                          releases the lease on Ctrl-C, and refuses to run on a clock more than
                          2 minutes away from AWS's
  -h, --help              this help

Exit code: 0 done, 1 findings at or above --fail-on, 2 usage error, a region could not be read,
the lease is held by another run, or (with --table) the clock is off.

Examples:
  trailwatch poll --regions us-east-1,eu-west-1 --since 24h
  AWS_PROFILE=audit trailwatch poll --since 7d --json --min-severity high > findings.jsonl
  trailwatch poll --regions eu-west-1 --since 90m --fail-on critical
  trailwatch poll --regions eu-west-1 --table TrailwatchState --publish arn:aws:sns:eu-west-1:111122223333:alerts
`;

const POLL_OPTIONS = {
  regions: { type: 'string' },
  since: { type: 'string' },
  profile: { type: 'string' },
  json: { type: 'boolean' },
  'min-severity': { type: 'string' },
  'fail-on': { type: 'string' },
  suppressions: { type: 'string' },
  publish: { type: 'string' },
  table: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const REPORTABLE: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
const MINUTE_MS = 60_000;
/** With --table the run shares the deployed detector's lease: it stops reading after this long. */
export const TABLE_RUN_MS = 10 * MINUTE_MS;
/** The deployed detector's default schedule, for judging a lease held past its deadline. */
const SCHEDULE_PERIOD_MS = 5 * MINUTE_MS;

/** The engine, reporting each finding as it is produced (the run report keeps only a summary). */
type Observer = (findings: readonly Finding[], event: TrailEvent) => void;

/** Threshold rules that also report each crossing, as the run counts it. */
class ObservedThresholds extends ThresholdEngine {
  constructor(
    rules: readonly ThresholdRule[],
    private readonly observe: Observer,
  ) {
    super(rules);
  }

  override verdict(hit: ThresholdHit, result: CountResult): Finding | undefined {
    const finding = super.verdict(hit, result);
    if (finding) this.observe([finding], hit.event);
    return finding;
  }
}

class ObservedEngine extends Engine {
  constructor(
    rules: readonly Rule[],
    private readonly observe: Observer,
  ) {
    super(rules, EMPTY_CONTEXT);
  }

  override evaluate(event: TrailEvent): Evaluation {
    const evaluation = super.evaluate(event);
    if (evaluation.findings.length > 0) this.observe(evaluation.findings, event);
    return evaluation;
  }
}

/** "3 min 5 s ahead of" / "2 h 0 min behind" (the measure is good to a second or so). */
function formatSkew(offsetMs: number): string {
  const seconds = Math.round(Math.abs(offsetMs) / 1000);
  const minutes = Math.round(seconds / 60);
  const size =
    seconds >= 3600
      ? `${Math.floor(minutes / 60)} h ${minutes % 60} min`
      : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  // Server minus local: a negative offset means the local clock is ahead.
  return `${size} ${offsetMs < 0 ? 'ahead of' : 'behind'}`;
}

export async function pollCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('poll', argv, POLL_OPTIONS, false);
  if (values.help) {
    io.stdout.write(POLL_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'poll');
  const regionText = values.regions ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!regionText) throw new UsageError('--regions is required (or set AWS_REGION)', 'poll');
  const regions = parseRegions(regionText);
  const sinceMs = parseDuration(values.since ?? '24h', '--since');
  const minSeverity = parseSeverity(values['min-severity'] ?? 'medium', '--min-severity', REPORTABLE);
  const failOn = values['fail-on'] ? parseSeverity(values['fail-on'], '--fail-on', REPORTABLE) : undefined;
  const topicArn = values.publish === undefined ? undefined : parseTopicArn(values.publish);
  const tableName = values.table === undefined ? undefined : parseTableName(values.table);
  if (tableName && !topicArn) {
    // The table's alert records say "sent": filling them without publishing would silence the detector.
    throw new UsageError('--table requires --publish (without it, state stays in memory)', 'poll');
  }
  const startedMs = io.nowMs();
  let suppressionsText: string | undefined;
  if (values.suppressions) {
    suppressionsText = await readFile(values.suppressions, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`--suppressions ${values.suppressions}: ${error.code ?? error.message}`, 'poll');
    });
  }
  const suppressions = compileSuppressions(suppressionsText, startedMs);
  if (values.profile) process.env.AWS_PROFILE = values.profile;
  // Node 20 is supported by this project; the SDK's warning about it is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  let state: StateStore = new MemoryStateStore();
  let sink: AlertSink = { publish: async () => 'not-published' };
  // The clock of the run: the local one, or with --table AWS's, read from the table's answers.
  let nowMs = io.nowMs;
  if (tableName && topicArn) {
    // Loaded only when asked for: each SDK client takes a noticeable part of a second to load.
    const { DynamoDBClient }: typeof import('@aws-sdk/client-dynamodb') = require('@aws-sdk/client-dynamodb');
    const {
      DynamoDbStateStore,
    }: typeof import('../adapters/dynamodb-state') = require('../adapters/dynamodb-state');
    const { ServerClock }: typeof import('../adapters/server-clock') = require('../adapters/server-clock');
    const client = new DynamoDBClient({ maxAttempts: 6 });
    const serverClock = new ServerClock(io.nowMs);
    serverClock.watch(client);
    state = new DynamoDbStateStore({ tableName, alertRetentionMs: 14 * DAY_MS, client });
    // One read to learn AWS's time before anything is written.
    try {
      await state.getCursor(regions[0]!);
    } catch (error) {
      io.stderr.write(`trailwatch poll: table ${tableName}: ${describe(error)}\n`);
      return EXIT_ERROR;
    }
    const offset = serverClock.offsetMs();
    if (offset === undefined || Math.abs(offset) > MAX_CLOCK_SKEW_MS) {
      io.stderr.write(
        `trailwatch poll: ${
          offset === undefined
            ? "could not read the time from DynamoDB's answer"
            : `this machine's clock is ${formatSkew(offset)} AWS's (DynamoDB's Date header)`
        }; with --table the run would move the shared cursor by it. Correct the clock (or run without --table).\n`,
      );
      return EXIT_ERROR;
    }
    nowMs = () => io.nowMs() + offset;
  }
  if (topicArn) {
    const { SnsAlertSink }: typeof import('../adapters/sns-sink') = require('../adapters/sns-sink');
    sink = new SnsAlertSink({ topicArn });
  }
  const runStartMs = nowMs();

  const printer = new FindingPrinter(
    io.stdout,
    values.json === true,
    io.stdout.isTTY ? io.stdout.columns : undefined,
  );
  const progress = new ProgressBar(io.stderr, io.stderr.isTTY === true, undefined, startedMs);
  const shown = zeroCounts();
  let suppressed = 0;
  let failing = 0;
  const observe: Observer = (findings, event) => {
    for (const finding of findings) {
      if (suppressions.match(finding, startedMs) !== undefined) {
        suppressed++;
        continue;
      }
      if (failOn && atLeast(finding.severity, failOn)) failing++;
      if (!atLeast(finding.severity, minSeverity)) continue;
      shown[finding.severity]++;
      progress.clear();
      printer.print(toFindingLine(finding, `cloudtrail:${event.awsRegion}`));
    }
  };
  const engine = new ObservedEngine(RULES, observe);
  // Counted in memory, or in the table with --table, exactly as the Lambda counts them.
  const thresholds = new ObservedThresholds(THRESHOLD_RULES, observe);
  let pages = 0;
  let events = 0;
  const cloudtrail = new CloudTrailEventSource();
  const source: EventSource = {
    async lookupPage(region, query) {
      const page = await cloudtrail.lookupPage(region, query);
      pages++;
      events += page.events.length;
      progress.update(0, events, io.nowMs());
      return page;
    },
  };
  const rulesById = new Map<string, AlertDetails>(
    [...RULES, ...THRESHOLD_RULES].map((rule) => [rule.id, rule]),
  );
  const settings: RunSettings = {
    regions,
    minSeverity,
    // A laptop run reads the whole window; the Lambda's per-run caps do not apply.
    maxPagesPerRun: 1_000_000,
    alertRetentionMs: 14 * DAY_MS,
    maxOutboxPerRun: 200,
    maxAlertsPerRun: 10,
    // With a table, repeats are folded as the Lambda folds them; a one-off run prints every finding.
    repeatWindowMs: tableName ? 60 * MINUTE_MS : 0,
    // In memory there is no earlier run to overlap with, and one slice covers the window.
    overlapMs: tableName ? 60 * MINUTE_MS : 0,
    initialLookbackMs: sinceMs,
    sliceMs: tableName ? 60 * MINUTE_MS : sinceMs,
    schedulePeriodMs: SCHEDULE_PERIOD_MS,
  };
  const runId = `cli-${randomUUID()}`;
  // Ctrl-C or a kill gives the lease back at once: the Lambda's next run is not kept waiting. An
  // alert this run claimed but did not send stays in the outbox; the detector sends it once the
  // claim lapses.
  const stopOnSignal = (signal: NodeJS.Signals) => {
    progress.clear();
    io.stderr.write(`trailwatch poll: ${signal}: releasing the lease and stopping\n`);
    void state
      .releaseLease(runId)
      .catch(() => undefined)
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  if (tableName) {
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
  }
  const report = await runOnce(
    {
      source,
      state,
      sink,
      clock: { nowMs },
      engine,
      render: (finding, related) => renderAlert(finding, { related, details: rulesById.get(finding.ruleId) }),
      renderDigest: (findings, repeatsOf) => renderDigest(findings, { repeatsOf }),
      suppressions,
      thresholds,
    },
    settings,
    {
      runId,
      windowEndMs: runStartMs,
      deadlineMs: runStartMs + (tableName ? TABLE_RUN_MS : 6 * 60 * MINUTE_MS),
    },
  ).finally(() => {
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
  });
  progress.clear();

  let failedRegions = 0;
  if (report.lease) {
    io.stderr.write(
      `trailwatch poll: ${report.lease.holder} holds the lease on table ${tableName} until ` +
        `${new Date(report.lease.untilMs).toISOString()}; try again later\n`,
    );
    return EXIT_ERROR;
  }
  for (const r of report.regions) {
    if (r.outcome === 'caught-up') continue;
    if (tableName && r.outcome === 'time-budget') {
      io.stderr.write(
        `trailwatch poll: ${r.region}: stopped after ${TABLE_RUN_MS / MINUTE_MS} minutes at ` +
          `${new Date(r.cursorAfterMs).toISOString()}; the detector continues from there\n`,
      );
      continue;
    }
    failedRegions++;
    io.stderr.write(`trailwatch poll: ${r.region}: ${r.outcome}${r.error ? `: ${r.error}` : ''}\n`);
  }
  if (report.outbox.error) io.stderr.write(`trailwatch poll: outbox: ${report.outbox.error}\n`);
  for (const p of report.problems) {
    io.stderr.write(
      `trailwatch poll: ${p.region}: event ${p.eventId || '?'}: ${p.ruleId ? `${p.ruleId}: ` : ''}${p.reason}\n`,
    );
  }
  const below = total(report.totals.findingsBySeverity) - total(shown) - suppressed;
  const seconds = (io.nowMs() - startedMs) / 1000;
  io.stderr.write(
    `trailwatch poll: ${regions.length} ${regions.length === 1 ? 'region' : 'regions'}, ${pages} pages, ` +
      `${events} events, ${report.totals.unparseableEvents} unparseable, ` +
      `${total(shown)} findings (${formatCounts(shown)})` +
      `${below > 0 ? `, ${below} below ${minSeverity} not shown` : ''}` +
      `${suppressed > 0 ? `, ${suppressed} suppressed` : ''}` +
      `${report.totals.ruleFailures > 0 ? `, ${report.totals.ruleFailures} rule errors` : ''}, ` +
      `${topicArn ? `${report.totals.alertsSent} alerts published` : 'read-only'}, ${seconds.toFixed(2)} s\n`,
  );
  if (failedRegions > 0 || report.outbox.failed > 0) return EXIT_ERROR;
  if (failing > 0) return EXIT_FINDINGS;
  return EXIT_OK;
}
