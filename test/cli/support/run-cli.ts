// Runs the built CLI (`node bin/trailwatch.js`) as a subprocess, asynchronously so that servers
// living in the test process keep answering while it runs.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'cli');
const BIN = join(ROOT, 'bin', 'trailwatch.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly stdin?: string | Buffer;
  readonly env?: Record<string, string>;
  /** A command the CLI runs under, e.g. `['setpriv', ...]`: it gets `node bin/trailwatch.js ARGS` appended. */
  readonly wrap?: readonly string[];
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/** The CLI as a running process (to signal it), and its result once it has exited. */
export function startCli(
  args: readonly string[],
  options: CliOptions = {},
): { child: ChildProcess; result: Promise<CliResult> } {
  let child!: ChildProcess;
  const [command, ...prefix] = [...(options.wrap ?? []), process.execPath];
  const result = new Promise<CliResult>((resolve, reject) => {
    child = spawn(command as string, [...prefix, BIN, ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin?.end(options.stdin ?? '');
  });
  return { child, result };
}

/** stdout of a `--json` run, one object per line. */
export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The summary line on stderr (the last line). */
export function summaryLine(stderr: string): string {
  return stderr.trimEnd().split('\n').pop() ?? '';
}
