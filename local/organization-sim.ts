// A simulated AWS Organization for the fan-out's tests and benchmark: the unmodified dispatcher
// and worker handlers against local servers in their real wire protocols (Organizations, STS,
// CloudTrail with a history per member account, SQS, SNS) and DynamoDB Local, with the queue's
// event source mapping driven by the local driver at a bounded concurrency. A tick is what
// EventBridge does every 5 minutes: it invokes the dispatcher; the workers then drain the queue.
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import type { Clock } from '../lambda/core/ports';
import { createDispatcher, type DispatchSummary } from '../lambda/organization/dispatcher';
import { createWorker } from '../lambda/organization/worker';
import { type LocalCloudTrail, startLocalCloudTrail } from './cloudtrail';
import { createDetectorTable, localDynamoDbClient, uniqueTableName } from './dynamodb';
import { type FaultProxy, startFaultProxy } from './fault-proxy';
import { type LocalOrganizations, startLocalOrganizations } from './organizations';
import { type LocalSns, startLocalSns } from './sns';
import { type LocalSqs, startLocalSqs } from './sqs';
import { type SqsEventSource, startSqsEventSource } from './sqs-lambda';
import { type LocalSts, startLocalSts } from './sts';

export const MINUTE = 60_000;
export const SECURITY_ACCOUNT = '999900001111';
export const MEMBER_ROLE = 'trailwatch-member-reader';
export const SIM_TOPIC = `arn:aws:sns:us-east-1:${SECURITY_ACCOUNT}:trailwatch-alerts`;
/** The detector's own credentials: an `AKIA` key, so that the local CloudTrail treats it as no member. */
const DETECTOR_KEY = 'AKIATRAILWATCHSECURE';
const DISPATCHER_ARN = `arn:aws:lambda:us-east-1:${SECURITY_ACCOUNT}:function:Trailwatch-org-dispatcher`;

export interface SimAccount {
  readonly id: string;
  readonly name: string;
  readonly ouPath: string;
}

export interface OrganizationSimOptions {
  /** Member accounts, spread over nested OUs. */
  readonly accounts: number;
  readonly regions: readonly string[];
  /** The event source mapping's maximum concurrency. */
  readonly concurrency: number;
  readonly dynamoEndpoint: string;
  /** Minutes a pair may trail before its blind alert. @default 30 */
  readonly blindAfterMinutes?: number;
  /** A fraction of DynamoDB requests answered with throttling (the SDK retries them). @default 0 */
  readonly dynamoThrottleRate?: number;
  /** Extra environment (settings) for both functions. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface OrganizationSim {
  readonly cloudtrail: LocalCloudTrail;
  readonly sts: LocalSts;
  readonly organizations: LocalOrganizations;
  readonly sns: LocalSns;
  readonly sqs: LocalSqs;
  /** The member accounts, in the order they joined. */
  readonly accounts: readonly SimAccount[];
  /** A new member account `member-<index>` with its role, as the StackSet's auto-deployment gives it one. */
  addMember(index: number): SimAccount;
  readonly tableName: string;
  /** The simulated "now" of the first tick: two days in the past, on a minute. */
  readonly t0: number;
  readonly clock: Clock;
  readonly workQueueUrl: string;
  /** The proxy in front of DynamoDB Local: injected throttles, and requests by operation. */
  readonly dynamo: FaultProxy;
  /** The work queue's event source mapping (its counters run over the whole simulation). */
  readonly mapping: SqsEventSource;
  /** One scheduled tick at `atMs`: the dispatcher, then the workers until the queue is empty. */
  tick(atMs: number): Promise<TickResult>;
  close(): Promise<void>;
}

export interface TickResult {
  /** The dispatcher's summary, or the error it threw (the errors alarm). */
  readonly dispatch: DispatchSummary | Error;
  /** Wall time of the tick: dispatch plus the drain of every work item. */
  readonly wallMs: number;
  /** Worker invocations in this tick; the most ever running at once; items reported failed in this tick. */
  readonly invocations: number;
  readonly peakConcurrency: number;
  readonly failedItems: number;
}

export async function startOrganizationSim(options: OrganizationSimOptions): Promise<OrganizationSim> {
  const t0 = Math.floor((Date.now() - 2 * 24 * 60 * MINUTE) / MINUTE) * MINUTE;
  let simNow = t0;
  let tickStartedMs = Date.now();
  const clock: Clock = { nowMs: () => simNow + (Date.now() - tickStartedMs) };

  const cloudtrail = await startLocalCloudTrail({ now: () => simNow });
  const sts = await startLocalSts({ nowMs: () => clock.nowMs() });
  const organizations = await startLocalOrganizations();
  const sns = await startLocalSns({ topics: [SIM_TOPIC], now: () => clock.nowMs() });
  // Message times on the simulated clock: a failed work item reappears at a later tick, as its
  // 5-minute visibility timeout would make it in production.
  const sqs = await startLocalSqs({
    region: 'us-east-1',
    accountId: SECURITY_ACCOUNT,
    now: () => clock.nowMs(),
  });

  // Root / Security (this account) ; Root / Workloads / {Payments, Data} ; Root / Sandbox
  const root = organizations.rootId;
  const security = organizations.addOu('Security', root);
  const workloads = organizations.addOu('Workloads', root);
  const ous = [
    { id: organizations.addOu('Payments', workloads), path: 'Root/Workloads/Payments' },
    { id: organizations.addOu('Data', workloads), path: 'Root/Workloads/Data' },
    { id: organizations.addOu('Sandbox', root), path: 'Root/Sandbox' },
  ];
  organizations.addAccount({ id: SECURITY_ACCOUNT, name: 'security', status: 'ACTIVE', parentId: security });
  organizations.addAccount({
    id: organizations.managementAccount,
    name: 'management',
    status: 'ACTIVE',
    parentId: root,
  });
  const accounts: SimAccount[] = [];
  const addMember = (index: number): SimAccount => {
    const ou = ous[index % ous.length]!;
    const account = { id: String(200000000000 + index), name: `member-${index}`, ouPath: ou.path };
    organizations.addAccount({ id: account.id, name: account.name, status: 'ACTIVE', parentId: ou.id });
    sts.addRole({ account: account.id, name: MEMBER_ROLE, trustedKeys: [DETECTOR_KEY] });
    accounts.push(account);
    return account;
  };
  for (let i = 0; i < options.accounts; i++) addMember(i);

  const dynamo = await startFaultProxy(options.dynamoEndpoint, {
    throttleRate: options.dynamoThrottleRate ?? 0,
  });
  const tableName = uniqueTableName('org');
  await createDetectorTable(options.dynamoEndpoint, tableName);
  const sqsClient = new SQSClient({
    region: 'us-east-1',
    endpoint: sqs.endpoint,
    credentials: { accessKeyId: DETECTOR_KEY, secretAccessKey: 'local' },
  });
  const dlq = await sqsClient.send(new CreateQueueCommand({ QueueName: 'Trailwatch-org-work-dlq' }));
  const visibility = 300;
  const work = await sqsClient.send(
    new CreateQueueCommand({
      QueueName: 'Trailwatch-org-work',
      Attributes: {
        VisibilityTimeout: String(visibility),
        MessageRetentionPeriod: '3600',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: sqs.queueArn('Trailwatch-org-work-dlq'),
          maxReceiveCount: 3,
        }),
      },
    }),
  );
  void dlq;
  const sqsTimeoutMs = 280_000;
  const workQueueUrl = work.QueueUrl ?? sqs.queueUrl('Trailwatch-org-work');

  const savedEnv = { ...process.env };
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: DETECTOR_KEY,
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_CLOUDTRAIL: cloudtrail.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_SNS: sns.url,
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    AWS_ENDPOINT_URL_ORGANIZATIONS: organizations.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    TRAILWATCH_TABLE_NAME: tableName,
    TRAILWATCH_TOPIC_ARN: SIM_TOPIC,
    TRAILWATCH_REGIONS: options.regions.join(','),
    TRAILWATCH_INITIAL_LOOKBACK_MINUTES: '60',
    TRAILWATCH_STACK_NAME: 'Trailwatch',
    TRAILWATCH_WORK_QUEUE_URL: workQueueUrl,
    TRAILWATCH_MEMBER_ROLE_NAME: MEMBER_ROLE,
    TRAILWATCH_LAG_ALARM_MINUTES: String(options.blindAfterMinutes ?? 30),
    TRAILWATCH_METRICS: 'off',
    AWS_LAMBDA_LOG_LEVEL: 'FATAL',
    ...options.env,
  });

  const dispatcher = createDispatcher({ clock });
  const worker = createWorker({ clock });
  // One mapping for the whole simulation, polling all the time, as Lambda's does.
  const mapping = await startSqsEventSource({
    sqs: sqsClient,
    queueUrl: workQueueUrl,
    queueArn: sqs.queueArn('Trailwatch-org-work'),
    region: 'us-east-1',
    handler: (event, ctx: Context) => worker(event, ctx),
    batchSize: 1,
    maximumConcurrency: options.concurrency,
    reportBatchItemFailures: true,
    functionTimeoutMs: sqsTimeoutMs,
    functionName: 'Trailwatch-org-worker',
    waitTimeSeconds: 1,
    pollIntervalMs: 10,
  });
  /** Until nothing visible is left and no worker runs (failed items wait, invisible, for a later tick). */
  const settle = async (): Promise<void> => {
    let quiet = 0;
    let seen = -1;
    while (quiet < 3) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const out = await sqsClient.send(
        new GetQueueAttributesCommand({
          QueueUrl: workQueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      const visible = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
      const idle = visible === 0 && mapping.stats.running === 0 && mapping.stats.messagesReceived === seen;
      seen = mapping.stats.messagesReceived;
      quiet = idle ? quiet + 1 : 0;
    }
  };

  return {
    cloudtrail,
    sts,
    organizations,
    sns,
    sqs,
    accounts,
    addMember,
    tableName,
    t0,
    clock,
    workQueueUrl,
    dynamo,
    mapping,
    async tick(atMs) {
      simNow = atMs;
      tickStartedMs = Date.now();
      const started = performance.now();
      const before = { ...mapping.stats };
      const context = {
        awsRequestId: `dispatch-${atMs}`,
        invokedFunctionArn: DISPATCHER_ARN,
        getRemainingTimeInMillis: () => 280_000,
      };
      let dispatch: DispatchSummary | Error;
      try {
        dispatch = await dispatcher({ time: new Date(atMs).toISOString() }, context);
      } catch (error) {
        dispatch = error as Error;
      }
      await settle();
      return {
        dispatch,
        wallMs: performance.now() - started,
        invocations: mapping.stats.invocations - before.invocations,
        peakConcurrency: mapping.stats.peakConcurrency,
        failedItems: mapping.stats.itemFailures - before.itemFailures,
      };
    },
    async close() {
      await mapping.stop().catch(() => undefined);
      process.env = savedEnv;
      sqsClient.destroy();
      localDynamoDbClient(options.dynamoEndpoint).destroy();
      await Promise.all([
        cloudtrail.close(),
        sts.close(),
        organizations.close(),
        sns.close(),
        sqs.close(),
        dynamo.close(),
      ]);
    },
  };
}
