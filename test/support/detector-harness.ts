// The unmodified Lambda handler wired to DynamoDB Local and the local CloudTrail and SNS
// servers, with a simulated clock. Only the endpoints differ from production.
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../lambda/core/ports';
import { createHandler, type Handler, type RunSummary } from '../../lambda/handler';
import { type LocalCloudTrail, startLocalCloudTrail } from '../../local/cloudtrail';
import {
  createDetectorTable,
  DYNAMODB_ENDPOINT_ENV,
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
  uniqueTableName,
} from '../../local/dynamodb';
import { type LocalSns, type PublishedMessage, startLocalSns } from '../../local/sns';

export const MINUTE = 60_000;
export const HOME = 'eu-west-1';
export const GLOBAL = 'us-east-1';
export const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:trailwatch-alerts';

export interface DetectorHarness {
  readonly cloudtrail: LocalCloudTrail;
  readonly sns: LocalSns;
  /** The simulated "now": scheduled times lie two days in the past, never ahead of the wall clock. */
  readonly t0: number;
  /**
   * The handler's wall clock in the simulation: the time of the current tick plus the time that
   * has passed since it began. Handlers made for a test (`createHandler`) take it too.
   */
  readonly clock: Clock;
  /** DynamoDB Local's own endpoint (a fault proxy can stand in front of it). */
  readonly dynamoEndpoint: string;
  /** A fresh table, servers reset, environment set; call in beforeEach. */
  reset(env?: Record<string, string>): Promise<void>;
  /**
   * One scheduled invocation at simulated time `atMs`, as EventBridge delivers it, with
   * `remainingMs` of the Lambda's time left (counted on the same clock as the run).
   */
  tick(atMs: number, requestId?: string, remainingMs?: number, invoke?: Handler): Promise<RunSummary>;
  /**
   * An invocation at simulated time `atMs` whose event carries `scheduledTime` as EventBridge's
   * `time` (or none): a retried or tampered schedule target.
   */
  invokeAt(
    atMs: number,
    scheduledTime: string | undefined,
    options?: { requestId?: string; remainingMs?: number; invoke?: Handler },
  ): Promise<RunSummary>;
  cursorOf(region: string): Promise<number | undefined>;
  outboxSize(): Promise<number>;
  /** The current test table's name. */
  tableName(): string;
  /** Called after each message the local SNS accepts; undefined removes it. */
  onPublish(hook: ((message: PublishedMessage) => void) | undefined): void;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Rate-limit the local CloudTrail on Date.now (for tests that run on virtual time). */
  readonly rateOnDateNow?: boolean;
  /** More topics the local SNS keeps besides the alert topic (the chat topic). */
  readonly extraTopics?: readonly string[];
}

export async function startDetectorHarness(options: HarnessOptions = {}): Promise<DetectorHarness> {
  const t0 = Math.floor((Date.now() - 2 * 24 * 60 * MINUTE) / MINUTE) * MINUTE;
  let simNow = t0;
  let tickStartedMs = Date.now();
  const clock: Clock = { nowMs: () => simNow + (Date.now() - tickStartedMs) };
  const handler = createHandler({ clock });
  let dynamo: DynamoDbLocal | undefined;
  let endpoint = process.env[DYNAMODB_ENDPOINT_ENV] ?? '';
  if (!endpoint) {
    dynamo = await startDynamoDbLocal();
    endpoint = dynamo.endpoint;
  }
  const cloudtrail = await startLocalCloudTrail({
    now: () => simNow,
    ...(options.rateOnDateNow ? { rateClock: () => Date.now() } : {}),
  });
  let publishHook: ((message: PublishedMessage) => void) | undefined;
  // Messages are stamped with the simulated time they reached SNS.
  const sns = await startLocalSns({
    topics: [TOPIC, ...(options.extraTopics ?? [])],
    onPublish: (message) => publishHook?.(message),
    now: () => clock.nowMs(),
  });
  const savedEnv = { ...process.env };
  let table = '';

  const query = async <T>(fn: (client: ReturnType<typeof localDynamoDbClient>) => Promise<T>): Promise<T> => {
    const client = localDynamoDbClient(endpoint);
    try {
      return await fn(client);
    } finally {
      client.destroy();
    }
  };

  return {
    cloudtrail,
    sns,
    t0,
    clock,
    dynamoEndpoint: endpoint,
    async reset(env = {}) {
      simNow = t0;
      cloudtrail.reset();
      sns.reset();
      table = uniqueTableName('detector');
      await createDetectorTable(endpoint, table);
      process.env = { ...savedEnv };
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_CLOUDTRAIL: cloudtrail.url,
        AWS_ENDPOINT_URL_DYNAMODB: endpoint,
        AWS_ENDPOINT_URL_SNS: sns.url,
        TRAILWATCH_TABLE_NAME: table,
        TRAILWATCH_TOPIC_ARN: TOPIC,
        TRAILWATCH_REGIONS: `${HOME},${GLOBAL}`,
        TRAILWATCH_INITIAL_LOOKBACK_MINUTES: '60',
        TRAILWATCH_OVERLAP_MINUTES: '60',
        ...env,
      });
      handler.reset();
    },
    tick(atMs, requestId = `req-${atMs}-${Math.random()}`, remainingMs = 120_000, invoke = handler) {
      simNow = atMs;
      tickStartedMs = Date.now();
      const deadline = Date.now() + remainingMs;
      return invoke(
        { 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date(atMs).toISOString() },
        { awsRequestId: requestId, getRemainingTimeInMillis: () => deadline - Date.now() },
      );
    },
    invokeAt(
      atMs,
      scheduledTime,
      { requestId = `req-${atMs}-${Math.random()}`, remainingMs = 120_000, invoke = handler } = {},
    ) {
      simNow = atMs;
      tickStartedMs = Date.now();
      const deadline = Date.now() + remainingMs;
      return invoke(
        {
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          ...(scheduledTime ? { time: scheduledTime } : {}),
        },
        { awsRequestId: requestId, getRemainingTimeInMillis: () => deadline - Date.now() },
      );
    },
    cursorOf: (region) =>
      query(async (client) => {
        const out = await client.send(
          new GetItemCommand({
            TableName: table,
            Key: { pk: { S: 'cursor' }, sk: { S: region } },
            ConsistentRead: true,
          }),
        );
        const value = out.Item?.processedUntilMs?.N;
        return value === undefined ? undefined : Number(value);
      }),
    outboxSize: () =>
      query(async (client) => {
        const out = await client.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :p',
            ExpressionAttributeValues: { ':p': { S: 'outbox' } },
            ConsistentRead: true,
          }),
        );
        return out.Count ?? 0;
      }),
    tableName: () => table,
    onPublish(hook) {
      publishHook = hook;
    },
    async close() {
      process.env = savedEnv;
      await Promise.all([cloudtrail.close(), sns.close(), dynamo?.stop()]);
    },
  };
}
