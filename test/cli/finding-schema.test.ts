// `--json` finding lines are versioned documents, `trailwatch.finding/1`: every line the scan
// prints, hostile input included, validates against schema/finding-v1.schema.json (poll's lines
// are checked in poll.test.ts).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import findingSchema from '../../schema/finding-v1.schema.json';
import { records } from './support/generate-trail';
import { FIXTURES, jsonLines, runCli } from './support/run-cli';

const validate = new Ajv({ allErrors: true }).compile(findingSchema);
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'trailwatch-schema-'));
  const trail = JSON.parse(readFileSync(join(FIXTURES, 'trail.json'), 'utf8')) as {
    Records: Array<Record<string, unknown>>;
  };
  const stop = trail.Records.find((r) => r.eventName === 'StopLogging')!;
  const long = `\u202e\u0007${'漢😀'.repeat(400)}`;
  const hostile = {
    ...stop,
    eventID: `${long}-id`,
    eventTime: '2026-11-20T09:30:00Z',
    userIdentity: { type: 'IAMUser', accountId: long, userName: long, arn: `arn:aws:iam::1:user/${long}` },
    sourceIPAddress: long,
    awsRegion: long,
    recipientAccountId: long,
    requestParameters: { name: long },
  };
  writeFileSync(join(tmp, 'hostile.json'), JSON.stringify({ Records: [hostile] }));
  // Generated records: routine calls and a few signals, in two regions.
  const generated = [...records(600, Date.UTC(2026, 10, 20), 1000, 50)].map((r) => JSON.stringify(r));
  writeFileSync(join(tmp, 'generated.jsonl'), `${generated.join('\n')}\n`);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('trailwatch.finding/1', () => {
  it('every --json line of a scan validates against schema/finding-v1.schema.json', async () => {
    const inputs = [
      ...readdirSync(FIXTURES).map((name) => join(FIXTURES, name)),
      join(tmp, 'hostile.json'),
      join(tmp, 'generated.jsonl'),
    ];
    const { stdout } = await runCli(['scan', '--json', '--min-severity', 'low', ...inputs]);
    const lines = jsonLines(stdout);
    expect(lines.length).toBeGreaterThan(15);
    expect(new Set(lines.map((l) => l.severity))).toEqual(new Set(['low', 'medium', 'high', 'critical']));
    for (const line of lines) {
      expect([line.ruleId, validate(line) ? 'valid' : validate.errors]).toEqual([line.ruleId, 'valid']);
      expect(line.schema).toBe('trailwatch.finding/1');
    }
    // The hostile record: cut to the documented lengths, and still valid.
    const hostile = lines.find((l) => String(l.source).includes('hostile.json'));
    expect(String(hostile?.actor)).toMatch(/…\[truncated\]$/);
  });

  it('is exact, so the check can fail: another field, another version or a missing one is refused', async () => {
    const [line] = jsonLines((await runCli(['scan', '--json', join(FIXTURES, 'trail.json')])).stdout);
    expect(validate(line)).toBe(true);
    expect(validate({ ...line, extra: 1 })).toBe(false);
    expect(validate({ ...line, schema: 'trailwatch.finding/2' })).toBe(false);
    const { eventTime: _, ...withoutTime } = line ?? {};
    expect(validate(withoutTime)).toBe(false);
    expect(validate({ ...line, severity: 'info' })).toBe(false);
  });
});
