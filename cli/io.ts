// What a command gets from the outside world; main() passes the process's, tests may pass others.
import type { Writable } from 'node:stream';

export type OutStream = Writable & { readonly isTTY?: boolean; readonly columns?: number };

export interface CliIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: NodeJS.ProcessEnv;
  /** The script a worker thread starts with (bin/trailwatch.js); without it scans use one thread. */
  readonly workerScript?: string | undefined;
  readonly nowMs: () => number;
}

/** Exit codes: 0 ran, 1 findings at or above --fail-on, 2 usage, input or internal error. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;
