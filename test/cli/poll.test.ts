// End-to-end: `node bin/trailwatch.js poll` against the local CloudTrail (and SNS) servers.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import Ajv from 'ajv';
import { type LocalCloudTrail, makeRecord, startLocalCloudTrail } from '../../local/cloudtrail';
import {
  createDetectorTable,
  DYNAMODB_ENDPOINT_ENV,
  localDynamoDbClient,
  uniqueTableName,
} from '../../local/dynamodb';
import { type FaultProxy, startFaultProxy } from '../../local/fault-proxy';
import { type LocalSns, startLocalSns } from '../../local/sns';
import findingSchema from '../../schema/finding-v1.schema.json';
import { jsonLines, runCli, startCli, summaryLine } from './support/run-cli';

const MINUTE = 60_000;
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:trailwatch-alerts';
let cloudtrail: LocalCloudTrail;
let sns: LocalSns;

function env(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_CLOUDTRAIL: cloudtrail.url,
    AWS_ENDPOINT_URL_SNS: sns.url,
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    AWS_REGION: 'eu-west-1',
  };
}

beforeAll(async () => {
  [cloudtrail, sns] = await Promise.all([startLocalCloudTrail(), startLocalSns({ topics: [TOPIC] })]);
});

afterAll(async () => {
  await Promise.all([cloudtrail.close(), sns.close()]);
});

beforeEach(() => {
  cloudtrail.reset();
  sns.reset();
  const now = Date.now();
  // 120 routine events in eu-west-1 make three pages there; one finding in each region.
  for (let i = 0; i < 120; i++) {
    cloudtrail.addEvent(
      'eu-west-1',
      makeRecord({ eventTimeMs: now - 50 * MINUTE + i * 1000, awsRegion: 'eu-west-1' }),
    );
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
  cloudtrail.addEvent(
    'us-east-1',
    makeRecord({
      eventTimeMs: now - 10 * MINUTE,
      eventName: 'CreateAccessKey',
      eventSource: 'iam.amazonaws.com',
      awsRegion: 'us-east-1',
      userName: 'mallory',
      requestParameters: { userName: 'backup-svc' },
    }),
  );
  // Outside --since 1h: never read.
  cloudtrail.addEvent(
    'eu-west-1',
    makeRecord({
      eventTimeMs: now - 3 * 60 * MINUTE,
      eventName: 'DeleteTrail',
      eventSource: 'cloudtrail.amazonaws.com',
    }),
  );
});

describe('trailwatch poll', () => {
  it('prints the findings of every region, read-only, within 2 requests per second', async () => {
    const { code, stdout, stderr } = await runCli(
      ['poll', '--regions', 'eu-west-1,us-east-1', '--since', '1h', '--json'],
      {
        env: env(),
      },
    );
    expect(stderr).not.toContain('poll: eu-west-1:');
    expect(code).toBe(0);
    const findings = jsonLines(stdout);
    expect(findings.map((f) => [f.ruleId, f.region, f.source]).sort()).toEqual([
      ['cloudtrail.logging-stopped', 'eu-west-1', 'cloudtrail:eu-west-1'],
      ['iam.access-key-created', 'us-east-1', 'cloudtrail:us-east-1'],
    ]);
    expect(findings[0]).toMatchObject({
      schema: 'trailwatch.finding/1',
      eventName: expect.any(String),
      eventId: expect.any(String),
      actor: expect.stringContaining('mallory'),
    });
    // The same documents as scan's: schema/finding-v1.schema.json.
    const validate = new Ajv({ allErrors: true }).compile(findingSchema);
    for (const finding of findings) expect(validate(finding) ? 'valid' : validate.errors).toBe('valid');
    const stats = cloudtrail.stats();
    expect(stats['eu-west-1']).toMatchObject({ okPages: 3, rateLimited: 0, throttled: 0 });
    expect(stats['us-east-1']).toMatchObject({ okPages: 1, rateLimited: 0 });
    // One slice per region covering the last hour, nothing older.
    for (const request of cloudtrail.requests) {
      expect(request.endMs! - request.startMs!).toBeLessThanOrEqual(60 * MINUTE + 1000);
    }
    expect(sns.published).toHaveLength(0);
    expect(summaryLine(stderr)).toMatch(
      /^trailwatch poll: 2 regions, 4 pages, 122 events, 0 unparseable, 2 findings \(1 critical, 1 high\), read-only, \d+\.\d\d s$/,
    );
  });

  it('counts the threshold rules as the Lambda does: five failed sign-ins from one address', async () => {
    // Threshold windows are fixed 15-minute buckets: keep the five inside one.
    const bucket = Math.floor((Date.now() - 40 * MINUTE) / (15 * MINUTE)) * 15 * MINUTE;
    for (let i = 0; i < 5; i++) {
      cloudtrail.addEvent(
        'us-east-1',
        makeRecord({
          eventTimeMs: bucket + MINUTE + i * 20_000,
          eventName: 'ConsoleLogin',
          eventSource: 'signin.amazonaws.com',
          awsRegion: 'us-east-1',
          userName: `guess-${i}`,
          sourceIPAddress: '198.51.100.99',
          responseElements: { ConsoleLogin: 'Failure' },
          errorMessage: 'Failed authentication',
        }),
      );
    }
    const { code, stdout } = await runCli(['poll', '--regions', 'us-east-1', '--since', '1h', '--json'], {
      env: env(),
    });
    expect(code).toBe(0);
    const spray = jsonLines(stdout).filter((f) => f.ruleId === 'signin.failed-console-logins');
    expect(spray).toHaveLength(1);
    expect(spray[0]).toMatchObject({ severity: 'high', region: 'us-east-1' });
  });

  it('exits 1 with --fail-on, and publishes to SNS only with --publish', async () => {
    const { code, stderr } = await runCli(
      ['poll', '--regions', 'eu-west-1', '--since', '90m', '--fail-on', 'critical', '--publish', TOPIC],
      { env: env() },
    );
    expect(code).toBe(1);
    expect(sns.published).toHaveLength(1);
    expect(sns.published[0]?.subject).toContain('CloudTrail logging stopped by mallory');
    expect(summaryLine(stderr)).toContain('1 alerts published');
  });

  it('stops on Ctrl-C without a table too: exit 130, saying so', async () => {
    for (let i = 0; i < 400; i++) {
      cloudtrail.addEvent('eu-west-1', makeRecord({ eventTimeMs: Date.now() - 40 * MINUTE + i * 1000 }));
    }
    const { child, result } = startCli(['poll', '--regions', 'eu-west-1', '--since', '1h'], { env: env() });
    const deadline = Date.now() + 20_000;
    while (cloudtrail.requests.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGINT');
    const { code, stderr } = await result;
    expect(code).toBe(130);
    expect(stderr).toContain('trailwatch poll: SIGINT: stopped');
  });

  it('exits 2 and names the region when there are no credentials', async () => {
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...rest } = env();
    const { code, stderr } = await runCli(['poll', '--regions', 'eu-west-1', '--since', '1h'], {
      env: {
        ...rest,
        AWS_CONFIG_FILE: '/nonexistent/config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect(code).toBe(2);
    expect(stderr).toContain('trailwatch poll: eu-west-1: lookup-failed: CredentialsProviderError');
    expect(cloudtrail.requests).toHaveLength(0);
  });

  it.each([
    [['poll', '--since', '91d'], '--since 91d is more than 90 days'],
    [['poll', '--since', '3w'], '--since "3w" is not a duration like 90m, 24h or 7d'],
    [['poll', '--regions', 'mars-1'], '"mars-1" is not a region code'],
    [['poll', '--table', 'TrailwatchState'], '--table requires --publish'],
    [['poll', '--publish', 'arn:aws:sqs:eu-west-1:111122223333:q'], 'is not an SNS topic ARN'],
  ])('%j exits 2 with a message', async (args, message) => {
    const { code, stderr } = await runCli(args, { env: env() });
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain("See 'trailwatch poll --help'");
  });
});

describe('trailwatch poll --table: the shared cursor and lease', () => {
  let proxies: FaultProxy[] = [];
  let table: string;
  const dynamoEndpoint = () => process.env[DYNAMODB_ENDPOINT_ENV] ?? '';
  const tableEnv = (endpoint: string) => ({ ...env(), AWS_ENDPOINT_URL_DYNAMODB: endpoint });
  const item = async (pk: string, sk: string) =>
    (
      await localDynamoDbClient(dynamoEndpoint(), 3).send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }),
      )
    ).Item;
  /** DynamoDB as seen through a proxy whose answers' Date header is `offsetMs` from this clock. */
  const dynamoWithClock = async (offsetMs: number) => {
    const proxy = await startFaultProxy(dynamoEndpoint(), { dateOffsetMs: offsetMs });
    proxies.push(proxy);
    return proxy.url;
  };

  beforeEach(async () => {
    table = uniqueTableName('poll');
    await createDetectorTable(dynamoEndpoint(), table);
  });
  afterEach(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    proxies = [];
  });

  it("refuses, exit 2, to move the detector's cursor from a clock two hours ahead of AWS's", async () => {
    const { code, stderr } = await runCli(
      ['poll', '--regions', 'eu-west-1', '--since', '1h', '--table', table, '--publish', TOPIC],
      { env: tableEnv(await dynamoWithClock(-2 * 60 * MINUTE)) },
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/this machine's clock is 2 h 0 min ahead of AWS's \(DynamoDB's Date header\)/);
    expect(await item('cursor', 'eu-west-1')).toBeUndefined();
    expect(cloudtrail.requests).toHaveLength(0);
    expect(sns.published).toHaveLength(0);
  });

  it("runs on AWS's time when the clock is a minute ahead: the cursor never passes AWS's now", async () => {
    const before = Date.now();
    const { code, stderr } = await runCli(
      ['poll', '--regions', 'eu-west-1', '--since', '1h', '--table', table, '--publish', TOPIC],
      { env: tableEnv(await dynamoWithClock(-60_000)) },
    );
    // Nothing on stderr but the summary line.
    expect([code, stderr.split('\n').filter((l) => !l.startsWith('trailwatch poll: 1 region'))]).toEqual([
      0,
      [''],
    ]);
    const cursor = Number((await item('cursor', 'eu-west-1'))?.processedUntilMs?.N);
    // AWS's now during the run was at most the local clock minus a minute (plus the header's second).
    expect(cursor).toBeLessThanOrEqual(Date.now() - 60_000 + 2000);
    expect(cursor).toBeGreaterThanOrEqual(before - 60_000 - 2000);
    expect(sns.published).toHaveLength(1);
    // A finished run gives the lease back.
    expect(await item('lease', 'run')).toBeUndefined();
  });

  it('gives the lease back on Ctrl-C, so the deployed detector is not kept waiting', async () => {
    for (let i = 0; i < 400; i++) {
      cloudtrail.addEvent('eu-west-1', makeRecord({ eventTimeMs: Date.now() - 40 * MINUTE + i * 1000 }));
    }
    const { child, result } = startCli(
      ['poll', '--regions', 'eu-west-1', '--since', '1h', '--table', table, '--publish', TOPIC],
      { env: tableEnv(dynamoEndpoint()) },
    );
    // Wait until it holds the lease and is reading (2 pages a second: 10 pages take 5 s).
    const deadline = Date.now() + 20_000;
    while (cloudtrail.requests.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await item('lease', 'run')).toBeDefined();
    child.kill('SIGINT');
    const { code, stderr } = await result;
    expect(code).toBe(130);
    expect(stderr).toContain('trailwatch poll: SIGINT: releasing the lease and stopping');
    expect(await item('lease', 'run')).toBeUndefined();
  });
});
