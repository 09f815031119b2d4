// What `trailwatch scan` reads: the named paths, folders walked recursively, in CloudTrail time
// order. Every path that cannot be opened or listed, and every named folder without a log file in
// it, is a problem: the scan goes on with the rest and exits 2.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Opener } from './input';

export interface Input {
  readonly path: string;
  readonly name: string;
  readonly size: number | undefined;
  /** An S3 object's opener (cli/scan-s3.ts); a path is opened by the reader itself. */
  readonly open?: Opener | undefined;
}

/** The files a folder walk reads; CloudTrail-Digest folders are skipped. */
export const INPUT_FILE = /\.(?:json|jsonl|ndjson)(?:\.gz)?$/i;
const LOOKED_FOR = '*.json, *.jsonl, *.ndjson, each also .gz; CloudTrail-Digest folders skipped';

/**
 * Expands folders, drops repeats, sorts by CloudTrail file time then path. `problems`: paths that
 * could not be opened or listed; `empty`: named folders without a log file.
 */
export async function collectInputs(
  paths: readonly string[],
): Promise<{ inputs: Input[]; problems: string[]; empty: string[] }> {
  const inputs: Input[] = [];
  const problems: string[] = [];
  const empty: string[] = [];
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
      if (!info.isDirectory()) {
        add(path, info.size);
        continue;
      }
      const before = problems.length;
      const found = await walk(path, add, problems);
      // A folder that could be listed but holds no log file: most likely the wrong folder.
      if (found === 0 && problems.length === before) {
        empty.push(`no CloudTrail log files found under ${path} (${LOOKED_FOR})`);
      }
    } catch (error) {
      problems.push(`${path}: ${describeFsError(error)}`);
    }
  }
  inputs.sort((a, b) => compare(sortKey(a), sortKey(b)));
  return { inputs, problems, empty };
}

/** Walks `root`; returns how many log files it found (read, or already named, or gone). */
async function walk(
  root: string,
  add: (path: string, size: number) => void,
  problems: string[],
): Promise<number> {
  const stack = [root];
  let found = 0;
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
        found++;
        try {
          const info = await stat(path);
          if (info.isFile()) add(path, info.size);
        } catch (error) {
          // Listed, then gone (or a link to nothing): named, and the scan exits 2.
          problems.push(`${path}: ${describeFsError(error)}`);
        }
      }
    }
  }
  return found;
}

function sortKey(input: Input): string {
  return timeOrderKey(input.path);
}

/**
 * The scan's order, for local files and S3 objects alike: the time in the file name, then the path.
 * `111122223333_CloudTrail_eu-west-1_20260101T0005Z_abc.json.gz` sorts by its time, across regions.
 */
export function timeOrderKey(path: string): string {
  if (path === '-') return '';
  const base = path.split(/[\\/]/).pop() ?? '';
  const stamp = /_(\d{8}T\d{4,6}Z)_/.exec(base)?.[1] ?? '';
  return `${stamp}\u0000${path}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}
