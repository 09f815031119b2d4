// `trailwatch scan` and what it is given to read: inputs that cannot be read (exit 2 after the
// rest is scanned and printed), folders without log files, and --since / --until.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTime } from '../../cli/args';
import { FIXTURES, jsonLines, runCli, summaryLine } from './support/run-cli';

const TRAIL = join(FIXTURES, 'trail.json');
const HOUR = 3_600_000;
let tmp: string;

/**
 * Root reads a file whatever its mode. As root, the CLI runs without the capabilities that let it
 * (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that a mode-000 file is refused as it is for anyone.
 */
function asUnprivileged(): readonly string[] | undefined {
  if (process.getuid?.() !== 0) return [];
  const drop = ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--'];
  return spawnSync(drop[0] as string, [...drop.slice(1), 'true']).status === 0 ? drop : undefined;
}
const unprivileged = asUnprivileged();
if (unprivileged === undefined) {
  process.stderr.write('scan-inputs.test.ts: permission cases skipped: running as root without setpriv\n');
}
const itUnprivileged = unprivileged === undefined ? it.skip : it;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'trailwatch-inputs-'));
});

afterAll(() => {
  chmodSync(tmp, 0o700);
  rmSync(tmp, { recursive: true, force: true });
});

describe('an input that cannot be read', () => {
  it('exits 2 after scanning the rest: the findings are printed and the missing file is named', async () => {
    const missing = join(tmp, 'gone.json');
    const { code, stdout, stderr } = await runCli(['scan', '--json', missing, TRAIL]);
    expect(jsonLines(stdout)).toHaveLength(4);
    expect(stderr).toContain(`trailwatch: ${missing}: no such file or folder`);
    expect(summaryLine(stderr)).toMatch(
      /^trailwatch scan: 2 inputs, 6 events, .*1 input with errors \(1 not read\)/,
    );
    expect(code).toBe(2);
  });

  it('exits 2 rather than 1 when findings reach --fail-on too: the scan is incomplete', async () => {
    const { code, stdout } = await runCli(['scan', '--fail-on', 'high', join(tmp, 'gone.json'), TRAIL]);
    expect(stdout).toContain('cloudtrail.logging-stopped');
    expect(code).toBe(2);
  });

  it('names an entry that was listed in a folder and is gone when opened (a link to nothing)', async () => {
    const dir = join(tmp, 'vanishing');
    mkdirSync(dir);
    writeFileSync(join(dir, '111122223333_CloudTrail_eu-west-1_20261120T0915Z_a.json'), readFileSync(TRAIL));
    const gone = join(dir, '111122223333_CloudTrail_eu-west-1_20261120T0920Z_b.json');
    symlinkSync(join(dir, 'rotated-away.json'), gone);
    const { code, stdout, stderr } = await runCli(['scan', '--json', dir]);
    expect(jsonLines(stdout)).toHaveLength(4);
    expect(stderr).toContain(`trailwatch: ${gone}: no such file or folder`);
    expect(code).toBe(2);
  });

  itUnprivileged.each([['0'], ['2']])(
    'names a file it may not read (permission denied), --workers %s, and exits 2',
    async (workers) => {
      const dir = join(tmp, `locked-${workers}`);
      mkdirSync(dir);
      for (const part of ['a', 'b']) {
        writeFileSync(
          join(dir, `111122223333_CloudTrail_eu-west-1_20261120T0915Z_${part}.json`),
          readFileSync(TRAIL, 'utf8').replace(/5f1d2c3b-1111-/g, `5f1d2c3b-${part}111-`),
        );
      }
      const locked = join(dir, '111122223333_CloudTrail_eu-west-1_20261120T0916Z_locked.json');
      writeFileSync(locked, readFileSync(TRAIL));
      chmodSync(locked, 0o000);
      const { code, stdout, stderr } = await runCli(['scan', '--json', '--workers', workers, dir], {
        wrap: unprivileged,
      });
      expect(stderr).toContain(`trailwatch: ${locked}: permission denied`);
      expect(jsonLines(stdout)).toHaveLength(8);
      expect(summaryLine(stderr)).toMatch(/^trailwatch scan: 3 inputs, 12 events, .*\(1 not read\)/);
      expect(code).toBe(2);
    },
  );

  itUnprivileged('names a folder it may not list, and exits 2', async () => {
    const dir = join(tmp, 'with-locked-folder');
    mkdirSync(join(dir, 'locked'), { recursive: true });
    writeFileSync(join(dir, '111122223333_CloudTrail_eu-west-1_20261120T0915Z_a.json'), readFileSync(TRAIL));
    chmodSync(join(dir, 'locked'), 0o000);
    const { code, stdout, stderr } = await runCli(['scan', '--json', dir], { wrap: unprivileged });
    expect(stderr).toContain(`trailwatch: ${join(dir, 'locked')}: permission denied`);
    expect(jsonLines(stdout)).toHaveLength(4);
    expect(code).toBe(2);
  });

  it('still exits 0 for a file that is read but is not all CloudTrail (its content is reported)', async () => {
    const { code, stderr } = await runCli(['scan', join(FIXTURES, 'not-json.csv'), TRAIL]);
    expect(stderr).toContain('not JSON');
    expect(code).toBe(0);
  });
});

describe('a folder with no CloudTrail log files', () => {
  it.each([
    ['empty', []],
    ['holding only digests and other files', ['CloudTrail-Digest/digest.json', 'notes.txt', 'trail.csv']],
  ])('says so and exits 2 (%s)', async (name, files) => {
    const dir = join(tmp, `no-logs-${name.replace(/\W+/g, '-')}`);
    mkdirSync(join(dir, 'CloudTrail-Digest'), { recursive: true });
    for (const file of files) writeFileSync(join(dir, file), '{}');
    const { code, stdout, stderr } = await runCli(['scan', dir]);
    expect(stdout).toBe('');
    expect(stderr).toContain(`trailwatch: no CloudTrail log files found under ${dir}`);
    expect(code).toBe(2);
  });

  it('says so even when another named input has findings', async () => {
    const dir = join(tmp, 'no-logs-beside');
    mkdirSync(dir);
    const { code, stdout, stderr } = await runCli(['scan', '--json', TRAIL, dir]);
    expect(jsonLines(stdout)).toHaveLength(4);
    expect(stderr).toContain(`no CloudTrail log files found under ${dir}`);
    expect(code).toBe(2);
  });
});

describe('--since and --until', () => {
  it('keep the events between two times, both included', async () => {
    const { code, stdout, stderr } = await runCli([
      'scan',
      '--json',
      '--since',
      '2026-11-20T09:14:03Z',
      '--until',
      '2026-11-20T10:20:00+01:00',
      TRAIL,
    ]);
    expect(code).toBe(0);
    expect(jsonLines(stdout).map((f) => [f.ruleId, f.eventTime])).toEqual([
      ['cloudtrail.logging-stopped', '2026-11-20T09:14:03Z'],
      ['signin.console-login', '2026-11-20T09:20:00Z'],
    ]);
    expect(summaryLine(stderr)).toMatch(/6 events, 0 unparseable, \d outside --since\/--until, 2 findings/);
  });

  it('take a duration before now, as poll --since does, in worker threads too', async () => {
    const dir = join(tmp, 'recent');
    mkdirSync(dir);
    const now = Date.now();
    const records = JSON.parse(readFileSync(TRAIL, 'utf8')).Records as Array<Record<string, unknown>>;
    const stop = records.find((r) => r.eventName === 'StopLogging')!;
    const at = (ms: number, id: string) => ({ ...stop, eventID: id, eventTime: new Date(ms).toISOString() });
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ Records: [at(now - 2 * HOUR, 'two-hours-ago')] }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ Records: [at(now - 72 * HOUR, 'three-days-ago')] }));
    const since = await runCli(['scan', '--json', '--workers', '2', '--since', '24h', dir]);
    expect(jsonLines(since.stdout).map((f) => f.eventId)).toEqual(['two-hours-ago']);
    const until = await runCli(['scan', '--json', '--workers', '2', '--until', '1d', dir]);
    expect(jsonLines(until.stdout).map((f) => f.eventId)).toEqual(['three-days-ago']);
    const both = await runCli(['scan', '--json', '--since', '7d', '--until', '90m', dir]);
    expect(
      jsonLines(both.stdout)
        .map((f) => f.eventId)
        .sort(),
    ).toEqual(['three-days-ago', 'two-hours-ago']);
  });

  it.each([
    [['--since', 'yesterday'], '--since "yesterday" is not a time like 2026-11-20'],
    [['--until', '2026-02-30'], '--until "2026-02-30" is not a time'],
    [['--until', '2026-11-20T25:00Z'], '--until "2026-11-20T25:00Z" is not a time'],
    [['--since', '3w'], '--since "3w" is not a time'],
    [['--since', '0h'], '--since must be more than zero'],
    [
      ['--since', '2026-11-21', '--until', '2026-11-20T23:59:59Z'],
      '--since 2026-11-21T00:00:00Z is after --until 2026-11-20T23:59:59Z',
    ],
  ])('%j exits 2 naming the value', async (flags, message) => {
    const { code, stdout, stderr } = await runCli(['scan', ...flags, TRAIL]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain("See 'trailwatch scan --help'");
  });

  it('read ISO-8601 dates, times and offsets as UTC unless told otherwise', () => {
    const now = Date.UTC(2026, 11, 5, 12);
    expect(parseTime('2026-11-20', '--since', now)).toBe(Date.UTC(2026, 10, 20));
    expect(parseTime('2026-11-20T09:14', '--since', now)).toBe(Date.UTC(2026, 10, 20, 9, 14));
    expect(parseTime('2026-11-20 09:14:03.5Z', '--since', now)).toBe(Date.UTC(2026, 10, 20, 9, 14, 3, 500));
    expect(parseTime('2026-11-20T10:14:03+01:00', '--since', now)).toBe(Date.UTC(2026, 10, 20, 9, 14, 3));
    expect(parseTime('2026-11-20T04:44:03-0430', '--since', now)).toBe(Date.UTC(2026, 10, 20, 9, 14, 3));
    expect(parseTime('90m', '--since', now)).toBe(now - 90 * 60_000);
    expect(parseTime('400d', '--since', now)).toBe(now - 400 * 86_400_000);
  });
});
