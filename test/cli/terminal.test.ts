// `trailwatch scan` on a terminal: the progress bar (stderr) and the findings (stdout) share the
// screen. The bar is cleared before anything else is written, never wraps, and is gone at exit,
// Ctrl-C included. Asserted on the raw bytes the terminal received, and on the screen they make.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from './support/run-cli';
import { noTerminalReason, PROGRESS_TEXT, runInTerminal, screen, startInTerminal } from './support/terminal';

const skipReason = noTerminalReason();
if (skipReason !== undefined) {
  // Said out loud, so that a green run without these tests is never mistaken for one with them.
  process.stderr.write(`terminal.test.ts: skipped: ${skipReason}\n`);
}
const describeTerminal = skipReason === undefined ? describe : describe.skip;

const TRAIL = readFileSync(join(FIXTURES, 'trail.json'), 'utf8');
/** A finding row as printed: time, then severity. */
const ROW = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}(?:critical|high|medium|low) /;
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'trailwatch-tty-'));
  // Three trail files, four findings each (distinct event ids, so none is a repeat).
  for (const i of [1, 2, 3]) {
    writeFileSync(
      join(tmp, `111122223333_CloudTrail_eu-west-1_20261120T091${i}Z_part${i}.json`),
      TRAIL.replace(/5f1d2c3b-1111-/g, `5f1d2c3b-111${i}-`),
    );
  }
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The bar was drawn: a `[####....]` right after an erase-line. */
function barDrawn(raw: string): boolean {
  return raw.split('\r\x1b[K').some((draw) => /^\[[#.]{24}\]/.test(draw));
}

/** Each raw line that holds a finding row or the header: what came before it on that line. */
function beforeRows(raw: string): string[] {
  return raw
    .split('\n')
    .flatMap((line) => {
      const at = line.search(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}|TIME {2}/);
      return at < 0 ? [] : [line.slice(0, at)];
    })
    .filter((before) => before !== '');
}

describeTerminal('the progress bar on a terminal', () => {
  it.each([
    ['in the main thread', ['--workers', '0']],
    ['with worker threads', ['--workers', '2']],
  ])('is cleared before the table and every finding, %s, and gone at exit', async (_, workers) => {
    const { code, raw } = await runInTerminal(['scan', ...workers, tmp], { columns: 100 });
    expect(code).toBe(0);
    // The bar was drawn (the first update always draws), so the test can fail.
    expect(barDrawn(raw)).toBe(true);
    // Raw bytes: on a line that holds a finding, whatever came first (the bar) ends in an erase.
    for (const before of beforeRows(raw)) expect(JSON.stringify(before)).toMatch(/\\r\\u001b\[K"$/);
    // The screen: the header, twelve findings, the summary, and not one fragment of the bar.
    expect(screen(raw, 100).filter((r) => PROGRESS_TEXT.test(r))).toEqual([]);
    // (Read unwrapped: the summary line is longer than 100 columns.)
    const rows = screen(raw, 1000).filter((r) => r !== '');
    expect(rows[0]).toMatch(/^TIME {2,}SEVERITY {2,}RULE/);
    expect(rows.filter((r) => ROW.test(r))).toHaveLength(12);
    expect(rows[rows.length - 1]).toMatch(/^trailwatch scan: 3 inputs, 18 events, .*events\/s/);
    // Nothing is left on the last line at exit: the summary ended it.
    expect(raw.endsWith('\r\n')).toBe(true);
  });

  it('never wraps, so that clearing one line clears all of it (a 40-column terminal)', async () => {
    const { code, raw } = await runInTerminal(['scan', '--workers', '0', tmp], { columns: 40 });
    expect(code).toBe(0);
    expect(barDrawn(raw)).toBe(true);
    const rows = screen(raw, 40);
    expect(rows.filter((r) => PROGRESS_TEXT.test(r))).toEqual([]);
    // Every draw of the bar fits on one line of 40 (the erase before each one clears it all).
    const draws = raw
      .split('\r\x1b[K')
      .map((draw) => draw.split(/[\r\n]/)[0] ?? '')
      .filter((draw) => PROGRESS_TEXT.test(draw) || draw.startsWith('['));
    expect(draws.length).toBeGreaterThan(0);
    for (const bar of draws) expect(Array.from(bar).length).toBeLessThan(40);
  });

  it('is cleared when the scan is interrupted with Ctrl-C: exit 130, nothing half-drawn', async () => {
    // A trail file still being written: the scan reads what is there, draws the bar, and waits.
    const fifo = join(tmp, 'arriving.json');
    execFileSync('mkfifo', [fifo]);
    const run = startInTerminal(['scan', '--workers', '0', fifo], { columns: 100 });
    const writer = createWriteStream(fifo);
    let code: number | null;
    let raw: string;
    try {
      writer.write(TRAIL.replace(/\]\s*\}\s*$/, ','));
      const deadline = Date.now() + 20_000;
      while (!PROGRESS_TEXT.test(run.output()) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(run.output()).toMatch(PROGRESS_TEXT);
      run.type('\x03');
      // Node's exit waits for a read in progress; on a FIFO that is until the writer closes it.
      while (!/SIGINT/.test(run.output()) && Date.now() < deadline + 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      writer.end();
      ({ code, raw } = await run.result);
    } finally {
      run.child.kill();
      writer.destroy();
      rmSync(fifo);
    }
    expect(code).toBe(130);
    const rows = screen(raw, 100).filter((r) => r !== '');
    expect(rows.filter((r) => PROGRESS_TEXT.test(r))).toEqual([]);
    expect(rows[rows.length - 1]).toBe('trailwatch scan: SIGINT: stopped');
  });
});
