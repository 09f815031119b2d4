// Pins the local AWS stand-ins' semantics with the REAL SDK clients: if these pass, the detector's
// integration tests, fault suite, benchmark and demo see CloudTrail/SNS/DynamoDB behave as documented.
import {
  CloudTrailClient,
  type CloudTrailClientConfig,
  DescribeTrailsCommand,
  LookupEventsCommand,
  type LookupEventsCommandInput,
  type LookupEventsCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import {
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  PublishCommand,
  type PublishCommandInput,
  SNSClient,
  type SNSClientConfig,
} from '@aws-sdk/client-sns';
import { SnsAlertSink } from '../../lambda/adapters/sns-sink';
import { AlertRefusedError } from '../../lambda/core/ports';
import {
  createRecordFactory,
  type LocalCloudTrail,
  NINETY_DAYS_MS,
  startLocalCloudTrail,
} from '../../local/cloudtrail';
import {
  createDetectorTable,
  DYNAMODB_ENDPOINT_ENV,
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
  uniqueTableName,
} from '../../local/dynamodb';
import { type LocalSns, SNS_MAX_MESSAGE_BYTES, startLocalSns } from '../../local/sns';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const SEC = 1000;
const MIN = 60 * SEC;
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:trailwatch-alerts';

/** Resolves to the SDK error (or throws if the call succeeded). */
async function failure(promise: Promise<unknown>): Promise<Error & { $metadata?: { attempts?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata?: { attempts?: number } };
  }
  throw new Error('expected the call to fail');
}

describe('local CloudTrail (LookupEvents over JSON 1.1)', () => {
  let ct: LocalCloudTrail;
  const clients: CloudTrailClient[] = [];
  const makeRecord = createRecordFactory(7);

  const client = (config: CloudTrailClientConfig = {}): CloudTrailClient => {
    const c = new CloudTrailClient({ endpoint: ct.url, region: 'eu-west-1', maxAttempts: 1, ...config });
    clients.push(c);
    return c;
  };
  const lookup = (input: LookupEventsCommandInput, config?: CloudTrailClientConfig) =>
    client(config).send(new LookupEventsCommand(input));
  const at = (ms: number): Date => new Date(ms);

  beforeAll(async () => {
    // No rate limit by default here; the rate-limit tests switch it on.
    ct = await startLocalCloudTrail({ now: () => NOW, requestsPerSecond: 0 });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
    ct.reset();
  });
  afterAll(() => ct.close());

  it('pages 120 events newest first in pages of 50, 50, 20; the last page has no NextToken', async () => {
    for (let i = 0; i < 120; i++)
      ct.addEvent('eu-west-1', makeRecord({ eventTimeMs: NOW - 3600 * SEC + i * 10 * SEC }));
    const pages: LookupEventsCommandOutput[] = [];
    let token: string | undefined;
    do {
      const page = await lookup({ StartTime: at(NOW - 2 * 3600 * SEC), EndTime: at(NOW), NextToken: token });
      pages.push(page);
      token = page.NextToken;
    } while (token);

    expect(pages.map((p) => p.Events?.length)).toEqual([50, 50, 20]);
    expect(pages[2]?.NextToken).toBeUndefined();
    const times = pages.flatMap((p) => p.Events ?? []).map((e) => e.EventTime?.getTime());
    expect(times).toHaveLength(120);
    expect(times[0]).toBe(NOW - 3600 * SEC + 119 * 10 * SEC);
    expect(times).toEqual([...times].sort((a, b) => (b ?? 0) - (a ?? 0)));
    expect(new Set(pages.flatMap((p) => p.Events ?? []).map((e) => e.EventId)).size).toBe(120);
    expect(ct.stats()['eu-west-1']).toMatchObject({ okPages: 3, eventsReturned: 120, throttled: 0 });
  });

  it('returns the envelope and the record as the real API does', async () => {
    const record = makeRecord({
      eventTimeMs: NOW - MIN,
      eventName: 'ListBuckets',
      eventSource: 's3.amazonaws.com',
    });
    ct.addEvent('eu-west-1', record);
    const out = await lookup({});
    const event = out.Events?.[0];
    expect(event).toMatchObject({
      EventId: record.eventID,
      EventName: 'ListBuckets',
      EventSource: 's3.amazonaws.com',
      ReadOnly: 'true',
      Username: 'alice',
      AccessKeyId: (record.userIdentity as { accessKeyId: string }).accessKeyId,
      Resources: [],
    });
    expect(event?.EventTime).toEqual(new Date(NOW - MIN));
    expect(JSON.parse(event?.CloudTrailEvent ?? '')).toEqual(record);
  });

  it('orders events of the same second by EventId and keeps raw malformed bodies as given', async () => {
    ct.addEvent('eu-west-1', '{"eventID": "broken', {
      envelope: { eventId: 'aaaa', eventName: 'GetObject', eventTimeMs: NOW - MIN },
    });
    ct.addEvent('eu-west-1', makeRecord({ eventTimeMs: NOW - MIN, eventID: 'zzzz' }));
    const out = await lookup({});
    expect(out.Events?.map((e) => e.EventId)).toEqual(['zzzz', 'aaaa']);
    expect(out.Events?.[1]?.CloudTrailEvent).toBe('{"eventID": "broken');
  });

  it('treats StartTime and EndTime as inclusive', async () => {
    const start = NOW - 10 * MIN;
    const end = NOW - 5 * MIN;
    for (const t of [start - SEC, start, end, end + SEC])
      ct.addEvent('eu-west-1', makeRecord({ eventTimeMs: t }));
    const out = await lookup({ StartTime: at(start), EndTime: at(end) });
    expect(out.Events?.map((e) => e.EventTime?.getTime())).toEqual([end, start]);
  });

  it('rejects a NextToken reused with other parameters, and a garbage token', async () => {
    for (let i = 0; i < 60; i++) ct.addEvent('eu-west-1', makeRecord({ eventTimeMs: NOW - i * SEC }));
    const first = await lookup({ StartTime: at(NOW - 3600 * SEC), EndTime: at(NOW) });
    expect(first.NextToken).toEqual(expect.any(String));

    const changed = await failure(
      lookup({ StartTime: at(NOW - 1800 * SEC), EndTime: at(NOW), NextToken: first.NextToken }),
    );
    expect(changed.name).toBe('InvalidNextTokenException');
    const otherSize = await failure(
      lookup({
        StartTime: at(NOW - 3600 * SEC),
        EndTime: at(NOW),
        MaxResults: 10,
        NextToken: first.NextToken,
      }),
    );
    expect(otherSize.name).toBe('InvalidNextTokenException');
    const otherRegion = await failure(
      lookup(
        { StartTime: at(NOW - 3600 * SEC), EndTime: at(NOW), NextToken: first.NextToken },
        { region: 'us-east-1' },
      ),
    );
    expect(otherRegion.name).toBe('InvalidNextTokenException');
    const garbage = await failure(lookup({ NextToken: 'not-a-token' }));
    expect(garbage.name).toBe('InvalidNextTokenException');

    const second = await lookup({
      StartTime: at(NOW - 3600 * SEC),
      EndTime: at(NOW),
      NextToken: first.NextToken,
    });
    expect(second.Events).toHaveLength(10);
  });

  it('validates attributes, page size and time range with the real error names', async () => {
    ct.addEvent('eu-west-1', makeRecord({ eventTimeMs: NOW - MIN, eventName: 'DeleteTrail' }));
    ct.addEvent('eu-west-1', makeRecord({ eventTimeMs: NOW - MIN, eventName: 'DescribeTrails' }));
    const two = await failure(
      lookup({
        LookupAttributes: [
          { AttributeKey: 'EventName', AttributeValue: 'DeleteTrail' },
          { AttributeKey: 'ReadOnly', AttributeValue: 'false' },
        ],
      }),
    );
    expect(two.name).toBe('InvalidLookupAttributesException');
    expect((await failure(lookup({ MaxResults: 51 }))).name).toBe('InvalidMaxResultsException');
    expect((await failure(lookup({ MaxResults: 0 }))).name).toBe('InvalidMaxResultsException');
    expect((await failure(lookup({ StartTime: at(NOW), EndTime: at(NOW - SEC) }))).name).toBe(
      'InvalidTimeRangeException',
    );
    const unknown = await failure(client().send(new DescribeTrailsCommand({})));
    expect(unknown.name).toBe('UnknownOperationException');

    const byName = await lookup({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'DeleteTrail' }],
    });
    expect(byName.Events?.map((e) => e.EventName)).toEqual(['DeleteTrail']);
    const writes = await lookup({
      LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'false' }],
    });
    expect(writes.Events?.map((e) => e.EventName)).toEqual(['DeleteTrail']);
    expect(ct.stats()['eu-west-1']?.clientErrors).toBe(5);
  });

  it('returns an event only once it is visible on the server clock', async () => {
    const record = makeRecord({ eventTimeMs: NOW - MIN });
    ct.addEvent('eu-west-1', record, { visibilityDelayMs: 10 * MIN });
    expect((await lookup({})).Events).toEqual([]);
    ct.setNow(NOW + 9 * MIN - 1);
    expect((await lookup({})).Events).toEqual([]);
    // visibleAtMs = eventTime + delay = NOW + 9 min; visible from that instant on.
    ct.setNow(NOW + 9 * MIN);
    expect((await lookup({})).Events?.map((e) => e.EventId)).toEqual([record.eventID]);
  });

  it('keeps pages consistent when an older event becomes visible between pages', async () => {
    for (let i = 0; i < 60; i++)
      ct.addEvent('eu-west-1', makeRecord({ eventTimeMs: NOW - 10 * MIN - i * SEC }));
    const late = makeRecord({ eventTimeMs: NOW - 10 * MIN - 55 * SEC - 500 });
    ct.addEvent('eu-west-1', late, { visibleAtMs: NOW + MIN });
    const query = { StartTime: at(NOW - 3600 * SEC), EndTime: at(NOW) };
    const first = await lookup(query);
    ct.setNow(NOW + MIN);
    const second = await lookup({ ...query, NextToken: first.NextToken });
    expect(second.Events).toHaveLength(11);
    expect(second.Events?.map((e) => e.EventId)).toContain(late.eventID);
    expect(second.NextToken).toBeUndefined();
  });

  it('never returns events older than 90 days before server-now', async () => {
    const tooOld = makeRecord({ eventTimeMs: NOW - NINETY_DAYS_MS - SEC });
    const oldest = makeRecord({ eventTimeMs: NOW - NINETY_DAYS_MS });
    ct.addEvents('eu-west-1', [tooOld, oldest]);
    const out = await lookup({ StartTime: at(NOW - 100 * 24 * 3600 * SEC), EndTime: at(NOW) });
    expect(out.Events?.map((e) => e.EventId)).toEqual([oldest.eventID]);
    expect((await lookup({})).Events?.map((e) => e.EventId)).toEqual([oldest.eventID]);
  });

  it('throttles the third quick call in a region (2 req/s, no SDK retry); regions do not share the limit', async () => {
    ct.setRequestsPerSecond(2);
    const results = await Promise.allSettled([lookup({}), lookup({}), lookup({})]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    const throttled = rejected[0]!.reason as Error & { $metadata: { httpStatusCode: number } };
    expect([throttled.name, throttled.$metadata.httpStatusCode]).toEqual(['ThrottlingException', 400]);
    await expect(lookup({}, { region: 'us-east-1' })).resolves.toMatchObject({ Events: [] });
    expect(ct.stats()['eu-west-1']).toMatchObject({ okPages: 2, rateLimited: 1, throttled: 1 });
    expect(ct.requests.filter((r) => r.fault === 'rate-limit').map((r) => r.region)).toEqual(['eu-west-1']);
  });

  it('lets the SDK retry throttling with its default strategy (3 attempts)', async () => {
    ct.addEvent('eu-west-1', makeRecord({ eventTimeMs: NOW - MIN }));
    ct.failNext(2, 'throttle');
    const out = await lookup({}, { maxAttempts: undefined });
    expect(out.Events).toHaveLength(1);
    expect(out.$metadata.attempts).toBe(3);
    expect(ct.requests.map((r) => r.errorType ?? r.status)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      200,
    ]);

    ct.failNext(3, 'throttle');
    const exhausted = await failure(lookup({}, { maxAttempts: undefined }));
    expect(exhausted.name).toBe('ThrottlingException');
    expect(exhausted.$metadata?.attempts).toBe(3);
    expect(ct.injectedFaults.throttles).toBe(5);
  });

  it('surfaces 500/503 with their names and lets the SDK retry them', async () => {
    ct.failNext(1, 500);
    expect((await failure(lookup({}))).name).toBe('InternalServerException');
    ct.failNext(1, 503);
    expect((await failure(lookup({}))).name).toBe('ServiceUnavailableException');
    ct.failNext(1, 500);
    ct.failNext(1, 503);
    const out = await lookup({}, { maxAttempts: undefined });
    expect(out.$metadata.attempts).toBe(3);
    expect(ct.stats()['eu-west-1']).toMatchObject({ serverErrors: 4, okPages: 1 });
  });

  it('injects random faults deterministically for a seed', async () => {
    const runs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const server = await startLocalCloudTrail({
        seed: 42,
        throttleRate: 0.3,
        serverErrorRate: 0.2,
        requestsPerSecond: 0,
      });
      const c = new CloudTrailClient({ endpoint: server.url, region: 'eu-west-1', maxAttempts: 1 });
      const outcome: string[] = [];
      for (let i = 0; i < 20; i++) {
        outcome.push(
          await c.send(new LookupEventsCommand({})).then(
            () => 'ok',
            (e: Error) => e.name,
          ),
        );
      }
      c.destroy();
      await server.close();
      runs.push(outcome);
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(new Set(runs[0])).toEqual(
      new Set(['ok', 'ThrottlingException', 'InternalServerException', 'ServiceUnavailableException']),
    );
  });

  it('answers correctly from a store of 300,000 events across regions', async () => {
    const regions = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
    // A tiny body: this pins the store's indexing, not JSON parsing of 300k records.
    const body = '{}';
    for (let i = 0; i < 300_000; i++) {
      const region = regions[i % 3]!;
      // Reverse time order on purpose: the store must sort, once.
      ct.addEvent(region, body, {
        envelope: { eventId: `e${i}`, eventName: 'GetObject', eventTimeMs: NOW - i * SEC },
      });
    }
    expect(ct.eventCount()).toBe(300_000);
    const out = await lookup({ StartTime: at(NOW - 50_000 * SEC), EndTime: at(NOW - 40_000 * SEC) });
    expect(out.Events).toHaveLength(50);
    expect(out.Events?.[0]?.EventTime?.getTime()).toBe(NOW - 40_002 * SEC);
    // Each region holds every third second; the newest page of any window starts at its newest match.
    // (Speed of the store is measured by the benchmark, not asserted here: tests are not timed.)
    for (let i = 0; i < 5; i++) {
      const page = await lookup({ StartTime: at(NOW - (i + 1) * 10_000 * SEC), EndTime: at(NOW) });
      expect(page.Events).toHaveLength(50);
      expect(page.Events?.[0]?.EventTime?.getTime()).toBe(NOW);
      expect(page.NextToken).toBeDefined();
    }
  });
});

describe('local SNS (Publish over the query protocol)', () => {
  let sns: LocalSns;
  const clients: SNSClient[] = [];
  const client = (config: SNSClientConfig = {}): SNSClient => {
    const c = new SNSClient({ endpoint: sns.url, region: 'eu-west-1', maxAttempts: 1, ...config });
    clients.push(c);
    return c;
  };
  const publish = (input: Partial<PublishCommandInput>, config?: SNSClientConfig) =>
    client(config).send(new PublishCommand({ TopicArn: TOPIC, Message: 'hello', ...input }));

  beforeAll(async () => {
    sns = await startLocalSns({ topics: [TOPIC, `${TOPIC}.fifo`] });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
    sns.reset();
  });
  afterAll(() => sns.close());

  it('records a publish with its subject, attributes and region', async () => {
    const out = await publish({
      Subject: 'High: root login',
      Message: 'root signed in',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'high' },
        score: { DataType: 'Number', StringValue: '87.5' },
        rules: { DataType: 'String.Array', StringValue: '["root-login","no-mfa"]' },
        blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
      },
    });
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sns.published).toHaveLength(1);
    expect(sns.published[0]).toMatchObject({
      messageId: out.MessageId,
      topicArn: TOPIC,
      region: 'eu-west-1',
      subject: 'High: root login',
      message: 'root signed in',
      attributes: {
        severity: { dataType: 'String', value: 'high' },
        score: { dataType: 'Number', value: '87.5' },
        rules: { dataType: 'String.Array', value: '["root-login","no-mfa"]' },
        blob: { dataType: 'Binary', value: Buffer.from([1, 2, 3]).toString('base64') },
      },
    });
  });

  it('validates MessageStructure=json and delivers per protocol', async () => {
    const noDefault = await failure(
      publish({ MessageStructure: 'json', Message: JSON.stringify({ email: 'x' }) }),
    );
    expect(noDefault.name).toBe('InvalidParameterException');
    const notJson = await failure(publish({ MessageStructure: 'json', Message: 'plain' }));
    expect(notJson.name).toBe('InvalidParameterException');
    await publish({
      MessageStructure: 'json',
      Message: JSON.stringify({ default: 'short', email: 'long text' }),
    });
    expect(sns.deliveries('email').map((d) => d.body)).toEqual(['long text']);
    expect(sns.deliveries('sqs').map((d) => d.body)).toEqual(['short']);
  });

  it('rejects oversize messages, bad subjects, bad attributes, unknown or foreign topics', async () => {
    await expect(publish({ Message: 'x'.repeat(SNS_MAX_MESSAGE_BYTES) })).resolves.toBeDefined();
    const tooBig = await failure(
      publish({ Message: 'x'.repeat(SNS_MAX_MESSAGE_BYTES - 9), Subject: '0123456789' }),
    );
    expect(tooBig.name).toBe('InvalidParameterException');
    expect(tooBig.message).toContain('Message too long');
    for (const Subject of ['line\nbreak', 's'.repeat(101), 'caf\u00e9']) {
      expect((await failure(publish({ Subject }))).name).toBe('InvalidParameterException');
    }
    const badArray = await failure(
      publish({ MessageAttributes: { tags: { DataType: 'String.Array', StringValue: 'not-json' } } }),
    );
    expect(badArray.name).toBe('InvalidParameterValueException');
    const badNumber = await failure(
      publish({ MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } } }),
    );
    expect(badNumber.name).toBe('InvalidParameterValueException');
    const unknown = await failure(publish({ TopicArn: 'arn:aws:sns:eu-west-1:111122223333:nope' }));
    expect(unknown.name).toBe('NotFoundException');
    const foreign = await failure(publish({}, { region: 'us-east-1' }));
    expect(foreign.name).toBe('InvalidParameterException');
    expect((await failure(publish({ TopicArn: `${TOPIC}.fifo` }))).name).toBe('InvalidParameterException');
    expect(sns.published).toHaveLength(1);
  });

  it('surfaces injected failures with the SDK names and status codes', async () => {
    const cases: Array<[string, string, number]> = [
      ['InternalError', 'InternalErrorException', 500],
      ['Throttled', 'ThrottledException', 429],
      ['KMSThrottling', 'KMSThrottlingException', 400],
      ['KMSDisabled', 'KMSDisabledException', 400],
    ];
    for (const [code, name, status] of cases) {
      sns.failNext(1, code);
      const error = (await failure(publish({}))) as Error & { $metadata: { httpStatusCode: number } };
      expect([error.name, error.$metadata.httpStatusCode]).toEqual([name, status]);
    }
    expect(sns.failures.total).toBe(4);
    expect(sns.published).toHaveLength(0);
  });

  it('lets the SDK retry InternalError and Throttled, but not KMS errors', async () => {
    sns.failNext(1, 'InternalError');
    sns.failNext(1, 'Throttled');
    const out = await publish({}, { maxAttempts: undefined });
    expect(out.$metadata.attempts).toBe(3);
    expect(sns.published.map((p) => p.messageId)).toEqual([out.MessageId]);

    for (const code of ['KMSThrottling', 'KMSDisabled']) {
      sns.failNext(1, code);
      const error = await failure(publish({}, { maxAttempts: undefined }));
      expect(error.$metadata?.attempts).toBe(1);
    }
    sns.setFailing('InternalError');
    const down = await failure(publish({}, { maxAttempts: undefined }));
    expect([down.name, down.$metadata?.attempts]).toEqual(['InternalErrorException', 3]);
    expect(sns.failures.byCode).toEqual({ InternalError: 4, Throttled: 1, KMSThrottling: 1, KMSDisabled: 1 });
  });

  it("tells SnsAlertSink's permanent refusals from transient failures, over the wire", async () => {
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: client() });
    const alert = { subject: 's', message: JSON.stringify({ default: 'd' }), attributes: {} };
    const outcome = async (code: string) => {
      sns.failNext(1, code);
      const error = (await sink.publish(alert).then(
        () => undefined,
        (e: unknown) => e,
      )) as Error;
      return [code, error instanceof AlertRefusedError ? `refused ${error.code}` : `failed ${error.name}`];
    };
    const outcomes = [];
    for (const code of [
      'InvalidParameter',
      'AuthorizationError',
      'KMSDisabled',
      'KMSNotFound',
      'KMSInvalidState',
      'KMSAccessDenied',
      'NotFound',
      'InternalError',
      'Throttled',
      'KMSThrottling',
      'ServiceUnavailable',
    ]) {
      outcomes.push(await outcome(code));
    }
    expect(outcomes).toEqual([
      ['InvalidParameter', 'refused InvalidParameterException'],
      ['AuthorizationError', 'refused AuthorizationErrorException'],
      ['KMSDisabled', 'refused KMSDisabledException'],
      ['KMSNotFound', 'refused KMSNotFoundException'],
      ['KMSInvalidState', 'refused KMSInvalidStateException'],
      ['KMSAccessDenied', 'refused KMSAccessDeniedException'],
      ['NotFound', 'refused NotFoundException'],
      ['InternalError', 'failed InternalErrorException'],
      ['Throttled', 'failed ThrottledException'],
      ['KMSThrottling', 'failed KMSThrottlingException'],
      ['ServiceUnavailable', 'failed ServiceUnavailable'],
    ]);
    // A topic that does not exist is refused for good too.
    const gone = new SnsAlertSink({ topicArn: `${TOPIC}-deleted`, client: client() });
    await expect(gone.publish(alert)).rejects.toBeInstanceOf(AlertRefusedError);
  });

  it('fails a seeded fraction of publishes, the same ones for the same seed', async () => {
    const outcomes: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const server = await startLocalSns({ seed: 9, failureRate: 0.4 });
      const c = new SNSClient({ endpoint: server.url, region: 'eu-west-1', maxAttempts: 1 });
      const outcome: string[] = [];
      for (let i = 0; i < 15; i++) {
        outcome.push(
          await c.send(new PublishCommand({ TopicArn: TOPIC, Message: `m${i}` })).then(
            () => 'ok',
            (e: Error) => e.name,
          ),
        );
      }
      c.destroy();
      await server.close();
      outcomes.push(outcome);
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]).toContain('ok');
    expect(outcomes[0]).toContain('InternalErrorException');
  });
});

describe('DynamoDB Local', () => {
  let local: DynamoDbLocal | undefined;
  let endpoint: string;
  let ddb: DynamoDBClient;
  const table = uniqueTableName('local-servers');

  beforeAll(async () => {
    // Self-sufficient: use the run's instance if global setup started one, else start our own.
    const shared = process.env[DYNAMODB_ENDPOINT_ENV];
    if (shared) endpoint = shared;
    else {
      local = await startDynamoDbLocal();
      endpoint = local.endpoint;
    }
    ddb = localDynamoDbClient(endpoint);
    await createDetectorTable(endpoint, table);
  }, 45_000);
  afterAll(async () => {
    ddb?.destroy();
    await local?.stop();
  });

  it('creates the detector table with TTL on expiresAt', async () => {
    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('cancels a transaction whose condition fails, with reasons', async () => {
    await ddb.send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: 'alert' }, sk: { S: 'e1#r1' } } }),
    );
    const error = await failure(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: { pk: { S: 'alert' }, sk: { S: 'e1#r1' } },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: table, Item: { pk: { S: 'outbox' }, sk: { S: 'e1#r1' } } } },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'ConditionalCheckFailed',
      'None',
    ]);
  });
});
