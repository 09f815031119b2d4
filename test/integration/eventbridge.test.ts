// PutEvents as the real EventBridgeClient sees it: a local server speaking AWS JSON 1.1, with the
// service's limits (10 entries, 256 KB of entry size), per-entry errors and injected failures.
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  entrySize,
  type LocalEventBridge,
  MAX_TOTAL_ENTRY_SIZE,
  startLocalEventBridge,
} from '../../local/eventbridge';

const NOW = new Date('2026-03-01T12:00:00.000Z');

let eb: LocalEventBridge;
let client: EventBridgeClient;
let auditArn: string;

const entry = (n: number, extra: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'trailwatch',
  DetailType: 'Finding',
  Detail: JSON.stringify({ n }),
  ...extra,
});
const put = (entries: PutEventsRequestEntry[]) => client.send(new PutEventsCommand({ Entries: entries }));
const rejection = async (promise: Promise<unknown>): Promise<Record<string, unknown>> => {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
};

beforeAll(async () => {
  eb = await startLocalEventBridge({ now: () => NOW });
  auditArn = eb.createBus('audit');
  client = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: eb.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
});
beforeEach(() => eb.reset());
afterAll(async () => {
  client.destroy();
  await eb.close();
});

describe('local EventBridge PutEvents', () => {
  it('records accepted entries in order, on the named bus, with their ids and times', async () => {
    const at = new Date('2026-02-28T08:30:00.000Z');
    const out = await put([
      entry(1),
      entry(2, { EventBusName: 'audit', Time: at, Resources: ['arn:aws:iam::123456789012:user/x'] }),
      entry(3, { EventBusName: auditArn }),
    ]);
    expect(out.FailedEntryCount).toBe(0);
    const ids = out.Entries!.map((e) => e.EventId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(3);
    expect(eb.events.map((e) => e.id)).toEqual(ids);
    expect(eb.events).toEqual([
      expect.objectContaining({
        bus: 'default',
        source: 'trailwatch',
        detailType: 'Finding',
        detail: { n: 1 },
      }),
      expect.objectContaining({
        bus: 'audit',
        detail: { n: 2 },
        resources: ['arn:aws:iam::123456789012:user/x'],
      }),
      expect.objectContaining({ bus: 'audit', detail: { n: 3 } }),
    ]);
    expect(eb.events[0]!.time).toEqual(NOW);
    expect(eb.events[1]!.time).toEqual(at);
    expect(eb.calls).toEqual(['PutEvents']);
  });

  it('takes 1 to 10 entries and refuses other counts as a whole with ValidationException', async () => {
    const ten = await put(Array.from({ length: 10 }, (_, i) => entry(i)));
    expect(ten.Entries).toHaveLength(10);
    expect(eb.events).toHaveLength(10);

    const eleven = await rejection(put(Array.from({ length: 11 }, (_, i) => entry(i))));
    expect(eleven.name).toBe('ValidationException');
    expect((eleven.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    const none = await rejection(put([]));
    expect(none.name).toBe('ValidationException');
    expect(eb.events).toHaveLength(10);
    // A client error: not retried.
    expect(eb.calls).toHaveLength(3);
  });

  it('counts entry size as the user guide does and refuses more than 256 KB as a whole', async () => {
    // Time counts 14 bytes; Source, DetailType, Detail and each resource their UTF-8 bytes.
    const sized = (detailBytes: number): PutEventsRequestEntry =>
      entry(0, { Time: NOW, Resources: ['r'], Detail: `{"p":"${'é'.repeat((detailBytes - 8) / 2)}"}` });
    const base = { Time: NOW, Source: 'trailwatch', DetailType: 'Finding', Resources: ['r'] };
    expect(entrySize({ ...base, Detail: '{}' })).toBe(14 + 10 + 7 + 1 + 2);
    const overhead = 14 + 10 + 7 + 1;
    // Two entries of exactly half the limit each: accepted.
    const half = MAX_TOTAL_ENTRY_SIZE / 2 - overhead;
    const atLimit = [sized(half), sized(half)];
    expect(atLimit.reduce((s, e) => s + entrySize({ ...e }), 0)).toBe(MAX_TOTAL_ENTRY_SIZE);
    expect((await put(atLimit)).FailedEntryCount).toBe(0);

    // Two bytes more (the detail grows by one 'é'): the whole call is refused, nothing recorded.
    const over = await rejection(put([sized(half), sized(half + 2)]));
    expect(over.name).toBe('ValidationException');
    expect(String(over.message)).toMatch(/Total size of the entries/);
    expect(eb.events).toHaveLength(2);
  });

  it('answers missing fields and malformed detail per entry, accepting the rest', async () => {
    const out = await put([
      { DetailType: 'Finding', Detail: '{}' },
      entry(1),
      { Source: 'trailwatch', Detail: '{}' },
      { Source: 'trailwatch', DetailType: 'Finding' },
      entry(2, { Detail: '[1, 2]' }),
      entry(3, { Detail: '{not json' }),
      entry(4),
      entry(5, { Source: '' }),
    ]);
    expect(out.FailedEntryCount).toBe(6);
    expect(out.Entries!.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'InvalidArgument',
      'ok',
      'InvalidArgument',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'ok',
      'InvalidArgument',
    ]);
    expect(out.Entries![0]!.ErrorMessage).toMatch(/Source/);
    expect(out.Entries![2]!.ErrorMessage).toMatch(/DetailType/);
    expect(out.Entries![3]!.ErrorMessage).toMatch(/Detail is a required/);
    expect(out.Entries![0]!.EventId).toBeUndefined();
    expect(eb.events.map((e) => e.detail)).toEqual([{ n: 1 }, { n: 4 }]);
    expect(eb.events.map((e) => e.id)).toEqual([out.Entries![1]!.EventId, out.Entries![6]!.EventId]);
  });

  it('fails an entry for an unknown bus, by name or ARN, and delivers the others', async () => {
    const out = await put([
      entry(1, { EventBusName: 'nope' }),
      entry(2, { EventBusName: 'audit' }),
      entry(3, { EventBusName: 'arn:aws:events:us-east-1:999999999999:event-bus/audit' }),
      entry(4, { EventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/audit' }),
    ]);
    expect(out.FailedEntryCount).toBe(3);
    expect(out.Entries!.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ResourceNotFoundException',
      'ok',
      'ResourceNotFoundException',
      'ResourceNotFoundException',
    ]);
    expect(eb.events.map((e) => [e.bus, e.detail])).toEqual([['audit', { n: 2 }]]);
  });

  it.each([
    ['InternalException', 500],
    ['ThrottlingException', 400],
  ])('retries %s (%i) and surfaces it once the 3 attempts are spent', async (code, status) => {
    eb.failNext(2, code);
    const ok = await put([entry(1)]);
    expect(ok.FailedEntryCount).toBe(0);
    expect(ok.$metadata.attempts).toBe(3);
    expect(eb.calls).toHaveLength(3);
    expect(eb.events).toHaveLength(1);

    eb.failNext(3, code);
    const error = await rejection(put([entry(2)]));
    expect(error.name).toBe(code);
    expect(error.$metadata).toMatchObject({ httpStatusCode: status, attempts: 3 });
    expect(eb.calls).toHaveLength(6);
    expect(eb.events).toHaveLength(1);
  });

  it('reports injected per-entry failures with FailedEntryCount, without a retry by the SDK', async () => {
    eb.failEntriesNext(2);
    const out = await put([entry(1), entry(2), entry(3)]);
    expect(out.FailedEntryCount).toBe(2);
    expect(out.Entries!.map((e) => e.ErrorCode ?? e.EventId)).toEqual([
      'InternalFailure',
      'InternalFailure',
      eb.events[0]!.id,
    ]);
    expect(eb.events.map((e) => e.detail)).toEqual([{ n: 3 }]);
    expect(eb.calls).toHaveLength(1);
    // The failures are used up: the next call goes through.
    expect((await put([entry(4)])).FailedEntryCount).toBe(0);
  });

  it('refuses an unsigned request', async () => {
    const res = await fetch(eb.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body: JSON.stringify({ Entries: [entry(1)] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
    expect(eb.events).toHaveLength(0);
    expect(eb.calls).toHaveLength(0);
  });
});
