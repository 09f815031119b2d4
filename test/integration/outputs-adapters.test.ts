// The three output adapters through the real SDK clients against the local EventBridge, Security
// Hub and SNS servers: delivery, per-entry failures, whole-call permanent and transient failures,
// and the SDK package loaded only on the first send.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { ChatTopicOutput } from '../../lambda/adapters/outputs/chat-topic';
import { EventBridgeOutput } from '../../lambda/adapters/outputs/eventbridge';
import { SecurityHubOutput } from '../../lambda/adapters/outputs/securityhub';
import { renderAlert, renderDigest } from '../../lambda/core/alert';
import { stableId } from '../../lambda/core/alert/text';
import type { ForwardItem } from '../../lambda/core/ports';
import type { Finding, RenderedAlert } from '../../lambda/core/types';
import { type LocalEventBridge, startLocalEventBridge } from '../../local/eventbridge';
import { type LocalSecurityHub, startLocalSecurityHub } from '../../local/securityhub';
import { type LocalSns, startLocalSns } from '../../local/sns';
import { documentOf, EVENT_ACCOUNT, forwardItem, stopLoggingFinding } from '../support/output-fixtures';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };
const TOPIC = `arn:aws:sns:${REGION}:123456789012:trailwatch-chat`;

/** The shared StopLogging in this suite's region, by a user whose name tries to mention everyone. */
function finding(eventId: string, meta: Partial<Finding> = {}): Finding {
  return stopLoggingFinding(
    eventId,
    {
      awsRegion: REGION,
      userIdentity: {
        type: 'IAMUser',
        userName: '<!channel> alice',
        arn: `arn:aws:iam::${EVENT_ACCOUNT}:user/alice`,
        accountId: EVENT_ACCOUNT,
        accessKeyId: 'AKIAEXAMPLEKEY123456',
      },
    },
    { summary: `alice stopped trail main (${eventId}).`, ...meta },
  );
}

const itemOf = (rendered: RenderedAlert, key: string): ForwardItem => forwardItem(documentOf(rendered), key);

const alertItem = (eventId: string) =>
  itemOf(renderAlert(finding(eventId)), `${eventId}#cloudtrail.logging-stopped`);

const repeatsItem = (eventIds: string[]) =>
  itemOf(
    renderDigest(
      eventIds.map((id) => finding(id)),
      {
        repeatsOf: {
          leadAlertKey: 'lead#cloudtrail.logging-stopped',
          windowStartMs: Date.parse('2026-03-01T10:00:00Z'),
          windowEndMs: Date.parse('2026-03-01T11:00:00Z'),
        },
      },
    ),
    'repeats',
  );

const malformedItem: ForwardItem = { key: 'bad', severity: 'high', eventTimeMs: 0, document: '{"schema":' };

/** An SDK-shaped error, thrown by a client middleware in place of the service. */
function serviceError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

let eb: LocalEventBridge;
let hub: LocalSecurityHub;
let sns: LocalSns;

beforeAll(async () => {
  [eb, hub, sns] = await Promise.all([
    startLocalEventBridge(),
    startLocalSecurityHub({ now: () => new Date('2026-03-02T00:00:00Z') }),
    startLocalSns({ topics: [TOPIC] }),
  ]);
});
beforeEach(() => {
  eb.reset();
  hub.reset();
  sns.reset();
});
afterAll(async () => {
  await Promise.all([eb.close(), hub.close(), sns.close()]);
});

describe('EventBridgeOutput', () => {
  let client: EventBridgeClient;
  let busArn: string;
  beforeAll(() => {
    busArn = eb.createBus('security');
    client = new EventBridgeClient({
      region: REGION,
      endpoint: eb.endpoint,
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
  });
  afterAll(() => client.destroy());
  const output = (busName = busArn) => new EventBridgeOutput({ busName, client });

  it('puts each alert on the bus with its document as the detail', async () => {
    const items = [alertItem('eb-1'), repeatsItem(['eb-2', 'eb-3'])];
    const results = await output().send(items);
    expect(results).toEqual([{ ok: true }, { ok: true }]);
    expect(eb.events.map((e) => [e.bus, e.source, e.detailType])).toEqual([
      ['security', 'trailwatch', 'Trailwatch Alert'],
      ['security', 'trailwatch', 'Trailwatch Digest'],
    ]);
    expect(eb.events[0]!.detail).toEqual(JSON.parse(items[0]!.document));
    expect(eb.events[1]!.detail).toEqual(JSON.parse(items[1]!.document));
    expect(eb.events[0]!.resources).toEqual([]);
  });

  it('refuses a malformed document for good and still sends the others', async () => {
    const results = await output().send([alertItem('eb-4'), malformedItem, alertItem('eb-5')]);
    expect(results[0]).toEqual({ ok: true });
    expect(results[1]).toEqual({
      ok: false,
      permanent: true,
      reason: expect.stringMatching(/not valid JSON/),
    });
    expect(results[2]).toEqual({ ok: true });
    expect(eb.events).toHaveLength(2);
  });

  it('reads per-entry errors: retryable codes transient, the others permanent', async () => {
    eb.failEntriesNext(1, 'ThrottlingException');
    const throttled = await output().send([alertItem('eb-6'), alertItem('eb-7')]);
    expect(throttled).toEqual([
      { ok: false, permanent: false, reason: expect.stringMatching(/^ThrottlingException/) },
      { ok: true },
    ]);
    eb.failEntriesNext(1, 'NotAuthorizedForSourceException');
    const refused = await output().send([alertItem('eb-8')]);
    expect(refused).toEqual([
      { ok: false, permanent: true, reason: expect.stringMatching(/^NotAuthorizedForSourceException/) },
    ]);
  });

  it('fails every entry for good when the bus does not exist', async () => {
    const results = await output(`arn:aws:events:${REGION}:${eb.account}:event-bus/missing`).send([
      alertItem('eb-9'),
      alertItem('eb-10'),
    ]);
    for (const r of results)
      expect(r).toEqual({
        ok: false,
        permanent: true,
        reason: expect.stringMatching(/ResourceNotFoundException/),
      });
    expect(eb.events).toHaveLength(0);
  });

  it('fails every item for good on a permanent whole-call error', async () => {
    eb.failNext(1, 'AccessDeniedException');
    const results = await output().send([alertItem('eb-11'), alertItem('eb-12')]);
    expect(results).toEqual([
      { ok: false, permanent: true, reason: expect.stringMatching(/^AccessDeniedException/) },
      { ok: false, permanent: true, reason: expect.stringMatching(/^AccessDeniedException/) },
    ]);
  });

  it('throws on a transient whole-call error, so the batch is retried', async () => {
    eb.failNext(1, 'InternalException');
    await expect(output().send([alertItem('eb-13')])).rejects.toMatchObject({ name: 'InternalException' });
    eb.failNext(1, 'ThrottlingException');
    await expect(output().send([alertItem('eb-14')])).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(eb.events).toHaveLength(0);
  });

  it('splits past 10 entries, and after a delivered request marks the rest transient instead of throwing', async () => {
    const throttling = new EventBridgeClient({
      region: REGION,
      endpoint: eb.endpoint,
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    let calls = 0;
    throttling.middlewareStack.add(
      (next) => async (args) => {
        calls += 1;
        if (calls === 2) throw serviceError('ThrottlingException', 'Rate exceeded');
        return next(args);
      },
      { step: 'initialize' },
    );
    const items = Array.from({ length: 12 }, (_, i) => alertItem(`split-${i}`));
    const results = await new EventBridgeOutput({ busName: busArn, client: throttling }).send(items);
    throttling.destroy();
    expect(eb.calls).toEqual(['PutEvents']);
    expect(eb.events).toHaveLength(10);
    expect(results.slice(0, 10)).toEqual(Array(10).fill({ ok: true }));
    expect(results.slice(10)).toEqual([
      { ok: false, permanent: false, reason: 'ThrottlingException: Rate exceeded' },
      { ok: false, permanent: false, reason: 'ThrottlingException: Rate exceeded' },
    ]);
  });
});

describe('SecurityHubOutput', () => {
  let client: SecurityHubClient;
  beforeAll(() => {
    client = new SecurityHubClient({
      region: REGION,
      endpoint: hub.endpoint,
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
  });
  afterAll(() => client.destroy());
  const output = (productArn = hub.defaultProductArn(REGION)) =>
    new SecurityHubOutput({ productArn, client });

  it('imports an alert and each finding of a repeat summary, as the caller account', async () => {
    const results = await output().send([alertItem('sh-1'), repeatsItem(['sh-2', 'sh-3'])]);
    expect(results).toEqual([{ ok: true }, { ok: true }]);
    const stored = hub.findings();
    const ids = ['sh-1', 'sh-2', 'sh-3'].map(
      (e) => `trailwatch/${EVENT_ACCOUNT}/${REGION}/${stableId(`${e}#cloudtrail.logging-stopped`)}`,
    );
    expect([...stored.keys()].sort()).toEqual(ids.sort());
    for (const f of stored.values()) {
      expect(f).toMatchObject({
        AwsAccountId: hub.accountId,
        ProductArn: hub.defaultProductArn(REGION),
        RecordState: 'ACTIVE',
      });
      expect(f.Description).toContain(`Account: ${EVENT_ACCOUNT}`);
    }
  });

  it('updates rather than duplicates on a re-send', async () => {
    await output().send([alertItem('sh-4')]);
    const again = await output().send([alertItem('sh-4')]);
    expect(again).toEqual([{ ok: true }]);
    expect(hub.findings().size).toBe(1);
    expect(hub.imports.map((i) => i.kind)).toEqual(['created']);
    expect(hub.ignored).toHaveLength(1);
  });

  it('reads FailedFindings: a product of another account or region fails for good', async () => {
    const otherAccount = await output(
      `arn:aws:securityhub:${REGION}:999999999999:product/999999999999/default`,
    ).send([alertItem('sh-5')]);
    expect(otherAccount).toEqual([
      { ok: false, permanent: true, reason: expect.stringMatching(/^AccessDeniedException/) },
    ]);
    const otherRegion = await new SecurityHubOutput({
      productArn: hub.defaultProductArn('eu-west-1'),
      region: REGION,
      client,
    }).send([alertItem('sh-6')]);
    expect(otherRegion).toEqual([
      { ok: false, permanent: true, reason: expect.stringMatching(/^InvalidProductArn/) },
    ]);
    expect(hub.findings().size).toBe(0);
  });

  it('refuses a malformed document for good and imports the others', async () => {
    const results = await output().send([malformedItem, alertItem('sh-7')]);
    expect(results).toEqual([
      { ok: false, permanent: true, reason: expect.stringMatching(/malformed document/) },
      { ok: true },
    ]);
  });

  it('fails every item for good when Security Hub is not enabled', async () => {
    hub.failNext(1, 401, 'InvalidAccessException');
    const results = await output().send([alertItem('sh-8'), repeatsItem(['sh-9'])]);
    for (const r of results) {
      expect(r).toEqual({
        ok: false,
        permanent: true,
        reason: expect.stringMatching(/^InvalidAccessException/),
      });
    }
  });

  it.each([
    [429, 'LimitExceededException'],
    [500, 'InternalException'],
  ])('throws on a transient whole-call error (%i %s)', async (status, type) => {
    hub.failNext(1, status, type);
    await expect(output().send([alertItem('sh-10')])).rejects.toMatchObject({ name: type });
    expect(hub.findings().size).toBe(0);
  });
});

describe('ChatTopicOutput', () => {
  let client: SNSClient;
  beforeAll(() => {
    client = new SNSClient({ region: REGION, endpoint: sns.url, credentials: CREDENTIALS, maxAttempts: 1 });
  });
  afterAll(() => client.destroy());
  const output = (topicArn = TOPIC) => new ChatTopicOutput({ topicArn, client });

  it('publishes one plain custom notification per alert', async () => {
    const results = await output().send([alertItem('ch-1'), repeatsItem(['ch-2', 'ch-3'])]);
    expect(results).toEqual([{ ok: true }, { ok: true }]);
    expect(sns.published).toHaveLength(2);
    for (const p of sns.published) {
      expect(p.topicArn).toBe(TOPIC);
      expect(p.messageStructure).toBeUndefined();
      expect(p.subject).toBeUndefined();
      const body = JSON.parse(p.message);
      expect(body).toMatchObject({
        version: '1.0',
        source: 'custom',
        content: { textType: 'client-markdown' },
      });
      expect(p.message).not.toContain('<!channel>');
    }
    expect(JSON.parse(sns.published[0]!.message).content.title).toMatch(
      /CRITICAL: CloudTrail logging stopped/,
    );
    expect(JSON.parse(sns.published[1]!.message).metadata.eventType).toBe('trailwatch-repeats');
    // Chatbot reads the message as published: every protocol gets the same JSON.
    expect(sns.deliveries('https')[0]!.body).toBe(sns.published[0]!.message);
  });

  it('fails one message for good on an invalid parameter and sends the next', async () => {
    sns.refuseWhen(({ message }) => (message.includes('ch-bad') ? 'InvalidParameter' : undefined));
    const results = await output().send([alertItem('ch-bad'), malformedItem, alertItem('ch-4')]);
    expect(results).toEqual([
      { ok: false, permanent: true, reason: expect.stringMatching(/^InvalidParameterException/) },
      { ok: false, permanent: true, reason: expect.stringMatching(/malformed document/) },
      { ok: true },
    ]);
    expect(sns.published).toHaveLength(1);
  });

  it.each([
    [
      'a topic that does not exist',
      `arn:aws:sns:${REGION}:123456789012:gone`,
      undefined,
      /^NotFoundException/,
    ],
    ['a disabled KMS key', TOPIC, 'KMSDisabled', /^KMSDisabledException/],
    ['no permission', TOPIC, 'AuthorizationError', /^AuthorizationErrorException/],
  ])('fails every item for good on %s', async (_what, topic, failure, reason) => {
    if (failure) sns.setFailing(failure);
    const results = await output(topic).send([alertItem('ch-5'), alertItem('ch-6')]);
    expect(results).toEqual([
      { ok: false, permanent: true, reason: expect.stringMatching(reason) },
      {
        ok: false,
        permanent: true,
        reason: expect.stringMatching(/not sent after an earlier publish failed/),
      },
    ]);
    expect(sns.published).toHaveLength(0);
  });

  it('throws when the first publish fails transiently', async () => {
    sns.failNext(1, 'InternalError');
    await expect(output().send([alertItem('ch-7'), alertItem('ch-8')])).rejects.toMatchObject({
      name: 'InternalErrorException',
    });
    expect(sns.published).toHaveLength(0);
  });

  it('posts a burst of alerts as one notification that counts them, and a repeat summary apart', async () => {
    const burst = ['ch-b1', 'ch-b2', 'ch-b3', 'ch-b4', 'ch-b5'].map(alertItem);
    const results = await output().send([...burst, repeatsItem(['ch-b6', 'ch-b7'])]);
    expect(results).toEqual(new Array(6).fill({ ok: true }));
    expect(sns.published).toHaveLength(2);
    const [digest, repeats] = sns.published.map((p) => JSON.parse(p.message));
    expect(digest.metadata).toMatchObject({
      eventType: 'trailwatch-digest',
      additionalContext: { count: '5' },
    });
    expect(digest.content.title).toMatch(/5 findings/);
    expect(repeats.metadata.eventType).toBe('trailwatch-repeats');
  });

  it('fails every alert of a burst alike when its one publish fails for good', async () => {
    sns.setFailing('AuthorizationError');
    const results = await output().send(['ch-c1', 'ch-c2', 'ch-c3', 'ch-c4'].map(alertItem));
    expect(results).toHaveLength(4);
    for (const r of results) {
      expect(r).toEqual({
        ok: false,
        permanent: true,
        reason: expect.stringMatching(/^AuthorizationErrorException/),
      });
    }
    expect(sns.published).toHaveLength(0);
  });

  it('after a publish went out, marks a throttled one and the rest transient, not re-sending the first', async () => {
    let seen = 0;
    sns.refuseWhen(() => (++seen === 2 ? 'Throttled' : undefined));
    const results = await output().send([alertItem('ch-9'), alertItem('ch-10'), alertItem('ch-11')]);
    expect(results).toEqual([
      { ok: true },
      { ok: false, permanent: false, reason: expect.stringMatching(/^ThrottledException/) },
      {
        ok: false,
        permanent: false,
        reason: expect.stringMatching(/not sent after an earlier publish failed/),
      },
    ]);
    expect(sns.published).toHaveLength(1);
  });
});

describe('lazy loading', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = eb.endpoint;
    process.env.AWS_ENDPOINT_URL_SECURITYHUB = hub.endpoint;
    process.env.AWS_ENDPOINT_URL_SNS = sns.url;
  });
  afterAll(() => {
    for (const key of [
      'AWS_ENDPOINT_URL_EVENTBRIDGE',
      'AWS_ENDPOINT_URL_SECURITYHUB',
      'AWS_ENDPOINT_URL_SNS',
    ]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  const cases: [string, string, string, () => Record<string, string>, () => number][] = [
    [
      '@aws-sdk/client-eventbridge',
      '../../lambda/adapters/outputs/eventbridge',
      'EventBridgeOutput',
      () => ({ busName: `arn:aws:events:${REGION}:${eb.account}:event-bus/default` }),
      () => eb.events.length,
    ],
    [
      '@aws-sdk/client-securityhub',
      '../../lambda/adapters/outputs/securityhub',
      'SecurityHubOutput',
      () => ({ productArn: hub.defaultProductArn(REGION) }),
      () => hub.findings().size,
    ],
    [
      '@aws-sdk/client-sns',
      '../../lambda/adapters/outputs/chat-topic',
      'ChatTopicOutput',
      () => ({ topicArn: TOPIC }),
      () => sns.published.length,
    ],
  ];

  it.each(cases)(
    'does not load %s until the first send, and loads it once',
    async (pkg, path, className, options, delivered) => {
      await jest.isolateModulesAsync(async () => {
        let loads = 0;
        jest.doMock(pkg, () => {
          loads += 1;
          return jest.requireActual(pkg);
        });
        const adapter = (await import(path)) as Record<
          string,
          new (
            o: Record<string, string>,
          ) => { send(items: ForwardItem[]): Promise<unknown> }
        >;
        const output = new adapter[className]!(options());
        expect(loads).toBe(0);
        // A send with nothing well-formed to deliver needs no client either.
        await expect(output.send([malformedItem])).resolves.toEqual([
          { ok: false, permanent: true, reason: expect.stringMatching(/malformed document/) },
        ]);
        expect(loads).toBe(0);
        await expect(output.send([alertItem(`lazy-${className}`)])).resolves.toEqual([{ ok: true }]);
        expect(loads).toBe(1);
        expect(delivered()).toBe(1);
        await output.send([alertItem(`lazy-${className}-2`)]);
        expect(loads).toBe(1);
      });
    },
  );
});
