// Item 5: `trailwatch scan` throughput on gzip trail files, as it runs by default (stateful: threshold
// counts and first-seen profiles, like a deployed run) and with `--per-event-only`, on the same files.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { OUT, ROOT } from './cold-start';
import { createEventStream } from './corpus';
import { progress } from './stats';

export interface ScanResult {
  readonly events: number;
  readonly uncompressedBytes: number;
  readonly gzipBytes: number;
  /** The arguments after `scan <dir>`: none (stateful) or `--per-event-only`. */
  readonly mode: string;
  readonly seconds: number;
  readonly eventsPerSec: number;
  readonly peakRssMb: number;
  /** The CLI's own summary line (stderr), to check that it read every record. */
  readonly summary: string;
}

const CLI = path.join(ROOT, 'bin', 'trailwatch.js');

export function scanAvailable(): boolean {
  if (!existsSync(CLI)) return false;
  const help = spawnSync(process.execPath, [CLI, 'scan', '--help'], { encoding: 'utf8', timeout: 30_000 });
  return help.status === 0;
}

/** Writes CloudTrail log files ({"Records": [...]}, gzip, S3 key layout) until `bytes` of JSON. */
function writeTrailFiles(dir: string, bytes: number): { events: number; raw: number; gz: number } {
  rmSync(dir, { recursive: true, force: true });
  const next = createEventStream({ seed: 31 });
  let events = 0;
  let raw = 0;
  let gz = 0;
  for (let file = 0; raw < bytes; file++) {
    const records: string[] = [];
    for (let i = 0; i < 2000; i++) records.push(next().body);
    const json = `{"Records":[${records.join(',')}]}`;
    const folder = path.join(dir, 'AWSLogs', '111122223333', 'CloudTrail', 'eu-west-1', '2026', '11', '01');
    mkdirSync(folder, { recursive: true });
    const data = gzipSync(json);
    writeFileSync(
      path.join(
        folder,
        `111122223333_CloudTrail_eu-west-1_20261101T${String(file).padStart(4, '0')}Z_bench.json.gz`,
      ),
      data,
    );
    events += records.length;
    raw += json.length;
    gz += data.length;
  }
  return { events, raw, gz };
}

/**
 * Writes `bytes` of uncompressed trail JSON (1 GB in a full run) and scans it once per mode, in
 * the order given. null when the CLI does not answer `scan --help`.
 */
export async function measureScan(bytes: number, modes: readonly string[][]): Promise<ScanResult[] | null> {
  if (!scanAvailable()) return null;
  const dir = path.join(OUT, 'trails');
  progress(`scan: writing ${Math.round(bytes / 1e6)} MB of trail files`);
  const files = writeTrailFiles(dir, bytes);
  const results: ScanResult[] = [];
  for (const mode of modes) {
    progress(`scan: ${['scan', ...mode].join(' ')}`);
    results.push(await scanOnce(dir, files, mode));
  }
  return results;
}

async function scanOnce(
  dir: string,
  files: { events: number; raw: number; gz: number },
  mode: readonly string[],
): Promise<ScanResult> {
  // Report the child's peak RSS from inside it, whatever the CLI does.
  const reporter = path.join(OUT, 'rss-reporter.js');
  writeFileSync(
    reporter,
    "process.on('exit',()=>process.stderr.write('\\nBENCH_MAX_RSS_KB='+process.resourceUsage().maxRSS+'\\n'));\n",
  );
  const started = performance.now();
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', reporter, CLI, 'scan', dir, ...mode], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString('utf8')).slice(-4000);
    });
    child.on('close', (code) =>
      code === 0 ? resolve(err) : reject(new Error(`trailwatch scan exited ${code}: ${err}`)),
    );
  });
  const seconds = (performance.now() - started) / 1000;
  const rssKb = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(stderr)?.[1] ?? Number.NaN);
  return {
    events: files.events,
    uncompressedBytes: files.raw,
    gzipBytes: files.gz,
    mode: mode.join(' '),
    seconds,
    eventsPerSec: files.events / seconds,
    peakRssMb: rssKb / 1024,
    summary:
      stderr
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('BENCH_MAX_RSS_KB='))
        .pop() ?? '',
  };
}
