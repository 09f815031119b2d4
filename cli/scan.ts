// `trailwatch scan`: trail log files, lookup-events output or JSON lines -> findings.
//
// Order: inputs are sorted by the timestamp CloudTrail puts in file names (then by path), and
// each input is scored in time order through a bounded reorder window. Across inputs the order is
// only approximate (files of different regions overlap in time); today's rules are stateless, so
// it does not change what they find. Output is always in input order, whatever the thread count.
//
// Memory: records are cut out of the stream one at a time and dropped once scored; only findings
// of inputs finished ahead of the one being printed are held.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { compileSuppressions as compile } from '../lambda/compose';
import { CLI_MIN_SEVERITY } from '../lambda/core/settings';
import { SuppressionError, type SuppressionList } from '../lambda/core/suppression';
import { type Severity, severityRank } from '../lambda/core/types';
import { parseCommandArgs, parseCount, parseSeverity, parseTime, UsageError } from './args';
import { type CliIo, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK } from './io';
import { type FindingLine, FindingPrinter, formatCounts, ProgressBar, total, zeroCounts } from './output';
import { type InputStats, type ScanSettings, type ScanSink, scanInput } from './scan-file';
import { collectInputs, describeFsError, type Input } from './scan-inputs';
import { OrderedMerge, REPORTABLE } from './scan-merge';
import { addS3Inputs, isS3Url } from './scan-s3';
import type { WireHit, WireObservation } from './scan-stateful';
import { StatefulScan } from './scan-stateful';
import type { FromWorker, ToWorker, WorkerSettings } from './scan-worker';
import { tableWidth } from './table';

export const SCAN_HELP = `Usage: trailwatch scan [options] PATH... | s3://BUCKET/PREFIX... | -

Runs every detection over CloudTrail records read from files, folders (recursively) or stdin (-),
as the deployed detector scores them: the event rules, the threshold rules (counted in memory)
and the anomaly checks (first seen, write volume; each principal is learned for 7 days first):
  - trail log files as delivered to S3: {"Records":[...]}, .json or .json.gz
  - the output of \`aws cloudtrail lookup-events\`: {"Events":[{"CloudTrailEvent":"..."}]}
  - JSON lines, one record per line (gzipped or not)
The format is detected from the content. In folders, *.json, *.jsonl, *.ndjson (and .gz) are
read; CloudTrail-Digest folders are skipped. Under s3://BUCKET/PREFIX, the CloudTrail log files
(<account>_CloudTrail_<region>_<time>_<id>.json.gz) are streamed from S3, in time order.

Options:
  --json                  one JSON object per finding per line (default: a table)
  --min-severity LEVEL    show findings at or above LEVEL: low, medium, high, critical
                          (default: medium)
  --fail-on LEVEL         exit 1 if a finding at or above LEVEL is found (default: never)
  --suppressions FILE     a suppression list (see docs/suppressions.md); matches are not shown
  --per-event-only        the event rules only: no threshold rules, no anomaly checks
  --since TIME            only events at or after TIME: 2026-11-20, 2026-11-20T09:00:00Z (UTC
                          unless an offset is given), or a duration before now: 90m, 24h, 7d
  --until TIME            only events at or before TIME (same forms)
  --region REGION         where S3 requests go first (default: AWS_REGION or the profile's,
                          else us-east-1; a bucket in another region is followed there)
  --workers N             worker threads for many files (default: auto; 0 = main thread only)
  -h, --help              this help

Findings go to stdout (the table fits the terminal, or COLUMNS when set); problems (naming the
file and line or record) and a summary line go to stderr. Exit code: 0 done, 1 findings at or
above --fail-on, 2 usage error, nothing readable, an input that could not be read (the rest is
still scanned and printed), or a folder with no log files.

Examples:
  trailwatch scan ./AWSLogs/111122223333/CloudTrail/
  trailwatch scan s3://my-trail-bucket/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/
  trailwatch scan --since 2026-11-20T09:00:00Z --until 2026-11-20T10:00:00Z ./AWSLogs/
  trailwatch scan --json --min-severity high trail.json.gz | jq -r .summary
  aws cloudtrail lookup-events --start-time 2026-01-01 > history.json && trailwatch scan history.json
  zcat *.json.gz | trailwatch scan --fail-on high -
`;

const SCAN_OPTIONS = {
  json: { type: 'boolean' },
  'min-severity': { type: 'string' },
  'fail-on': { type: 'string' },
  suppressions: { type: 'string' },
  'per-event-only': { type: 'boolean' },
  since: { type: 'string' },
  until: { type: 'string' },
  region: { type: 'string' },
  workers: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Below this much input, starting workers costs more than it saves. */
const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;
const REORDER_WINDOW = 10_000;
const MAX_MESSAGES_PER_INPUT = 20;

export async function scanCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('scan', argv, SCAN_OPTIONS, true);
  if (values.help) {
    io.stdout.write(SCAN_HELP);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError('scan needs at least one PATH (or - for stdin)', 'scan');
  const minSeverity = parseSeverity(values['min-severity'] ?? CLI_MIN_SEVERITY, '--min-severity', REPORTABLE);
  const failOn = values['fail-on'] ? parseSeverity(values['fail-on'], '--fail-on', REPORTABLE) : undefined;
  const requestedWorkers =
    values.workers === undefined ? undefined : parseCount(values.workers, '--workers', 0, 64);
  const startedMs = io.nowMs();
  const sinceMs = values.since === undefined ? undefined : parseTime(values.since, '--since', startedMs);
  const untilMs = values.until === undefined ? undefined : parseTime(values.until, '--until', startedMs);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
    throw new UsageError(`--since ${iso(sinceMs)} is after --until ${iso(untilMs)}`, 'scan');
  }
  const suppressionsText = values.suppressions ? await readSuppressions(values.suppressions) : undefined;
  const suppressions = compileSuppressions(suppressionsText, startedMs);
  const stateful = values['per-event-only'] !== true;

  const collected = await collectInputs(positionals.filter((p) => !isS3Url(p)));
  // s3://bucket/prefix: the log files under it join the inputs, in time order (cli/scan-s3.ts).
  await addS3Inputs(positionals, collected, values.region, io);
  const { inputs, problems, empty } = collected;
  for (const p of [...problems, ...empty]) io.stderr.write(`trailwatch: ${p}\n`);
  const reportAt = failOn && severityRank(failOn) < severityRank(minSeverity) ? failOn : minSeverity;
  const settings: WorkerSettings = {
    reportAt,
    suppressionsText,
    nowMs: startedMs,
    reorderWindow: REORDER_WINDOW,
    maxMessagesPerInput: MAX_MESSAGES_PER_INPUT,
    stateful,
    sinceMs,
    untilMs,
  };

  const knownSize = inputs.every((i) => i.size !== undefined);
  const totalBytes = inputs.reduce((sum, i) => sum + (i.size ?? 0), 0);
  const progress = new ProgressBar(
    io.stderr,
    io.stderr.isTTY === true,
    knownSize ? totalBytes : undefined,
    startedMs,
    io.stderr.columns,
  );
  const printer = new FindingPrinter(io.stdout, values.json === true, tableWidth(io));
  const merge = new OrderedMerge(inputs.length, printer, minSeverity, io, progress);
  // Threshold rules and anomaly checks: counted here, whichever thread scored the input.
  const counting = new StatefulScan(reportAt, suppressions, startedMs);
  const sinkFor = (id: number) => ({
    findings: (lines: FindingLine[]) => merge.findings(id, lines),
    progress: onProgress,
    stateful: (hits: WireHit[], observations: WireObservation[]) =>
      counting.add(hits, observations, (lines) => merge.findings(id, lines)),
  });
  // An input is done once its stateful findings are settled too.
  const done = async (id: number, stats: InputStats) => {
    await counting.settled();
    merge.done(id, stats);
  };
  let bytesRead = 0;
  let eventsRead = 0;
  const onProgress = (bytes: number, events: number): void => {
    bytesRead += bytes;
    eventsRead += events;
    progress.update(bytesRead, eventsRead, io.nowMs());
  };

  const workers = workerCount(requestedWorkers, inputs, totalBytes, io.workerScript);
  // Interrupted: the bar is cleared, not left half-drawn above the shell's prompt.
  const onSignal = (signal: NodeJS.Signals): void => {
    progress.clear();
    io.stderr.write(`trailwatch scan: ${signal}: stopped\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (workers > 0 && io.workerScript) {
      await runInWorkers(io.workerScript, workers, inputs, settings, sinkFor, done);
    } else {
      const local: ScanSettings = { ...settings, suppressions };
      for (const [id, input] of inputs.entries()) {
        await done(id, await scanInput(input.open ?? input.path, input.name, local, sinkFor(id)));
      }
    }
    await counting.settled();
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    progress.clear();
  }

  const t = merge.totals;
  t.suppressed += counting.suppressed;
  for (const [severity, n] of Object.entries(counting.unreported) as Array<[Severity, number]>) {
    t.unreported[severity] += n;
  }
  const seconds = (io.nowMs() - startedMs) / 1000;
  // A path that could not be opened or listed, or an empty folder, counts as an input with errors.
  const named = inputs.length + problems.length + empty.length;
  const failedInputs = t.failedInputs + problems.length + empty.length;
  const unreadable = t.unreadable + problems.length;
  const below = total(t.unreported) + t.hidden;
  const found = total(t.shown);
  io.stderr.write(
    `trailwatch scan: ${named} ${plural(named, 'input')}, ${t.events} events, ${t.unparseable} unparseable, ` +
      `${t.outsideWindow > 0 ? `${t.outsideWindow} outside --since/--until, ` : ''}` +
      `${found} ${plural(found, 'finding')} (${formatCounts(t.shown)})` +
      `${below > 0 ? `, ${below} below ${minSeverity} not shown` : ''}` +
      `${t.suppressed > 0 ? `, ${t.suppressed} suppressed` : ''}` +
      `${t.duplicates > 0 ? `, ${t.duplicates} repeated findings skipped` : ''}` +
      `${failedInputs > 0 ? `, ${failedInputs} ${plural(failedInputs, 'input')} with errors` : ''}` +
      `${unreadable > 0 ? ` (${unreadable} not read)` : ''}` +
      `${t.ruleFailures > 0 ? `, ${t.ruleFailures} rule errors` : ''}` +
      `, ${seconds.toFixed(2)} s (${Math.round(t.events / Math.max(seconds, 0.001))} events/s` +
      `${workers > 0 ? `, ${workers} workers` : ''})\n`,
  );
  // Nothing could be read, or a named input was not: say so with the exit code, whatever else happened.
  if (t.events === 0 && (t.problems > 0 || failedInputs > 0 || inputs.length === 0)) return EXIT_ERROR;
  if (unreadable > 0 || empty.length > 0) return EXIT_ERROR;
  if (failOn !== undefined && merge.failing(failOn) > 0) return EXIT_FINDINGS;
  return EXIT_OK;
}

function workerCount(
  requested: number | undefined,
  inputs: readonly Input[],
  totalBytes: number,
  script: string | undefined,
): number {
  // S3 objects are read in this thread: their openers (and S3 clients) do not cross to workers.
  if (inputs.some((i) => i.open !== undefined)) return 0;
  const files = inputs.filter((i) => i.path !== '-').length;
  if (script === undefined || files < 2) return 0;
  if (requested !== undefined) return Math.min(requested, files);
  if (totalBytes < PARALLEL_MIN_BYTES) return 0;
  return Math.min(availableParallelism(), files, 8);
}

/** A pool of worker threads, each scanning one input at a time; stdin stays in this thread. */
async function runInWorkers(
  script: string,
  count: number,
  inputs: readonly Input[],
  settings: WorkerSettings,
  sinkFor: (id: number) => ScanSink,
  done: (id: number, stats: InputStats) => Promise<void>,
): Promise<void> {
  const queue = [...inputs.entries()];
  const stdinJobs = queue.filter(([, input]) => input.path === '-');
  const fileJobs = queue.filter(([, input]) => input.path !== '-');
  const local = stdinJobs.map(async ([id, input]) => {
    const stats = await scanInput(
      input.path,
      input.name,
      { ...settings, suppressions: compileSuppressions(settings.suppressionsText, settings.nowMs) },
      sinkFor(id),
    );
    await done(id, stats);
  });
  const runWorker = (): Promise<void> =>
    new Promise((resolveWorker) => {
      const worker = new Worker(script, { workerData: settings, argv: [] });
      let job: [number, Input] | undefined;
      const next = (): void => {
        job = fileJobs.shift();
        if (job === undefined) {
          void worker.terminate().then(() => resolveWorker());
          return;
        }
        const message: ToWorker = { type: 'scan', id: job[0], path: job[1].path, name: job[1].name };
        worker.postMessage(message);
      };
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'progress') sinkFor(-1).progress(message.bytes, message.events);
        else if (message.type === 'findings') sinkFor(message.id).findings(message.lines);
        else if (message.type === 'stateful')
          sinkFor(message.id).stateful(message.hits, message.observations);
        else {
          const id = message.id;
          void done(id, message.stats);
          next();
        }
      });
      worker.on('error', (error) => {
        // The input in hand is reported as failed; the others go to the remaining workers.
        if (job) void done(job[0], crashed(job[1], error));
        job = undefined;
        resolveWorker(runWorker());
      });
      next();
    });
  await Promise.all([...local, ...Array.from({ length: count }, runWorker)]);
}

function crashed(input: Input, error: Error): InputStats {
  return {
    events: 0,
    unparseable: 0,
    failed: true,
    unreadable: false,
    outsideWindow: 0,
    problems: 1,
    messages: [`${input.name}: internal error in a worker thread: ${error.message}`],
    suppressed: 0,
    unreported: zeroCounts(),
    ruleFailures: 0,
  };
}

async function readSuppressions(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--suppressions ${path}: ${describeFsError(error)}`, 'scan');
  }
}

/** Parses the suppression list against every detection id; every problem in it is a usage error. */
export function compileSuppressions(text: string | undefined, nowMs: number): SuppressionList {
  try {
    return compile(text, nowMs);
  } catch (error) {
    if (error instanceof SuppressionError)
      throw new UsageError(`--suppressions: ${error.message}`, 'scan', { cause: error });
    throw error;
  }
}

/** `2026-11-20T09:00:00Z`: milliseconds only when there are any. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
