// `npm run demo`: the unmodified Lambda handler runs scheduled ticks against a simulated
// account on this machine. DynamoDB Local (Amazon's emulator) holds the state; in-process
// servers speak the real CloudTrail LookupEvents and SNS Publish wire protocols. Only the
// endpoints differ from production (AWS_ENDPOINT_URL_*).
import './quiet-sdk';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalCloudTrail } from '../local/cloudtrail';
import { createDetectorTable, localDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb';
import { startLocalSns } from '../local/sns';
import { sampleHistory } from './sample-history';

const MINUTE = 60_000;
const HOME = 'eu-west-1';
const GLOBAL = 'us-east-1';
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:trailwatch-alerts';
const TABLE = 'trailwatch-demo';
const TICKS = 13;

const bold = (s: string) => (process.stdout.isTTY ? `\u001b[1m${s}\u001b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\u001b[2m${s}\u001b[0m` : s);

async function main(): Promise<void> {
  // Simulated time: the last tick is three hours ago, so scheduled times never run ahead of the clock.
  const lastTick = Math.floor((Date.now() - 3 * 60 * MINUTE) / (5 * MINUTE)) * 5 * MINUTE;
  const firstTick = lastTick - (TICKS - 1) * 5 * MINUTE;
  let simNow = firstTick;

  console.log(bold('trailwatch demo'));
  console.log('Starting DynamoDB Local (Java), a local CloudTrail and a local SNS on 127.0.0.1 ...');
  const dynamo = await startDynamoDbLocal();
  const cloudtrail = await startLocalCloudTrail({ now: () => simNow });
  const sns = await startLocalSns({ topics: [TOPIC] });
  try {
    await createDetectorTable(dynamo.endpoint, TABLE);
    const history = sampleHistory(lastTick, [HOME, GLOBAL]);
    for (const e of history) {
      cloudtrail.addEvent(e.region, e.record, {
        visibleAtMs: e.visibleAtMs,
        envelope:
          typeof e.record === 'string'
            ? { eventId: e.eventId, eventName: e.eventName, eventTimeMs: e.eventTimeMs }
            : undefined,
      });
    }
    console.log(
      `Sample account: ${history.length} events over 24 hours in ${HOME} and ${GLOBAL}; ` +
        'an intrusion in the last hour, one event 35 minutes late, one broken body.\n',
    );

    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIADEMODEMODEMODEMO',
      AWS_SECRET_ACCESS_KEY: 'demo',
      AWS_REGION: HOME,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ENDPOINT_URL_CLOUDTRAIL: cloudtrail.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SNS: sns.url,
      TRAILWATCH_TABLE_NAME: TABLE,
      TRAILWATCH_TOPIC_ARN: TOPIC,
      TRAILWATCH_REGIONS: `${HOME},${GLOBAL}`,
      TRAILWATCH_MIN_SEVERITY: 'high',
      // The handler's own JSON logs go to CloudWatch in AWS; here the demo prints a digest.
      AWS_LAMBDA_LOG_LEVEL: process.env.AWS_LAMBDA_LOG_LEVEL ?? 'FATAL',
      // The metric lines (Embedded Metric Format) are for CloudWatch, not for the screen.
      TRAILWATCH_METRICS: process.env.TRAILWATCH_METRICS ?? 'off',
    });
    // Imported only now: the handler reads its configuration on first use, as in Lambda.
    const { createHandler } = await import('../lambda/handler');
    // The simulated day runs on its own clock: each tick's time, plus what has passed since.
    let started = Date.now();
    const handler = createHandler({ clock: { nowMs: () => simNow + (Date.now() - started) } });
    const state = localDynamoDbClient(dynamo.endpoint);

    for (let i = 0; i < TICKS; i++) {
      simNow = firstTick + i * 5 * MINUTE;
      const before = sns.published.length;
      started = Date.now();
      let line: string;
      try {
        const summary = await handler(
          { 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date(simNow).toISOString() },
          {
            awsRequestId: `demo-tick-${i}`,
            getRemainingTimeInMillis: () => 240_000 - (Date.now() - started),
          },
        );
        line =
          `pages ${summary.pages}, events ${summary.events}, unparseable ${summary.unparseableEvents}, ` +
          `alerts ${summary.alertsSent}`;
      } catch (error) {
        line = `run failed: ${(error as Error).message}`;
      }
      const cursors = await Promise.all([HOME, GLOBAL].map((r) => cursorOf(state, r)));
      console.log(
        `${bold(`tick ${String(i + 1).padStart(2)}`)} ${new Date(simNow).toISOString().slice(11, 16)}Z  ${line}  ` +
          dim(`cursor ${HOME} ${cursors[0]}  ${GLOBAL} ${cursors[1]}`),
      );
      for (const message of sns.published.slice(before)) printAlert(message.messageId, sns);
    }
    state.destroy();

    console.log(
      `\n${bold('Done.')} ${sns.published.length} alerts published over ${TICKS} ticks; ` +
        `CloudTrail answered ${cloudtrail.requests.length} LookupEvents calls (${cloudtrail.stats()[HOME]?.rateLimited ?? 0} throttled in ${HOME}).`,
    );
    console.log('Deploy it for real: npx cdk deploy -c alertEmail=you@example.com (see README.md).');
  } finally {
    await Promise.all([cloudtrail.close(), sns.close(), dynamo.stop()]);
  }
}

async function cursorOf(client: ReturnType<typeof localDynamoDbClient>, region: string): Promise<string> {
  const out = await client.send(
    new GetItemCommand({
      TableName: TABLE,
      Key: { pk: { S: 'cursor' }, sk: { S: region } },
      ConsistentRead: true,
    }),
  );
  const ms = Number(out.Item?.processedUntilMs?.N);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 16) + 'Z' : '-';
}

function printAlert(messageId: string, sns: Awaited<ReturnType<typeof startLocalSns>>): void {
  const sms = sns.deliveries('sms').find((d) => d.messageId === messageId);
  const email = sns.deliveries('email').find((d) => d.messageId === messageId);
  const https = sns.deliveries('https').find((d) => d.messageId === messageId);
  console.log(`   ${bold('SMS')}    ${sms?.body}`);
  console.log(`   ${bold('Email')}  Subject: ${email?.subject}`);
  for (const l of (email?.body ?? '').split('\n').slice(0, 14)) console.log(`          ${dim(l)}`);
  const doc = https
    ? (JSON.parse(https.body) as {
        schema?: string;
        severity?: string;
        ruleId?: string;
        event?: { time?: string };
      })
    : {};
  console.log(
    `   ${bold('HTTPS')}  ${doc.schema} ${doc.severity} ${doc.ruleId} (JSON document for paging tools)`,
  );
  console.log(`   ${dim(`event time ${doc.event?.time ?? '?'}`)}\n`);
}

main().catch((error) => {
  console.error(`demo failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
