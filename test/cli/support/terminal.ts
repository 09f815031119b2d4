// The CLI on a pseudo-terminal: `script` (util-linux) gives it one, so stdout and stderr are both
// the terminal (isTTY, a width set with stty) and arrive here interleaved in the order written,
// as raw bytes, escape sequences included. A small screen model then shows what a person sees.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './run-cli';

const BIN = join(ROOT, 'bin', 'trailwatch.js');

/** Why pseudo-terminal tests cannot run here, or undefined when they can. */
export function noTerminalReason(): string | undefined {
  const probe = spawnSync('script', ['-qefc', 'stty cols 77 rows 20; stty size', '/dev/null'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', SHELL: '/bin/sh' },
  });
  if (probe.error) return `\`script\` (util-linux) is not installed: ${probe.error.message}`;
  if (!/20 77/.test(probe.stdout))
    return `\`script\` gives no usable pseudo-terminal: ${probe.stderr.trim()}`;
  return undefined;
}

export interface TerminalRun {
  readonly child: ChildProcess;
  /** Everything written to the terminal so far. */
  output(): string;
  /** Types on the terminal's keyboard (`\x03` is Ctrl-C). */
  type(text: string): void;
  readonly result: Promise<{ code: number | null; raw: string }>;
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** Runs `trailwatch ARGS` on a terminal `columns` wide. */
export function startInTerminal(
  args: readonly string[],
  options: { columns: number; env?: Record<string, string> },
): TerminalRun {
  const command = `stty cols ${options.columns} rows 50; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      SHELL: '/bin/sh',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const output = (): string => Buffer.concat(chunks).toString('utf8');
  const result = new Promise<{ code: number | null; raw: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin?.end();
      resolve({ code, raw: output() });
    });
  });
  return { child, output, type: (text) => child.stdin?.write(text), result };
}

export function runInTerminal(
  args: readonly string[],
  options: { columns: number; env?: Record<string, string> },
): Promise<{ code: number | null; raw: string }> {
  return startInTerminal(args, options).result;
}

/**
 * The screen after `raw`, one string per row, scrollback included: carriage return, line feed,
 * erase to end of line (ESC [ K), and wrapping at `columns` (one column per character, which is
 * what the bar and the summary hold). Any other escape sequence is an error: the CLI writes none.
 */
export function screen(raw: string, columns: number): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const chars = Array.from(raw);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '\r') col = 0;
    else if (c === '\n') {
      row++;
      rows[row] ??= [];
    } else if (c === '\x1b') {
      const sequence = chars.slice(i, i + 3).join('');
      if (sequence !== '\x1b[K') throw new Error(`unexpected escape sequence ${JSON.stringify(sequence)}`);
      rows[row]!.length = Math.min(rows[row]!.length, col);
      i += 2;
    } else {
      if (col >= columns) {
        row++;
        rows[row] ??= [];
        col = 0;
      }
      const line = rows[row]!;
      while (line.length < col) line.push(' ');
      line[col] = c;
      col++;
    }
  }
  return rows.map((r) => r.join('').trimEnd());
}

/** What only the progress bar prints: its bar, or its `N events  N events/s` counters. */
export const PROGRESS_TEXT = /\[[#.]{24}\]|events {2}[\d.]+[kM]? events\/s|\d+% \d/;
