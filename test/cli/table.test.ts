// The findings table: it fits the terminal (COLUMNS when set), long and hostile values included,
// cut with an ellipsis; with stdout not a terminal and no COLUMNS it keeps one stable layout.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, runCli } from './support/run-cli';
import { noTerminalReason, runInTerminal } from './support/terminal';

const skipTerminal = noTerminalReason();
if (skipTerminal !== undefined)
  process.stderr.write(`table.test.ts: terminal cases skipped: ${skipTerminal}\n`);
const itOnTerminal = skipTerminal === undefined ? it : it.skip;

let tmp: string;
let hostile: string;

/** Terminal columns of what the hostile trail holds: CJK and emoji take two, combining marks none. */
function columns(line: string): number {
  let width = 0;
  for (const c of line) {
    if (/\p{M}/u.test(c)) continue;
    width += /[\u4e00-\u9fff\u{1f600}-\u{1f64f}]/u.test(c) ? 2 : 1;
  }
  return width;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'trailwatch-table-'));
  const trail = JSON.parse(readFileSync(join(FIXTURES, 'trail.json'), 'utf8')) as {
    Records: Array<Record<string, unknown>>;
  };
  const stop = trail.Records.find((r) => r.eventName === 'StopLogging')!;
  const wide = `${'漢字'.repeat(40)}${'😀'.repeat(10)}${'e\u0301'.repeat(30)}`;
  const records = [
    {
      ...stop,
      eventID: 'hostile-1',
      userIdentity: {
        type: 'IAMUser',
        accountId: '111122223333',
        userName: wide,
        arn: `arn:aws:iam::111122223333:user/${wide}`,
      },
      sourceIPAddress: `${'x'.repeat(200)}.example.com`,
      awsRegion: `eu-west-1${'ü'.repeat(60)}`,
    },
    {
      // Root's every call is a finding, whatever its name: a long, wide event name.
      ...stop,
      eventID: 'hostile-2',
      eventName: `Get${'漢'.repeat(100)}${'Z'.repeat(100)}`,
      eventSource: 'iam.amazonaws.com',
      userIdentity: { type: 'Root', accountId: '111122223333', arn: 'arn:aws:iam::111122223333:root' },
    },
  ];
  hostile = join(tmp, 'hostile.json');
  writeFileSync(hostile, JSON.stringify({ Records: [...trail.Records, ...records] }));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the findings table', () => {
  it.each([80, 100, 120, 250])('fits COLUMNS=%i, hostile values cut with an ellipsis', async (width) => {
    const { code, stdout } = await runCli(['scan', hostile], { env: { COLUMNS: String(width) } });
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME {2,}SEVERITY {2,}RULE/);
    expect(lines.length).toBeGreaterThanOrEqual(7);
    expect(lines.filter((line) => columns(line) > width)).toEqual([]);
    // Cut, not wrapped: the ellipsis marks where.
    expect(lines.filter((line) => line.includes('…')).length).toBeGreaterThanOrEqual(2);
  });

  it('at 100 columns keeps time, severity, rule, actor and source IP', async () => {
    const { stdout } = await runCli(['scan', join(FIXTURES, 'trail.json')], { env: { COLUMNS: '100' } });
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^TIME {2,}SEVERITY {2,}RULE {2,}ACTOR {2,}SOURCE IP$/);
    expect(rows[1]).toMatch(
      /^2026-11-20T09:14:03Z {2}critical {2}cloudtrail\.logging-stopped {2,}111122223333:user\/ma… {2}198\.51\.100\.23$/,
    );
  });

  it('keeps one stable layout when stdout is not a terminal and COLUMNS is unset or not a width', async () => {
    const envs: Array<Record<string, string>> = [{}, { COLUMNS: 'wide' }, { COLUMNS: '0' }];
    for (const env of envs) {
      const { stdout } = await runCli(['scan', join(FIXTURES, 'trail.json')], { env });
      const [header, , second] = stdout.split('\n');
      expect(header).toBe(
        `${'TIME'.padEnd(22)}${'SEVERITY'.padEnd(10)}${'RULE'.padEnd(40)}${'EVENT'.padEnd(32)}` +
          `${'ACTOR'.padEnd(50)}${'SOURCE IP'.padEnd(22)}REGION`,
      );
      expect(second).toBe(
        `${'2026-11-20T09:14:03Z'.padEnd(22)}${'critical'.padEnd(10)}${'cloudtrail.logging-stopped'.padEnd(40)}` +
          `${'StopLogging'.padEnd(32)}${'111122223333:user/mallory'.padEnd(50)}${'198.51.100.23'.padEnd(22)}eu-west-1`,
      );
    }
  });

  itOnTerminal('fits a 100-column terminal, and COLUMNS wins over the terminal', async () => {
    const cases: Array<[Record<string, string>, number]> = [
      [{}, 100],
      [{ COLUMNS: '90' }, 90],
    ];
    for (const [env, width] of cases) {
      const { code, raw } = await runInTerminal(['scan', '--workers', '0', hostile], { columns: 100, env });
      expect(code).toBe(0);
      // Each line as the terminal shows it: what follows the last erase-line (the bar's) on it.
      const lines = raw
        .split('\r\n')
        .map((line) => line.split('\x1b[K').pop() ?? '')
        .filter((line) => !line.startsWith('trailwatch scan:') && line !== '');
      expect(lines[0]).toMatch(/^TIME {2,}SEVERITY/);
      expect(lines.length).toBeGreaterThanOrEqual(7);
      expect(lines.filter((line) => columns(line) > width)).toEqual([]);
      expect(Math.max(...lines.map(columns))).toBeGreaterThan(width - 10);
    }
  });
});
