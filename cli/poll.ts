// `trailwatch poll`: one detector run against a live account from a laptop. It is the Lambda's
// `runOnce`, composed the same way (compose.ts), with other adapters: state in memory (or the
// detector's table, see poll-table.ts), and a sink that publishes nothing unless --publish is
// given. Findings are printed as each page produces them.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CloudTrailEventSource } from '../lambda/adapters/cloudtrail-source';
import { MemoryStateStore } from '../lambda/adapters/memory-state';
import { compileSuppressions, composeRunDeps, composeRunSettings, composeScorers } from '../lambda/compose';
import { type AlertSink, type EventSource, type StateStores, storesOf } from '../lambda/core/ports';
import { formatError, type RunReport, runOnce } from '../lambda/core/run';
import {
  CLI_MIN_SEVERITY,
  EVENT_HISTORY_DAYS,
  POLL_SINCE_DEFAULT,
  TABLE_RUN_MINUTES,
} from '../lambda/core/settings';
import { SuppressionError } from '../lambda/core/suppression';
import { atLeast, type Severity } from '../lambda/core/types';
import { MINUTE_MS } from '../lambda/core/window';
import {
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
import { tableWidth } from './table';

export const POLL_HELP = `Usage: trailwatch poll [options]

Runs the detector once against a live account: reads CloudTrail Event history (LookupEvents,
2 requests/second per region) with your usual AWS credentials (environment, profile, SSO) and
prints the findings like \`scan\`. Read-only: nothing is published unless --publish is given.

Options:
  --regions LIST          comma-separated regions (default: AWS_REGION)
  --since DURATION        how far back to look: 90m, 24h, 7d; at most ${EVENT_HISTORY_DAYS}d (default: ${POLL_SINCE_DEFAULT})
  --profile NAME          AWS profile to use (default: the usual credential chain)
  --json                  one JSON object per finding per line (default: a table)
  --min-severity LEVEL    show (and, with --publish, alert on) findings at or above LEVEL:
                          low, medium, high, critical (default: ${CLI_MIN_SEVERITY})
  --fail-on LEVEL         exit 1 if a finding at or above LEVEL is found (default: never)
  --suppressions FILE     a suppression list (see docs/suppressions.md); matches are not shown
  --publish TOPIC_ARN     publish alerts to this SNS topic, as the deployed detector would
  --table NAME            keep cursor and alert records in the detector's DynamoDB table
                          (requires --publish; --since then only applies to a new table).
                          The run then holds the detector's lease: it stops after ${TABLE_RUN_MINUTES} minutes,
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
/** Without a table, a laptop run reads its whole window: the Lambda's per-run caps do not apply. */
const UNCAPPED_PAGES = 1_000_000;
const IN_MEMORY_RUN_MS = 6 * 60 * MINUTE_MS;

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
  const sinceMs = parseDuration(values.since ?? POLL_SINCE_DEFAULT, '--since');
  const minSeverity = parseSeverity(values['min-severity'] ?? CLI_MIN_SEVERITY, '--min-severity', REPORTABLE);
  const failOn = values['fail-on'] ? parseSeverity(values['fail-on'], '--fail-on', REPORTABLE) : undefined;
  const topicArn = values.publish === undefined ? undefined : parseTopicArn(values.publish);
  const tableName = values.table === undefined ? undefined : parseTableName(values.table);
  if (tableName && !topicArn) {
    // The table's alert records say "sent": filling them without publishing would silence the detector.
    throw new UsageError('--table requires --publish (without it, state stays in memory)', 'poll');
  }
  const startedMs = io.nowMs();
  const suppressions = await readSuppressions(values.suppressions, startedMs);
  if (values.profile) process.env.AWS_PROFILE = values.profile;
  // Node 20 is supported by this project; the SDK's warning about it is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  let state: StateStores = storesOf(new MemoryStateStore());
  // The clock of the run: the local one, or with --table AWS's, read from the table's answers.
  let nowMs = io.nowMs;
  if (tableName) {
    // Loaded only when asked for: each SDK client takes a noticeable part of a second to load.
    const { openSharedTable }: typeof import('./poll-table') = require('./poll-table');
    const shared = await openSharedTable(tableName, regions[0]!, io);
    if (shared === undefined) return EXIT_ERROR;
    ({ state, nowMs } = shared);
  }
  let sink: AlertSink = { publish: async () => 'not-published' };
  if (topicArn) {
    const {
      SnsAlertSink,
    }: typeof import('../lambda/adapters/sns-sink') = require('../lambda/adapters/sns-sink');
    sink = new SnsAlertSink({ topicArn });
  }

  const printer = new FindingPrinter(io.stdout, values.json === true, tableWidth(io));
  const progress = new ProgressBar(
    io.stderr,
    io.stderr.isTTY === true,
    undefined,
    startedMs,
    io.stderr.columns,
  );
  const shown = zeroCounts();
  let suppressed = 0;
  let failing = 0;
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
  const deps = composeRunDeps({
    source,
    state,
    sink,
    clock: { nowMs },
    // Counted in memory, or in the table with --table, exactly as the Lambda counts them.
    scorers: composeScorers(),
    suppressions,
    onFindings: (findings) => {
      for (const finding of findings) {
        if (suppressions.match(finding, startedMs) !== undefined) {
          suppressed++;
          continue;
        }
        if (failOn && atLeast(finding.severity, failOn)) failing++;
        if (!atLeast(finding.severity, minSeverity)) continue;
        shown[finding.severity]++;
        progress.clear();
        printer.print(toFindingLine(finding, `cloudtrail:${finding.event.awsRegion}`));
      }
    },
  });
  const settings = composeRunSettings({
    regions,
    minSeverity,
    maxPagesPerRun: tableName ? undefined : UNCAPPED_PAGES,
    // With a table, repeats are folded as the Lambda folds them; a one-off run prints every finding.
    repeatWindowMs: tableName ? undefined : 0,
    // In memory there is no earlier run to overlap with, and one slice covers the window.
    overlapMs: tableName ? undefined : 0,
    initialLookbackMs: sinceMs,
    sliceMs: tableName ? undefined : sinceMs,
  });
  const runId = `cli-${randomUUID()}`;
  // Ctrl-C or a kill gives the lease back at once: the Lambda's next run is not kept waiting. An
  // alert this run claimed but did not send stays in the outbox; the detector sends it once the
  // claim lapses.
  const stopOnSignal = (signal: NodeJS.Signals) => {
    progress.clear();
    const code = signal === 'SIGINT' ? 130 : 143;
    // Without a table there is no lease: stop, with the bar cleared rather than left half-drawn.
    if (!tableName) {
      io.stderr.write(`trailwatch poll: ${signal}: stopped\n`);
      process.exit(code);
    }
    io.stderr.write(`trailwatch poll: ${signal}: releasing the lease and stopping\n`);
    void state.runs
      .releaseLease(runId)
      .catch(() => undefined)
      .finally(() => process.exit(code));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const runStartMs = nowMs();
  const report = await runOnce(deps, settings, {
    runId,
    windowEndMs: runStartMs,
    deadlineMs: runStartMs + (tableName ? TABLE_RUN_MINUTES * MINUTE_MS : IN_MEMORY_RUN_MS),
  }).finally(() => {
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
  });
  progress.clear();

  if (report.lease) {
    io.stderr.write(
      `trailwatch poll: ${report.lease.holder} holds the lease on table ${tableName} until ` +
        `${new Date(report.lease.untilMs).toISOString()}; try again later\n`,
    );
    return EXIT_ERROR;
  }
  const failedRegions = reportRegions(report, tableName !== undefined, io);
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

/** Prints each region that did not finish, and the run's problems; returns the regions that failed. */
function reportRegions(report: RunReport, shared: boolean, io: CliIo): number {
  let failed = 0;
  for (const r of report.regions) {
    if (r.outcome === 'caught-up') continue;
    if (shared && r.outcome === 'time-budget') {
      io.stderr.write(
        `trailwatch poll: ${r.region}: stopped after ${TABLE_RUN_MINUTES} minutes at ` +
          `${new Date(r.cursorAfterMs).toISOString()}; the detector continues from there\n`,
      );
      continue;
    }
    failed++;
    io.stderr.write(
      `trailwatch poll: ${r.region}: ${r.outcome}${r.error ? `: ${formatError(r.error)}` : ''}\n`,
    );
  }
  if (report.outbox.error) io.stderr.write(`trailwatch poll: outbox: ${formatError(report.outbox.error)}\n`);
  for (const p of report.problems) {
    io.stderr.write(
      `trailwatch poll: ${p.region}: event ${p.eventId || '?'}: ${p.ruleId ? `${p.ruleId}: ` : ''}${p.reason}\n`,
    );
  }
  return failed;
}

/** The suppression list named by --suppressions, checked against every detection id. */
async function readSuppressions(path: string | undefined, nowMs: number) {
  if (!path) return compileSuppressions(undefined, nowMs);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--suppressions ${path}: ${error.code ?? error.message}`, 'poll', { cause: error });
  });
  try {
    return compileSuppressions(text, nowMs);
  } catch (error) {
    if (error instanceof SuppressionError) {
      throw new UsageError(`--suppressions: ${error.message}`, 'poll', { cause: error });
    }
    throw error;
  }
}
