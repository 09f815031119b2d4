// End-to-end: `node bin/trailwatch.js scan` on fixture files in each format.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { records } from './support/generate-trail';
import { FIXTURES, jsonLines, runCli, summaryLine } from './support/run-cli';

const fixture = (name: string): string => join(FIXTURES, name);
let tmp: string;
const TRAIL_GZ = 'gz/111122223333_CloudTrail_eu-west-1_20261120T0915Z_a1b2c3.json.gz';

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'trailwatch-cli-'));
  mkdirSync(join(tmp, 'gz'));
  writeFileSync(join(tmp, TRAIL_GZ), gzipSync(readFileSync(fixture('trail.json'))));
  // A larger trail file cut short: the first part decompresses, then gzip runs out.
  const big = `{"Records":[${[...records(400, Date.UTC(2026, 10, 20), 1000, 100)].map((r) => JSON.stringify(r)).join(',')}]}`;
  const gz = gzipSync(big);
  writeFileSync(join(tmp, 'truncated.json.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
  // An archive as synced from S3, with a digest folder that must be skipped.
  const archive = join(tmp, 'AWSLogs', '111122223333', 'CloudTrail', 'eu-west-1', '2026', '11', '20');
  mkdirSync(archive, { recursive: true });
  copyFileSync(
    join(tmp, TRAIL_GZ),
    join(archive, '111122223333_CloudTrail_eu-west-1_20261120T0915Z_a1b2c3.json.gz'),
  );
  copyFileSync(
    fixture('events.jsonl'),
    join(archive, '111122223333_CloudTrail_eu-west-1_20261122T1005Z_d4e5f6.jsonl'),
  );
  const digest = join(tmp, 'AWSLogs', '111122223333', 'CloudTrail-Digest', 'eu-west-1');
  mkdirSync(digest, { recursive: true });
  writeFileSync(join(digest, 'digest.json'), '{"digestStartTime":"2026-11-20T09:00:00Z","logFiles":[]}');
  writeFileSync(
    join(tmp, 'suppressions.json'),
    JSON.stringify({
      version: 1,
      suppressions: [
        {
          id: 'key-rotation-script',
          reason: 'mallory runs the reviewed key rotation script',
          ruleIds: ['iam.access-key-created'],
          principalArn: ['arn:aws:iam::111122223333:user/mallory'],
        },
      ],
    }),
  );
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('scan of a trail file', () => {
  it('prints one JSON object per finding with the documented fields, in time order', async () => {
    const { code, stdout, stderr } = await runCli(['scan', '--json', fixture('trail.json')]);
    expect(code).toBe(0);
    const findings = jsonLines(stdout);
    expect(findings.map((f) => f.ruleId)).toEqual([
      'iam.access-key-created',
      'cloudtrail.logging-stopped',
      'signin.console-login',
      'ec2.security-group-opened-to-world',
    ]);
    expect(findings[1]).toEqual({
      schema: 'trailwatch.finding/1',
      ruleId: 'cloudtrail.logging-stopped',
      severity: 'critical',
      title: 'CloudTrail logging stopped',
      summary: expect.stringContaining('mallory stopped logging'),
      eventId: '5f1d2c3b-1111-4a5b-9c8d-000000000002',
      eventName: 'StopLogging',
      eventSource: 'cloudtrail.amazonaws.com',
      eventTime: '2026-11-20T09:14:03Z',
      actor: 'arn:aws:iam::111122223333:user/mallory',
      sourceIPAddress: '198.51.100.23',
      region: 'eu-west-1',
      accountId: '111122223333',
      dedupKey: expect.stringContaining('cloudtrail.logging-stopped'),
      mitre: ['TA0005:T1562.008'],
      source: `${fixture('trail.json')}:1: Records[1]`,
    });
    expect(summaryLine(stderr)).toMatch(
      /^trailwatch scan: 1 input, 6 events, 0 unparseable, 4 findings \(2 critical, 2 high\), \d+\.\d\d s \(\d+ events\/s\)$/,
    );
  });

  it('prints a table by default', async () => {
    const { code, stdout } = await runCli(['scan', fixture('trail.json')]);
    expect(code).toBe(0);
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^TIME\s+SEVERITY\s+RULE\s+EVENT\s+ACTOR\s+SOURCE IP\s+REGION$/);
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatch(
      /^2026-11-20T09:14:03Z\s+critical\s+cloudtrail\.logging-stopped\s+StopLogging\s+111122223333:user\/mallory\s+198\.51\.100\.23\s+eu-west-1$/,
    );
  });

  it('--min-severity widens or narrows what is shown', async () => {
    // The trail plus a rule revoked from a security group: a low finding.
    const trail = JSON.parse(readFileSync(fixture('trail.json'), 'utf8')) as {
      Records: Record<string, unknown>[];
    };
    const revoke = {
      ...trail.Records.find((r) => r.eventName === 'AuthorizeSecurityGroupIngress')!,
      eventName: 'RevokeSecurityGroupIngress',
      eventID: '5f1d2c3b-1111-4a5b-9c8d-0000000000ff',
      eventTime: '2026-11-20T09:59:00Z',
    };
    const withLow = join(tmp, 'trail-with-low.json');
    writeFileSync(withLow, JSON.stringify({ Records: [...trail.Records, revoke] }));
    const low = await runCli(['scan', '--json', '--min-severity', 'low', withLow]);
    expect(jsonLines(low.stdout).map((f) => f.severity)).toEqual([
      'high',
      'critical',
      'high',
      'critical',
      'low',
    ]);
    const medium = await runCli(['scan', '--json', withLow]);
    expect(summaryLine(medium.stderr)).toContain('1 below medium not shown');
    const critical = await runCli(['scan', '--json', '--min-severity', 'critical', fixture('trail.json')]);
    expect(jsonLines(critical.stdout).map((f) => f.ruleId)).toEqual([
      'cloudtrail.logging-stopped',
      'ec2.security-group-opened-to-world',
    ]);
    expect(summaryLine(critical.stderr)).toContain('2 findings (2 critical), 2 below critical not shown');
  });

  it('reads the gzipped file the same way', async () => {
    const plain = await runCli(['scan', '--json', fixture('trail.json')]);
    const gz = await runCli(['scan', '--json', join(tmp, TRAIL_GZ)]);
    expect(gz.code).toBe(0);
    const strip = (f: Record<string, unknown>) => ({ ...f, source: undefined });
    expect(jsonLines(gz.stdout).map(strip)).toEqual(jsonLines(plain.stdout).map(strip));
  });

  it('leaves out suppressed findings and counts them', async () => {
    const { stdout, stderr } = await runCli([
      'scan',
      '--json',
      '--suppressions',
      join(tmp, 'suppressions.json'),
      fixture('trail.json'),
    ]);
    expect(jsonLines(stdout).map((f) => f.ruleId)).not.toContain('iam.access-key-created');
    expect(summaryLine(stderr)).toContain('3 findings (2 critical, 1 high)');
    expect(summaryLine(stderr)).toContain('1 suppressed');
  });
});

describe('scan of other formats', () => {
  it('reads `aws cloudtrail lookup-events` output and reports a broken CloudTrailEvent by index and line', async () => {
    const { code, stdout, stderr } = await runCli(['scan', '--json', fixture('lookup-events.json')]);
    expect(code).toBe(0);
    const findings = jsonLines(stdout);
    expect(findings.map((f) => [f.ruleId, f.eventId])).toEqual([
      ['iam.user-created', '9a8b7c6d-2222-4a5b-9c8d-0000000000a1'],
    ]);
    expect(stderr).toContain(
      `${fixture('lookup-events.json')}:25: Events[2]: CloudTrailEvent is not valid JSON`,
    );
    expect(summaryLine(stderr)).toContain('2 events, 1 unparseable');
  });

  it('strips control and bidi characters that an attacker put in the event', async () => {
    const { stdout } = await runCli(['scan', '--json', fixture('lookup-events.json')]);
    const finding = jsonLines(stdout)[0];
    expect(finding?.summary).toContain('svc-');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
    expect(stdout.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u202e]|\\u001b|\\u202e/);
    const table = await runCli(['scan', fixture('lookup-events.json')]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: as above.
    expect(table.stdout.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it('reads JSON lines and names the line of each bad record', async () => {
    const { code, stdout, stderr } = await runCli(['scan', '--json', fixture('events.jsonl')]);
    expect(code).toBe(0);
    expect(jsonLines(stdout).map((f) => f.ruleId)).toEqual([
      's3.public-access-block-removed',
      'cloudtrail.trail-deleted',
    ]);
    const file = fixture('events.jsonl');
    expect(stderr).toContain(`${file}:4: not valid JSON`);
    expect(stderr).toContain(`${file}:5: record is a number, not a JSON object`);
    expect(stderr).toContain(`${file}:6: record has no eventID`);
    expect(summaryLine(stderr)).toContain('3 events, 3 unparseable');
  });

  it('names the record that is not an object in a trail file', async () => {
    const { code, stderr } = await runCli(['scan', fixture('records-with-junk.json')]);
    expect(code).toBe(0);
    expect(stderr).toContain(
      `${fixture('records-with-junk.json')}:4: Records[1]: record is a string, not a JSON object`,
    );
  });

  it('reads stdin', async () => {
    const { code, stdout, stderr } = await runCli(['scan', '--json', '-'], {
      stdin: readFileSync(join(tmp, TRAIL_GZ)),
    });
    expect(code).toBe(0);
    expect(jsonLines(stdout)).toHaveLength(4);
    expect(summaryLine(stderr)).toContain('1 input, 6 events');
  });

  it('walks folders, skips digest files, and gives the same output with worker threads', async () => {
    const root = join(tmp, 'AWSLogs');
    const single = await runCli(['scan', '--json', '--workers', '0', root]);
    const parallel = await runCli(['scan', '--json', '--workers', '2', root]);
    expect(single.code).toBe(0);
    expect(summaryLine(single.stderr)).toContain('2 inputs, 9 events, 3 unparseable, 6 findings');
    expect(parallel.stdout).toBe(single.stdout);
    expect(summaryLine(parallel.stderr)).toMatch(/events\/s, 2 workers\)$/);
  });
});

describe('scan of bad input', () => {
  it('scans what a truncated gzip holds, names the file, and exits 0', async () => {
    const file = join(tmp, 'truncated.json.gz');
    const { code, stderr } = await runCli(['scan', file]);
    expect(stderr).toContain(`${file}: gzip data is truncated or corrupt`);
    const events = Number(/(\d+) events/.exec(summaryLine(stderr))?.[1]);
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThan(400);
    expect(summaryLine(stderr)).toContain('1 input with errors');
    expect(code).toBe(0);
  });

  it('exits 2 when nothing could be read, naming the file', async () => {
    const { code, stdout, stderr } = await runCli(['scan', fixture('not-json.csv')]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${fixture('not-json.csv')}: not JSON: it starts with "eventTime,eventN"`);
  });

  it('goes on past a bad or missing file, and exits 2 for the one it could not read', async () => {
    const missing = join(tmp, 'nope.json');
    const { code, stdout, stderr } = await runCli([
      'scan',
      '--json',
      fixture('not-json.csv'),
      missing,
      fixture('trail.json'),
    ]);
    expect(code).toBe(2);
    expect(jsonLines(stdout)).toHaveLength(4);
    expect(stderr).toContain(`${missing}: no such file or folder`);
    expect(stderr).toContain('not JSON');
    expect(summaryLine(stderr)).toMatch(
      /^trailwatch scan: 3 inputs, .*, 2 inputs with errors \(1 not read\),/,
    );
  });
});

describe('exit codes and usage', () => {
  it('exits 1 when a finding is at or above --fail-on, 0 otherwise', async () => {
    expect((await runCli(['scan', '--fail-on', 'critical', fixture('trail.json')])).code).toBe(1);
    expect((await runCli(['scan', '--fail-on', 'critical', fixture('lookup-events.json')])).code).toBe(0);
    // --fail-on looks below --min-severity too: what is not shown still fails the run.
    expect(
      (
        await runCli([
          'scan',
          '--min-severity',
          'critical',
          '--fail-on',
          'high',
          fixture('lookup-events.json'),
        ])
      ).code,
    ).toBe(1);
  });

  it.each([
    [['scan'], 'scan needs at least one PATH'],
    [
      ['scan', '--min-severity', 'severe', 'x.json'],
      '--min-severity "severe" is not one of low, medium, high, critical',
    ],
    [['scan', '--fail-on', 'info', 'x.json'], '--fail-on "info" is not one of'],
    [['scan', '--bogus', 'x.json'], "Unknown option '--bogus'"],
    [
      ['scan', '--suppressions', 'missing.json', 'x.json'],
      '--suppressions missing.json: no such file or folder',
    ],
    [['frobnicate'], 'unknown command "frobnicate"'],
  ])('%j exits 2 with a message', async (args, message) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toMatch(/See 'trailwatch (scan )?--help'/);
  });

  it('reports an invalid suppression list as a usage error', async () => {
    const bad = join(tmp, 'bad-suppressions.json');
    writeFileSync(bad, '{"version":1,"suppressions":[{"id":"x"}]}');
    const { code, stderr } = await runCli(['scan', '--suppressions', bad, fixture('trail.json')]);
    expect(code).toBe(2);
    expect(stderr).toContain('reason');
  });

  it('runs the same through the tsx fallback loader (when the bundle cache cannot be written)', async () => {
    const bundled = await runCli(['scan', '--json', fixture('trail.json')]);
    const viaTsx = await runCli(['scan', '--json', fixture('trail.json')], {
      env: { TRAILWATCH_CLI_LOADER: 'tsx' },
    });
    expect(viaTsx.code).toBe(0);
    expect(viaTsx.stdout).toBe(bundled.stdout);
  });

  it('has --help per command with examples, and --version from package.json', async () => {
    for (const command of ['scan', 'poll', 'rules']) {
      const { code, stdout } = await runCli([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: trailwatch ${command}`);
      expect(stdout).toContain('Examples:');
    }
    const { version } = JSON.parse(
      readFileSync(join(FIXTURES, '..', '..', '..', 'package.json'), 'utf8'),
    ) as { version: string };
    expect((await runCli(['--version'])).stdout).toBe(`${version}\n`);
  });
});

describe('one front door: scan and poll run what the deployed detector runs', () => {
  /** A failed console sign-in from one address, as CloudTrail records it. */
  const failedSignIn = (i: number, atMs: number) => ({
    eventVersion: '1.08',
    eventID: `burst-${i}`,
    eventName: 'ConsoleLogin',
    eventSource: 'signin.amazonaws.com',
    eventTime: new Date(atMs).toISOString().replace('.000Z', 'Z'),
    eventType: 'AwsConsoleSignIn',
    awsRegion: 'us-east-1',
    recipientAccountId: '111122223333',
    sourceIPAddress: '198.51.100.99',
    userAgent: 'Mozilla/5.0',
    userIdentity: { type: 'IAMUser', accountId: '111122223333', userName: `guess-${i}` },
    responseElements: { ConsoleLogin: 'Failure' },
    errorMessage: 'Failed authentication',
  });

  it('finds a threshold crossing in a trail file: five failed sign-ins from one address', async () => {
    const start = Date.UTC(2026, 10, 20, 9, 1);
    const file = join(tmp, '111122223333_CloudTrail_us-east-1_20261120T0905Z_burst.json');
    writeFileSync(
      file,
      JSON.stringify({ Records: [0, 1, 2, 3, 4].map((i) => failedSignIn(i, start + i * 20_000)) }),
    );
    const { code, stdout } = await runCli(['scan', '--json', file]);
    expect(code).toBe(0);
    const spray = jsonLines(stdout).filter((f) => f.ruleId === 'signin.failed-console-logins');
    expect(spray).toHaveLength(1);
    expect(spray[0]).toMatchObject({ severity: 'high', eventId: 'burst-4', source: `${file}:1: Records[4]` });
    // The event rules alone, as before.
    const perEvent = await runCli(['scan', '--json', '--per-event-only', file]);
    expect(jsonLines(perEvent.stdout).filter((f) => f.ruleId === 'signin.failed-console-logins')).toEqual([]);
  });

  it('finds the same crossing when the records are split across files scanned by worker threads', async () => {
    const dir = join(tmp, 'split');
    mkdirSync(dir);
    const start = Date.UTC(2026, 10, 20, 9, 1);
    for (let i = 0; i < 5; i++) {
      writeFileSync(
        join(dir, `111122223333_CloudTrail_us-east-1_20261120T090${i}Z_part${i}.json`),
        JSON.stringify({ Records: [failedSignIn(i, start + i * 20_000)] }),
      );
    }
    const { code, stdout } = await runCli(['scan', '--json', '--workers', '2', dir]);
    expect(code).toBe(0);
    expect(jsonLines(stdout).filter((f) => f.ruleId === 'signin.failed-console-logins')).toHaveLength(1);
  });

  it.each(['scan', 'poll'])('%s --suppressions accepts every id the construct accepts', async (command) => {
    const { DETECTION_IDS } = await import('../../lambda/compose');
    const { suppressionProblems } = await import('../../lambda/compose');
    const list = {
      version: 1,
      suppressions: DETECTION_IDS.map((id, i) => ({ id: `s${i}`, reason: 'known', ruleIds: [id] })),
    };
    // What the construct and the context reader validate with.
    expect(suppressionProblems(list, Date.now())).toEqual([]);
    const path = join(tmp, `every-id-${command}.json`);
    writeFileSync(path, JSON.stringify(list));
    if (command === 'scan') {
      const { code, stderr } = await runCli(['scan', '--suppressions', path, fixture('trail.json')]);
      expect(stderr).not.toContain('--suppressions');
      expect(code).toBe(0);
    } else {
      // No AWS here: the list is accepted, then the region cannot be read (exit 2 for that, not the list).
      const { code, stderr } = await runCli(['poll', '--suppressions', path, '--regions', 'eu-west-1'], {
        env: {
          AWS_ENDPOINT_URL_CLOUDTRAIL: 'http://127.0.0.1:9',
          AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
          AWS_SECRET_ACCESS_KEY: 'local-secret',
        },
      });
      expect(stderr).not.toContain('--suppressions');
      expect(stderr).toContain('trailwatch poll: eu-west-1: lookup-failed');
      expect(code).toBe(2);
    }
    expect(DETECTION_IDS).toEqual(expect.arrayContaining(['iam.access-denied-burst', 'anomaly.first-seen']));
  });
});

describe('data events: what only trail files hold', () => {
  /** An S3 data event, as a trail that logs them writes it. */
  const objectEvent = (i: number, eventName: string, atMs: number, extra: Record<string, string> = {}) => ({
    eventVersion: '1.11',
    eventID: `obj-${eventName}-${i}`,
    eventName,
    eventSource: 's3.amazonaws.com',
    eventTime: new Date(atMs).toISOString().replace('.000Z', 'Z'),
    eventType: 'AwsApiCall',
    eventCategory: 'Data',
    managementEvent: false,
    readOnly: eventName === 'GetObject',
    awsRegion: 'us-east-1',
    recipientAccountId: '111122223333',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.17.40',
    userIdentity: {
      type: 'IAMUser',
      accountId: '111122223333',
      userName: 'mallory',
      arn: 'arn:aws:iam::111122223333:user/mallory',
      accessKeyId: 'AKIAEXAMPLEMALLORY01',
    },
    requestParameters: { bucketName: 'finance-exports', key: `reports/${i}.csv`, ...extra },
    responseElements: null,
    resources: [
      { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::finance-exports/reports/${i}.csv` },
      { type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::finance-exports' },
    ],
  });

  it('finds SSE-C rewrites and bulk deletions in S3 data events', async () => {
    const start = Date.UTC(2026, 10, 20, 9, 1);
    const file = join(tmp, '111122223333_CloudTrail_us-east-1_20261120T0905Z_data.json');
    const ssec = { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' };
    const records = [
      objectEvent(0, 'CopyObject', start, ssec),
      ...Array.from({ length: 100 }, (_, i) => objectEvent(i, 'DeleteObject', start + 1000 + i * 100)),
    ];
    writeFileSync(file, JSON.stringify({ Records: records }));
    const { code, stdout } = await runCli(['scan', '--json', file]);
    expect(code).toBe(0);
    const found = jsonLines(stdout);
    expect(found.filter((f) => f.ruleId === 's3.object-encrypted-with-customer-key')).toMatchObject([
      { severity: 'high', eventId: 'obj-CopyObject-0' },
    ]);
    expect(found.filter((f) => f.ruleId === 's3.bulk-object-deletions')).toMatchObject([
      { severity: 'high', eventId: 'obj-DeleteObject-99' },
    ]);
  });
});
