// The unmodified Lambda handler, with the real SDK clients, against DynamoDB Local and the
// local CloudTrail and SNS servers on 127.0.0.1. Only the endpoints differ from production.
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { handler, RunIncompleteError, type RunSummary, resetForTests } from '../../lambda/handler';
import {
  createDetectorTable,
  DYNAMODB_ENDPOINT_ENV,
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
  uniqueTableName,
} from '../support/dynamodb-local';
import { createRecordFactory, type LocalCloudTrail, startLocalCloudTrail } from '../support/local-cloudtrail';
import { type LocalSns, startLocalSns } from '../support/local-sns';

const MINUTE = 60_000;
const HOME = 'eu-west-1';
const GLOBAL = 'us-east-1';
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:trailwatch-alerts';
// Simulated time lies in the past so that scheduled times are never ahead of the wall clock.
const T0 = Math.floor((Date.now() - 2 * 24 * 60 * MINUTE) / MINUTE) * MINUTE;

let dynamo: DynamoDbLocal | undefined;
let dynamoEndpoint: string;
let cloudtrail: LocalCloudTrail;
let sns: LocalSns;
let simNow = T0;
let table: string;
const makeRecord = createRecordFactory(7);
const savedEnv = { ...process.env };

beforeAll(async () => {
  dynamoEndpoint = process.env[DYNAMODB_ENDPOINT_ENV] ?? '';
  if (!dynamoEndpoint) {
    dynamo = await startDynamoDbLocal();
    dynamoEndpoint = dynamo.endpoint;
  }
  cloudtrail = await startLocalCloudTrail({ now: () => simNow });
  sns = await startLocalSns({ topics: [TOPIC] });
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([cloudtrail?.close(), sns?.close(), dynamo?.stop()]);
});

beforeEach(async () => {
  simNow = T0;
  cloudtrail.reset();
  sns.reset();
  table = uniqueTableName('detector');
  await createDetectorTable(dynamoEndpoint, table);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_CLOUDTRAIL: cloudtrail.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ENDPOINT_URL_SNS: sns.url,
    TRAILWATCH_TABLE_NAME: table,
    TRAILWATCH_TOPIC_ARN: TOPIC,
    TRAILWATCH_REGIONS: `${HOME},${GLOBAL}`,
    TRAILWATCH_INITIAL_LOOKBACK_MINUTES: '60',
    TRAILWATCH_OVERLAP_MINUTES: '60',
  });
  resetForTests();
});

/** One scheduled tick at simulated time `atMs`, as EventBridge would deliver it. */
function tick(atMs: number, requestId = `req-${atMs}-${Math.random()}`): Promise<RunSummary> {
  simNow = atMs;
  return handler(
    { 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date(atMs).toISOString() },
    { awsRequestId: requestId, getRemainingTimeInMillis: () => 120_000 },
  );
}

function stopLogging(timeMs: number, region = HOME) {
  return makeRecord({
    eventName: 'StopLogging',
    eventSource: 'cloudtrail.amazonaws.com',
    eventTime: new Date(timeMs).toISOString(),
    awsRegion: region,
    readOnly: false,
    requestParameters: { name: `arn:aws:cloudtrail:${region}:111122223333:trail/main` },
  });
}

function routine(timeMs: number, region = HOME) {
  return makeRecord({
    eventName: 'DescribeInstances',
    eventSource: 'ec2.amazonaws.com',
    eventTime: new Date(timeMs).toISOString(),
    awsRegion: region,
  });
}

async function cursorOf(region: string): Promise<number | undefined> {
  const client = localDynamoDbClient(dynamoEndpoint);
  try {
    const out = await client.send(
      new GetItemCommand({
        TableName: table,
        Key: { pk: { S: 'cursor' }, sk: { S: region } },
        ConsistentRead: true,
      }),
    );
    return out.Item?.processedUntilMs?.N === undefined ? undefined : Number(out.Item.processedUntilMs.N);
  } finally {
    client.destroy();
  }
}

async function outboxSize(): Promise<number> {
  const client = localDynamoDbClient(dynamoEndpoint);
  try {
    const out = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'outbox' } },
        ConsistentRead: true,
      }),
    );
    return out.Count ?? 0;
  } finally {
    client.destroy();
  }
}

describe('the scheduled detector against local AWS parts', () => {
  it('pages through every page at no more than 2 requests a second and alerts with the event id', async () => {
    for (let i = 0; i < 160; i++) cloudtrail.addEvent(HOME, routine(T0 - 50 * MINUTE + i * 1000));
    const critical = stopLogging(T0 - 10 * MINUTE);
    cloudtrail.addEvent(HOME, critical);

    const summary = await tick(T0);

    expect(summary).toMatchObject({ status: 'completed', events: 161, alertsSent: 1 });
    const home = cloudtrail.requests.filter((r) => r.region === HOME && r.status === 200);
    expect(home.map((r) => r.returned)).toEqual([50, 50, 50, 11]);
    // Pages after the first carry the token of the same query; the bounds never change mid-query.
    expect(new Set(home.map((r) => `${r.startMs}-${r.endMs}`)).size).toBe(1);
    const gaps = home.slice(1).map((r, i) => r.atMs - home[i]!.atMs);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(450);
    expect(cloudtrail.stats()[HOME]!.rateLimited).toBe(0);

    expect(sns.published).toHaveLength(1);
    const [alert] = sns.published;
    expect(alert!.message).toContain(critical.eventID);
    expect(alert!.attributes.severity?.value).toBe('critical');
    expect(JSON.parse(alert!.attributes.eventIds!.value)).toEqual([critical.eventID]);
    expect(await cursorOf(HOME)).toBe(T0);
    expect(await cursorOf(GLOBAL)).toBe(T0);
  });

  it('retries a throttled page and loses nothing', async () => {
    cloudtrail.addEvent(GLOBAL, stopLogging(T0 - 5 * MINUTE, GLOBAL));
    cloudtrail.failNext(2, 'throttle');

    const summary = await tick(T0);

    expect(summary.status).toBe('completed');
    const stats = cloudtrail.stats();
    expect((stats[HOME]?.injectedThrottles ?? 0) + (stats[GLOBAL]?.injectedThrottles ?? 0)).toBe(2);
    expect(sns.published).toHaveLength(1);
  });

  it('does not alert twice on an event seen again in the overlap, and catches a late one', async () => {
    const early = stopLogging(T0 - 3 * MINUTE);
    cloudtrail.addEvent(HOME, early);
    await tick(T0);
    // Happened before the first run's window end, visible only 30 minutes later.
    const late = stopLogging(T0 - 2 * MINUTE);
    cloudtrail.addEvent(HOME, late, { visibleAtMs: T0 + 28 * MINUTE });

    for (let t = T0 + 5 * MINUTE; t <= T0 + 35 * MINUTE; t += 5 * MINUTE) await tick(t);

    const alerted = sns.published.map((m) => JSON.parse(m.attributes.eventIds!.value)[0]);
    expect(alerted).toEqual([early.eventID, late.eventID]);
  });

  it('keeps the cursor and the alert when SNS refuses, then delivers once when it recovers', async () => {
    await tick(T0);
    cloudtrail.addEvent(HOME, stopLogging(T0 + 2 * MINUTE));
    sns.setFailing('KMSDisabled');

    await expect(tick(T0 + 5 * MINUTE)).rejects.toBeInstanceOf(RunIncompleteError);
    expect(await cursorOf(HOME)).toBe(T0);
    expect(await outboxSize()).toBe(1);
    expect(sns.published).toHaveLength(0);

    sns.setFailing(false);
    const recovered = await tick(T0 + 10 * MINUTE);
    expect(recovered.status).toBe('completed');
    expect(sns.published).toHaveLength(1);
    expect(await outboxSize()).toBe(0);
    expect(await cursorOf(HOME)).toBe(T0 + 10 * MINUTE);
    await tick(T0 + 15 * MINUTE);
    expect(sns.published).toHaveLength(1);
  });

  it('counts a CloudTrailEvent that is not JSON and still scores the rest', async () => {
    cloudtrail.addEvent(HOME, '{"eventID": "broken-1", "userIdent', {
      envelope: { eventId: 'broken-1', eventName: 'StopLogging', eventTimeMs: T0 - 4 * MINUTE },
    });
    cloudtrail.addEvent(HOME, stopLogging(T0 - 3 * MINUTE));

    const summary = await tick(T0);

    expect(summary).toMatchObject({ status: 'completed', unparseableEvents: 1, alertsSent: 1 });
    expect(await cursorOf(HOME)).toBe(T0);
  });

  it('lets only one of two overlapping invocations run', async () => {
    cloudtrail.addEvent(HOME, stopLogging(T0 - 3 * MINUTE));
    const [a, b] = await Promise.all([tick(T0, 'req-a'), tick(T0, 'req-b')]);
    expect([a.status, b.status].sort()).toEqual(['completed', 'skipped-lease-held']);
    expect(sns.published).toHaveLength(1);
  });

  it('fails at start, naming the variable, when the configuration is broken', async () => {
    process.env.TRAILWATCH_TOPIC_ARN = 'arn:aws:sns:nowhere';
    await expect(tick(T0)).rejects.toThrow(/TRAILWATCH_TOPIC_ARN/);
  });
});
