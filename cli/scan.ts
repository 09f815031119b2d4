// `trailwatch scan`: trail log files, lookup-events output or JSON lines -> findings.
//
// Order: inputs are sorted by the timestamp CloudTrail puts in file names (then by path), and
// each input is scored in time order through a bounded reorder window. Across inputs the order is
// only approximate (files of different regions overlap in time); today's rules are stateless, so
// it does not change what they find. Output is always in input order, whatever the thread count.
//
// Memory: records are cut out of the stream one at a time and dropped once scored; only findings
// of inputs finished ahead of the one being printed are held.
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { compileSuppressions as compile } from '../lambda/compose';
import { CLI_MIN_SEVERITY } from '../lambda/core/settings';
import { SuppressionError, type SuppressionList } from '../lambda/core/suppression';
import { atLeast, type Severity, severityRank } from '../lambda/core/types';
import { parseCommandArgs, parseCount, parseSeverity, UsageError } from './args';
import { type CliIo, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK } from './io';
import { type FindingLine, FindingPrinter, formatCounts, ProgressBar, total, zeroCounts } from './output';
import { type InputStats, type ScanSettings, type ScanSink, scanInput } from './scan-file';
import type { WireHit, WireObservation } from './scan-stateful';
import { StatefulScan } from './scan-stateful';
import type { FromWorker, ToWorker, WorkerSettings } from './scan-worker';

export const SCAN_HELP = `Usage: trailwatch scan [options] PATH... | -

Runs every detection over CloudTrail records read from files, folders (recursively) or stdin (-),
as the deployed detector scores them: the event rules, the threshold rules (counted in memory)
and the anomaly checks (first seen, write volume; each principal is learned for 7 days first):
  - trail log files as delivered to S3: {"Records":[...]}, .json or .json.gz
  - the output of \`aws cloudtrail lookup-events\`: {"Events":[{"CloudTrailEvent":"..."}]}
  - JSON lines, one record per line (gzipped or not)
The format is detected from the content. In folders, *.json, *.jsonl, *.ndjson (and .gz) are
read; CloudTrail-Digest folders are skipped.

Options:
  --json                  one JSON object per finding per line (default: a table)
  --min-severity LEVEL    show findings at or above LEVEL: low, medium, high, critical
                          (default: medium)
  --fail-on LEVEL         exit 1 if a finding at or above LEVEL is found (default: never)
  --suppressions FILE     a suppression list (see docs/suppressions.md); matches are not shown
  --per-event-only        the event rules only: no threshold rules, no anomaly checks
  --workers N             worker threads for many files (default: auto; 0 = main thread only)
  -h, --help              this help

Findings go to stdout; problems (naming the file and line or record) and a summary line go to
stderr. Exit code: 0 done, 1 findings at or above --fail-on, 2 usage error or nothing readable.

Examples:
  trailwatch scan ./AWSLogs/111122223333/CloudTrail/
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
  workers: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const REPORTABLE: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
/** Below this much input, starting workers costs more than it saves. */
const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;
const REORDER_WINDOW = 10_000;
const MAX_MESSAGES_PER_INPUT = 20;
const INPUT_FILE = /\.(?:json|jsonl|ndjson)(?:\.gz)?$/i;

interface Input {
  readonly path: string;
  readonly name: string;
  readonly size: number | undefined;
}

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
  const suppressionsText = values.suppressions ? await readSuppressions(values.suppressions) : undefined;
  const suppressions = compileSuppressions(suppressionsText, startedMs);
  const stateful = values['per-event-only'] !== true;

  const { inputs, problems } = await collectInputs(positionals);
  for (const p of problems) io.stderr.write(`trailwatch: ${p}\n`);
  const reportAt = failOn && severityRank(failOn) < severityRank(minSeverity) ? failOn : minSeverity;
  const settings: WorkerSettings = {
    reportAt,
    suppressionsText,
    nowMs: startedMs,
    reorderWindow: REORDER_WINDOW,
    maxMessagesPerInput: MAX_MESSAGES_PER_INPUT,
    stateful,
  };

  const knownSize = inputs.every((i) => i.size !== undefined);
  const totalBytes = inputs.reduce((sum, i) => sum + (i.size ?? 0), 0);
  const progress = new ProgressBar(
    io.stderr,
    io.stderr.isTTY === true,
    knownSize ? totalBytes : undefined,
    startedMs,
  );
  const printer = new FindingPrinter(
    io.stdout,
    values.json === true,
    io.stdout.isTTY ? io.stdout.columns : undefined,
  );
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
  if (workers > 0 && io.workerScript) {
    await runInWorkers(io.workerScript, workers, inputs, settings, sinkFor, done);
  } else {
    const local: ScanSettings = { ...settings, suppressions };
    for (const [id, input] of inputs.entries()) {
      await done(id, await scanInput(input.path, input.name, local, sinkFor(id)));
    }
  }
  await counting.settled();
  progress.clear();

  const t = merge.totals;
  t.suppressed += counting.suppressed;
  for (const [severity, n] of Object.entries(counting.unreported) as Array<[Severity, number]>) {
    t.unreported[severity] += n;
  }
  const seconds = (io.nowMs() - startedMs) / 1000;
  // A path that could not be opened or listed counts as an input, and as one with errors.
  const named = inputs.length + problems.length;
  const failedInputs = t.failedInputs + problems.length;
  const below = total(t.unreported) + t.hidden;
  const found = total(t.shown);
  io.stderr.write(
    `trailwatch scan: ${named} ${plural(named, 'input')}, ${t.events} events, ${t.unparseable} unparseable, ` +
      `${found} ${plural(found, 'finding')} (${formatCounts(t.shown)})` +
      `${below > 0 ? `, ${below} below ${minSeverity} not shown` : ''}` +
      `${t.suppressed > 0 ? `, ${t.suppressed} suppressed` : ''}` +
      `${t.duplicates > 0 ? `, ${t.duplicates} repeated findings skipped` : ''}` +
      `${failedInputs > 0 ? `, ${failedInputs} ${plural(failedInputs, 'input')} with errors` : ''}` +
      `${t.ruleFailures > 0 ? `, ${t.ruleFailures} rule errors` : ''}` +
      `, ${seconds.toFixed(2)} s (${Math.round(t.events / Math.max(seconds, 0.001))} events/s` +
      `${workers > 0 ? `, ${workers} workers` : ''})\n`,
  );
  // Nothing could be read: say so with the exit code, whatever else happened.
  if (t.events === 0 && (t.problems > 0 || failedInputs > 0 || inputs.length === 0)) return EXIT_ERROR;
  if (failOn !== undefined && merge.failing(failOn) > 0) return EXIT_FINDINGS;
  return EXIT_OK;
}

/** Prints each input's findings and problems in input order, however the inputs finish. */
class OrderedMerge {
  private current = 0;
  private readonly waiting = new Map<number, { lines: FindingLine[]; stats?: InputStats }>();
  private readonly seen = new Set<string>();
  readonly totals = {
    events: 0,
    unparseable: 0,
    problems: 0,
    failedInputs: 0,
    suppressed: 0,
    duplicates: 0,
    ruleFailures: 0,
    /** Findings reported (deduplicated) and at or above --min-severity. */
    shown: zeroCounts(),
    /** Reported for --fail-on but below --min-severity. */
    hidden: 0,
    hiddenCounts: zeroCounts(),
    unreported: zeroCounts(),
  };

  constructor(
    private readonly count: number,
    private readonly printer: FindingPrinter,
    private readonly minSeverity: Severity,
    private readonly io: CliIo,
    private readonly progress: ProgressBar,
  ) {}

  /** Reported findings at or above `level`, shown or not. */
  failing(level: Severity): number {
    return REPORTABLE.filter((s) => atLeast(s, level)).reduce(
      (sum, s) => sum + this.totals.shown[s] + this.totals.hiddenCounts[s],
      0,
    );
  }

  findings(id: number, lines: FindingLine[]): void {
    if (id === this.current) this.emit(lines);
    else this.slot(id).lines.push(...lines);
  }

  done(id: number, stats: InputStats): void {
    this.slot(id).stats = stats;
    while (this.current < this.count) {
      const slot = this.waiting.get(this.current);
      if (slot === undefined) break;
      this.emit(slot.lines);
      slot.lines = [];
      if (slot.stats === undefined) break;
      this.finish(slot.stats);
      this.waiting.delete(this.current);
      this.current++;
    }
  }

  private slot(id: number): { lines: FindingLine[]; stats?: InputStats } {
    let slot = this.waiting.get(id);
    if (slot === undefined) {
      slot = { lines: [] };
      this.waiting.set(id, slot);
    }
    return slot;
  }

  private emit(lines: readonly FindingLine[]): void {
    for (const line of lines) {
      // CloudTrail may deliver an event twice, and inputs may overlap: one finding per event and rule.
      const key = `${line.eventId}#${line.ruleId}`;
      if (line.eventId !== '' && this.seen.has(key)) {
        this.totals.duplicates++;
        continue;
      }
      this.seen.add(key);
      if (atLeast(line.severity, this.minSeverity)) {
        this.totals.shown[line.severity]++;
        this.printer.print(line);
      } else {
        this.totals.hidden++;
        this.totals.hiddenCounts[line.severity]++;
      }
    }
  }

  private finish(stats: InputStats): void {
    const t = this.totals;
    t.events += stats.events;
    t.unparseable += stats.unparseable;
    t.problems += stats.problems;
    t.suppressed += stats.suppressed;
    t.ruleFailures += stats.ruleFailures;
    if (stats.failed) t.failedInputs++;
    for (const [severity, n] of Object.entries(stats.unreported) as Array<[Severity, number]>) {
      t.unreported[severity] += n;
    }
    if (stats.messages.length > 0) {
      this.progress.clear();
      for (const message of stats.messages) this.io.stderr.write(`trailwatch: ${message}\n`);
    }
  }
}

function workerCount(
  requested: number | undefined,
  inputs: readonly Input[],
  totalBytes: number,
  script: string | undefined,
): number {
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
    problems: 1,
    messages: [`${input.name}: internal error in a worker thread: ${error.message}`],
    suppressed: 0,
    unreported: zeroCounts(),
    ruleFailures: 0,
  };
}

/** Expands folders, drops repeats, sorts by CloudTrail file time then path. */
export async function collectInputs(
  paths: readonly string[],
): Promise<{ inputs: Input[]; problems: string[] }> {
  const inputs: Input[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const add = (path: string, size: number | undefined): void => {
    const key = path === '-' ? '-' : resolve(path);
    if (seen.has(key)) return;
    seen.add(key);
    inputs.push({ path, name: path === '-' ? '<stdin>' : path, size });
  };
  for (const path of paths) {
    if (path === '-') {
      add('-', undefined);
      continue;
    }
    try {
      const info = await stat(path);
      if (info.isDirectory()) await walk(path, add, problems);
      else add(path, info.size);
    } catch (error) {
      problems.push(`${path}: ${describeFsError(error)}`);
    }
  }
  inputs.sort((a, b) => compare(sortKey(a), sortKey(b)));
  return { inputs, problems };
}

async function walk(
  root: string,
  add: (path: string, size: number) => void,
  problems: string[],
): Promise<void> {
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      problems.push(`${dir}: ${describeFsError(error)}`);
      continue;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        // Digest files hold hashes of the log files, not events.
        if (entry.name !== 'CloudTrail-Digest') stack.push(path);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && INPUT_FILE.test(entry.name)) {
        try {
          const info = await stat(path);
          if (info.isFile()) add(path, info.size);
        } catch (error) {
          problems.push(`${path}: ${describeFsError(error)}`);
        }
      }
    }
  }
}

/** `111122223333_CloudTrail_eu-west-1_20260101T0005Z_abc.json.gz` sorts by its time, across regions. */
function sortKey(input: Input): string {
  if (input.path === '-') return '';
  const base = input.path.split(/[\\/]/).pop() ?? '';
  const stamp = /_(\d{8}T\d{4,6}Z)_/.exec(base)?.[1] ?? '';
  return `${stamp}\u0000${input.path}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
