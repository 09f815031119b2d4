// Every example in every command's --help works: each example line is run as written, in bash
// with pipefail, in a folder laid out as the examples assume (an AWSLogs archive, trail.json.gz),
// against the local CloudTrail, SNS, S3 and DynamoDB, and must exit 0 or 1 (findings), never 2.
// `trailwatch` is the CLI of this repository; `aws` (not installed here) is a stand-in that prints
// recorded `lookup-events` output; jq and zcat are the real ones.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type LocalCloudTrail, makeRecord, startLocalCloudTrail } from '../../local/cloudtrail';
import { createDetectorTable, DYNAMODB_ENDPOINT_ENV } from '../../local/dynamodb';
import { type LocalS3, startLocalS3 } from '../../local/s3';
import { type LocalSns, startLocalSns } from '../../local/sns';
import { FIXTURES, ROOT, runCli } from './support/run-cli';

const MINUTE = 60_000;
const TRAIL_NAME = '111122223333_CloudTrail_eu-west-1_20261120T0915Z_a1b2c3.json.gz';
let tmp: string;
let cloudtrail: LocalCloudTrail;
let sns: LocalSns;
let s3: LocalS3;

/** The lines under `Examples:` in a help text. */
function examplesOf(help: string): string[] {
  const after = help.split('\nExamples:\n')[1] ?? '';
  return after
    .split('\n')
    .filter((line) => line.startsWith('  '))
    .map((line) => line.trim());
}

function runExample(example: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', example], {
      cwd: join(tmp, 'work'),
      env: {
        PATH: `${join(tmp, 'bin')}:${process.env.PATH ?? ''}`,
        HOME: tmp,
        AWS_CONFIG_FILE: join(tmp, 'aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'aws-credentials'),
        AWS_REGION: 'eu-west-1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_ENDPOINT_URL_CLOUDTRAIL: cloudtrail.url,
        AWS_ENDPOINT_URL_SNS: sns.url,
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: process.env[DYNAMODB_ENDPOINT_ENV] ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'trailwatch-examples-'));
  const bin = join(tmp, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'trailwatch'),
    `#!/bin/sh\nexec '${process.execPath}' '${join(ROOT, 'bin', 'trailwatch.js')}' "$@"\n`,
  );
  writeFileSync(
    join(bin, 'aws'),
    `#!/bin/sh\n[ "$1 $2" = "cloudtrail lookup-events" ] || exit 2\ncat '${join(FIXTURES, 'lookup-events.json')}'\n`,
  );
  chmodSync(join(bin, 'trailwatch'), 0o755);
  chmodSync(join(bin, 'aws'), 0o755);
  writeFileSync(
    join(tmp, 'aws-config'),
    '[default]\nregion = eu-west-1\n\n[profile audit]\nregion = eu-west-1\n',
  );
  writeFileSync(
    join(tmp, 'aws-credentials'),
    '[default]\naws_access_key_id = AKIDLOCALTEST\naws_secret_access_key = local-secret\n\n' +
      '[audit]\naws_access_key_id = AKIDLOCALAUDIT\naws_secret_access_key = local-secret\n',
  );

  // The folder the examples run in: an archive as synced from S3, and a gzipped trail file.
  const work = join(tmp, 'work');
  const day = join(work, 'AWSLogs', '111122223333', 'CloudTrail', 'eu-west-1', '2026', '11', '20');
  mkdirSync(day, { recursive: true });
  const gz = gzipSync(readFileSync(join(FIXTURES, 'trail.json')));
  writeFileSync(join(day, TRAIL_NAME), gz);
  writeFileSync(join(work, 'trail.json.gz'), gz);

  const now = Date.now();
  [cloudtrail, sns, s3] = await Promise.all([
    startLocalCloudTrail(),
    startLocalSns({ topics: ['arn:aws:sns:eu-west-1:111122223333:alerts'] }),
    startLocalS3({ region: 'eu-west-1' }),
  ]);
  for (const region of ['eu-west-1', 'us-east-1']) {
    cloudtrail.addEvent(region, makeRecord({ eventTimeMs: now - 30 * MINUTE, awsRegion: region }));
  }
  cloudtrail.addEvent(
    'eu-west-1',
    makeRecord({
      eventTimeMs: now - 20 * MINUTE,
      eventName: 'StopLogging',
      eventSource: 'cloudtrail.amazonaws.com',
      awsRegion: 'eu-west-1',
      userName: 'mallory',
      requestParameters: { name: 'org-audit-trail' },
    }),
  );
  s3.putObject('my-trail-bucket', `AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/20/${TRAIL_NAME}`, gz);
  await createDetectorTable(process.env[DYNAMODB_ENDPOINT_ENV] ?? '', 'TrailwatchState').catch(
    (error: Error) => {
      if (error.name !== 'ResourceInUseException') throw error;
    },
  );
});

afterAll(async () => {
  await Promise.all([cloudtrail?.close(), sns?.close(), s3?.close()]);
  rmSync(tmp, { recursive: true, force: true });
});

describe('the examples in --help', () => {
  it('are there for every command, and the tools they use are installed', async () => {
    for (const command of [[], ['scan'], ['poll'], ['rules']]) {
      const { stdout } = await runCli([...command, '--help']);
      expect(examplesOf(stdout).length).toBeGreaterThanOrEqual(2);
    }
    for (const tool of ['bash', 'jq', 'zcat']) {
      expect([tool, spawnSync(tool, ['--version']).status]).toEqual([tool, 0]);
    }
  });

  it.each([
    ['trailwatch --help', ['--help']],
    ['trailwatch scan --help', ['scan', '--help']],
    ['trailwatch poll --help', ['poll', '--help']],
    ['trailwatch rules --help', ['rules', '--help']],
  ])(
    '%s: every example exits 0 or 1',
    async (_, args) => {
      const examples = examplesOf((await runCli(args)).stdout);
      const results: Array<[string, number | null, string]> = [];
      for (const example of examples) {
        const { code, output } = await runExample(example);
        results.push([example, code, code === 0 || code === 1 ? '' : output]);
      }
      // Every example and its outcome at once: a failure names the example and shows its output.
      expect(results.filter(([, code]) => code !== 0 && code !== 1)).toEqual([]);
      expect(results.length).toBe(examples.length);
    },
    120_000,
  );

  it('the examples ran on the data laid out for them (they read it and found something)', async () => {
    const { output } = await runExample('trailwatch scan --json ./AWSLogs/ | jq -r .ruleId');
    expect(output).toContain('cloudtrail.logging-stopped');
    const s3Scan = await runExample(
      'trailwatch scan --json s3://my-trail-bucket/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/',
    );
    expect(s3Scan.output).toContain('cloudtrail.logging-stopped');
    const critical = await runExample(
      `trailwatch rules --json | jq -r 'select(.severity.max == "critical") | .id'`,
    );
    expect(critical.output).toContain('cloudtrail.logging-stopped');
  });
});
