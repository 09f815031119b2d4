// End-to-end: `node bin/trailwatch.js scan s3://bucket/prefix` against the local S3 (real wire
// protocol on 127.0.0.1, reached through AWS_ENDPOINT_URL_S3 with dummy credentials), over gzipped
// trail files generated here. The same files on disk are the reference for what the scan must find.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRecordFactory, stopLoggingRecord } from '../../local/cloudtrail';
import { type LocalS3, type S3RequestLog, startLocalS3 } from '../../local/s3';
import { records } from './support/generate-trail';
import { FIXTURES, jsonLines, runCli, summaryLine } from './support/run-cli';
import { noTerminalReason, runInTerminal, screen } from './support/terminal';

const ACCOUNT = '111122223333';
const BUCKET = 'trail-archive';
const PREFIX = `AWSLogs/${ACCOUNT}/CloudTrail/`;
const LOCATION = `s3://${BUCKET}/${PREFIX}`;

function logKey(region: string, stamp: string, id: string): string {
  const [y, m, d] = [stamp.slice(0, 4), stamp.slice(4, 6), stamp.slice(6, 8)];
  return `${PREFIX}${region}/${y}/${m}/${d}/${ACCOUNT}_CloudTrail_${region}_${stamp}_${id}.json.gz`;
}

/** The trail fixture (4 findings) in eu-west-1 at 09:15. */
const EU_KEY = logKey('eu-west-1', '20261120T0915Z', 'a1b2c3d4e5f6a7b8');
/** Earlier (09:05) but listed after it: us-east-1 sorts after eu-west-1 by key. */
const US_KEY = logKey('us-east-1', '20261120T0905Z', 'b2c3d4e5f6a7b8c9');
/** A larger file, for failures part-way through (10:00). */
const BIG_KEY = logKey('eu-west-1', '20261120T1000Z', 'c3d4e5f6a7b8c9d0');
const DIGEST_KEY = `AWSLogs/${ACCOUNT}/CloudTrail-Digest/eu-west-1/2026/11/20/${ACCOUNT}_CloudTrail-Digest_eu-west-1_main_eu-west-1_20261120T091500Z.json.gz`;

let s3: LocalS3;
let tmp: string;
const bodies = new Map<string, Buffer>();

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'trailwatch-s3-'));
  s3 = await startLocalS3();
  // The bucket lives in eu-west-1; requests signed for another region are redirected (301).
  s3.createBucket(BUCKET, { region: 'eu-west-1' });
  const make = createRecordFactory(11);
  const usEast = [
    make({
      eventTimeMs: Date.UTC(2026, 10, 20, 9, 1),
      eventName: 'DescribeInstances',
      awsRegion: 'us-east-1',
    }),
    stopLoggingRecord(make, Date.UTC(2026, 10, 20, 9, 2), { region: 'us-east-1', userName: 'eve' }),
  ];
  const big = [...records(3000, Date.UTC(2026, 10, 20, 10), 1000, 100)].map((r) => JSON.stringify(r));
  bodies.set(EU_KEY, gzipSync(readFileSync(join(FIXTURES, 'trail.json'))));
  bodies.set(US_KEY, gzipSync(JSON.stringify({ Records: usEast })));
  bodies.set(BIG_KEY, gzipSync(`{"Records":[${big.join(',')}]}`));
  // The same files on disk, for the reference scan.
  mkdirSync(join(tmp, 'disk'));
  for (const [key, body] of bodies) {
    s3.putObject(BUCKET, key, body);
    writeFileSync(join(tmp, 'disk', key.split('/').pop()!), body);
  }
  // Not log files: a digest (it would find StopLogging if it were read), a note, and enough other
  // objects under the prefix for the listing to take two pages.
  s3.putObject(BUCKET, DIGEST_KEY, gzipSync(JSON.stringify({ Records: usEast })));
  s3.putObject(BUCKET, `${PREFIX}eu-west-1/2026/11/20/README.txt`, 'not a log file');
  for (let i = 0; i < 1_000; i++) s3.putObject(BUCKET, `${PREFIX}eu-west-1/config/${i}.txt`, 'x');
  s3.putObject(BUCKET, 'elsewhere/notes.txt', 'x');
});

afterEach(() => s3.denyWhen(undefined));

afterAll(async () => {
  await s3.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The CLI's environment: the local endpoint, dummy credentials, no shared AWS config. */
function awsEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDLOCALS3',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_CONFIG_FILE: join(tmp, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'eu-west-1',
    ...extra,
  };
}

/** The requests of one run. */
async function logged<T>(run: () => Promise<T>): Promise<{ result: T; requests: S3RequestLog[] }> {
  const before = s3.requests.length;
  const result = await run();
  return { result, requests: s3.requests.slice(before) };
}

const withoutSource = (f: Record<string, unknown>) => ({ ...f, source: undefined });
const url = (key: string): string => `s3://${BUCKET}/${key}`;
const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('scan of an S3 prefix', () => {
  it('streams the log files under it in time order, finding what a scan of the same files on disk finds', async () => {
    const { stdout, stderr, code } = await runCli(['scan', '--json', LOCATION], { env: awsEnv() });
    const disk = await runCli(['scan', '--json', join(tmp, 'disk')]);
    expect(code).toBe(0);
    const findings = jsonLines(stdout);
    expect(findings.map(withoutSource)).toEqual(jsonLines(disk.stdout).map(withoutSource));
    // us-east-1 at 09:05 first, then eu-west-1 at 09:15, then 10:00; each finding names its object.
    expect(findings[0]).toMatchObject({ ruleId: 'cloudtrail.logging-stopped', region: 'us-east-1' });
    expect(findings[0]?.source).toMatch(new RegExp(`^${escaped(url(US_KEY))}:1: Records\\[1\\]$`));
    expect(findings[1]?.source).toMatch(new RegExp(`^${escaped(url(EU_KEY))}:1: Records\\[\\d\\]$`));
    expect(findings.at(-1)?.source).toMatch(new RegExp(`^${escaped(url(BIG_KEY))}:1: Records\\[\\d+\\]$`));
    expect(summaryLine(stderr)).toMatch(/^trailwatch scan: 3 inputs, 3008 events, 0 unparseable, /);
    expect(summaryLine(disk.stderr)).toContain('3 inputs, 3008 events, 0 unparseable');
  });

  it('lists every page of the prefix and fetches the log files only, on the main thread', async () => {
    const { result, requests } = await logged(() =>
      runCli(['scan', '--json', '--workers', '2', LOCATION], { env: awsEnv() }),
    );
    expect(result.code).toBe(0);
    const listings = requests.filter((r) => r.operation === 'ListObjectsV2');
    expect(listings.map((r) => [r.query.prefix, r.query['continuation-token'] === undefined])).toEqual([
      [PREFIX, true],
      [PREFIX, false],
    ]);
    expect(
      requests
        .filter((r) => r.operation === 'GetObject')
        .map((r) => r.key)
        .sort(),
    ).toEqual([EU_KEY, US_KEY, BIG_KEY].sort());
    expect(summaryLine(result.stderr)).not.toContain('workers');
  });

  it('starts in us-east-1 when no region is configured, and follows the bucket to eu-west-1', async () => {
    const { AWS_REGION: _, ...noRegion } = awsEnv();
    const { result, requests } = await logged(() => runCli(['scan', '--json', LOCATION], { env: noRegion }));
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).length).toBeGreaterThan(4);
    // One redirect: the first listing; everything after goes to the bucket's region.
    expect(requests[0]).toMatchObject({ operation: 'ListObjectsV2', region: 'us-east-1', status: 301 });
    expect(requests.slice(1).every((r) => r.region === 'eu-west-1' && r.status === 200)).toBe(true);
    expect(requests).toHaveLength(6);
  });

  it('--region sends every request to that region', async () => {
    const { result, requests } = await logged(() =>
      runCli(['scan', '--json', '--region', 'eu-west-1', LOCATION], {
        env: awsEnv({ AWS_REGION: 'us-west-2' }),
      }),
    );
    expect(result.code).toBe(0);
    expect(new Set(requests.map((r) => `${r.region} ${r.status}`))).toEqual(new Set(['eu-west-1 200']));
  });

  it('retries throttled and failed requests: nothing is lost', async () => {
    s3.throttleNext(2, { operation: 'ListObjectsV2' });
    s3.failNext(1, 'InternalError', { operation: 'GetObject', key: EU_KEY });
    const { result, requests } = await logged(() => runCli(['scan', '--json', LOCATION], { env: awsEnv() }));
    expect(result.code).toBe(0);
    expect(summaryLine(result.stderr)).toContain('3 inputs, 3008 events');
    expect(requests.filter((r) => r.injected).map((r) => r.errorCode)).toEqual([
      'SlowDown',
      'SlowDown',
      'InternalError',
    ]);
  });

  const skipTerminal = noTerminalReason();
  (skipTerminal === undefined ? it : it.skip)(
    'counts the bytes read from S3 on the progress bar, against the total the listing gave',
    async () => {
      const total = [...bodies.values()].reduce((sum, body) => sum + body.length, 0);
      const { code, raw } = await runInTerminal(['scan', LOCATION], { columns: 150, env: awsEnv() });
      expect(code).toBe(0);
      const shown = `${(total / 1024).toFixed(0)} KB`;
      expect(raw).toMatch(new RegExp(`\\[[#.]{24}\\] +\\d+% [\\d.]+ [KM]?B/${shown}`));
      // The listing's status line and the bar are both gone from the screen at the end.
      expect(screen(raw, 1000).filter((row) => /listing s3:|\[[#.]{24}\]/.test(row))).toEqual([]);
    },
  );
});

describe('scan of an S3 prefix that cannot be read', () => {
  it('names a bucket that does not exist, scans the rest, and exits 2', async () => {
    const { code, stdout, stderr } = await runCli(
      ['scan', '--json', 's3://no-such-trail-bucket/AWSLogs/', join(FIXTURES, 'trail.json')],
      { env: awsEnv() },
    );
    expect(code).toBe(2);
    expect(jsonLines(stdout)).toHaveLength(4);
    expect(stderr).toContain(
      'trailwatch: s3://no-such-trail-bucket/AWSLogs/: no such bucket "no-such-trail-bucket" (NoSuchBucket)',
    );
  });

  it('names the permission a refused listing needs, and exits 2', async () => {
    s3.denyWhen((r) => r.operation === 'ListObjectsV2');
    const { code, stderr } = await runCli(['scan', LOCATION], { env: awsEnv() });
    expect(code).toBe(2);
    expect(stderr).toContain(
      `trailwatch: ${LOCATION}: access denied: listing needs s3:ListBucket on arn:aws:s3:::${BUCKET}`,
    );
  });

  it('names an object it may not read, scans the others, and exits 2', async () => {
    s3.denyWhen((r) => r.operation === 'GetObject' && r.key === EU_KEY);
    const { code, stdout, stderr } = await runCli(['scan', '--json', LOCATION], { env: awsEnv() });
    expect(code).toBe(2);
    expect(stderr).toContain(
      `trailwatch: ${url(EU_KEY)}: access denied: reading needs s3:GetObject, and kms:Decrypt for SSE-KMS objects`,
    );
    const sources = jsonLines(stdout).map((f) => String(f.source));
    expect(sources.some((s) => s.startsWith(url(US_KEY)))).toBe(true);
    expect(sources.some((s) => s.startsWith(url(BIG_KEY)))).toBe(true);
    expect(sources.some((s) => s.startsWith(url(EU_KEY)))).toBe(false);
    expect(summaryLine(stderr)).toContain('3 inputs, 3002 events');
  });

  it('scans what arrived of an object that fails mid-stream, names it, and exits 2', async () => {
    const size = bodies.get(BIG_KEY)!.length;
    s3.truncateNextBody(1, { key: BIG_KEY, afterBytes: Math.floor(size / 2) });
    const { code, stderr } = await runCli(['scan', '--json', LOCATION], { env: awsEnv() });
    expect(code).toBe(2);
    expect(stderr).toContain(
      `trailwatch: ${url(BIG_KEY)}: the download failed after ${Math.floor(size / 2)} of ${size} bytes`,
    );
    const events = Number(/(\d+) events/.exec(summaryLine(stderr))?.[1]);
    // The two small files whole (8 events), and part of the large one.
    expect(events).toBeGreaterThan(8);
    expect(events).toBeLessThan(3008);
  });

  it('says when a prefix holds no CloudTrail log file, and exits 2', async () => {
    const { code, stderr } = await runCli(['scan', `s3://${BUCKET}/elsewhere/`], { env: awsEnv() });
    expect(code).toBe(2);
    expect(stderr).toContain(
      `trailwatch: s3://${BUCKET}/elsewhere/: no CloudTrail log files under this prefix (1 object listed;`,
    );
  });
});

describe('S3 locations on the command line', () => {
  it.each([
    ['s3://Trail_Archive/AWSLogs/', '"s3://Trail_Archive/AWSLogs/": "Trail_Archive" is not a bucket name'],
    ['s3:trail-archive', '"s3:trail-archive" is not an S3 location: write s3://BUCKET/PREFIX'],
  ])('refuses %s as a usage error naming it', async (location, message) => {
    const { code, stdout, stderr } = await runCli(['scan', location], { env: awsEnv() });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`trailwatch: ${message}`);
    expect(stderr).toContain("See 'trailwatch scan --help'.");
  });

  it('refuses a --region that is not a region code', async () => {
    const { code, stderr } = await runCli(['scan', '--region', 'europe', LOCATION], { env: awsEnv() });
    expect(code).toBe(2);
    expect(stderr).toContain('--region "europe" is not a region code like eu-west-1');
  });
});
