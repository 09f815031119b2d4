// The DynamoDB adapter against Amazon's DynamoDB Local: conditional writes, transactions, TTL fields.
import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbState, itemBytes, MAX_ITEM_BYTES } from '../../lambda/adapters/dynamodb';
import { renderAlert, renderDigest, renderedBytes } from '../../lambda/core/alert';
import { CLAIM_LAPSE_MS, claimAt } from '../../lambda/core/lease';
import { CursorConflictError, type StateStore, type StoredAlert } from '../../lambda/core/ports';
import {
  alertKeyOf,
  findingsOf,
  memberOf,
  REPEAT_GROUP_LIMIT,
  repeatGroupOf,
  summaryKeyOf,
} from '../../lambda/core/repeats';
import type { Severity } from '../../lambda/core/types';
import {
  createDetectorTable,
  DYNAMODB_ENDPOINT_ENV,
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
  uniqueTableName,
} from '../../local/dynamodb';
import { hostileStopLogging } from '../support/hostile';
import { joinStores } from '../support/memory-ports';

let dynamo: DynamoDbLocal | undefined;
let endpoint: string;
let store: StateStore;
let tableName: string;
const alert = { subject: 's', message: '{"default":"d"}', attributes: {} };
const T = 1_800_000_000_000;

/** An outbox entry as listPending reads it back. */
function pendingOf(stored: StoredAlert, claimant: string, claimedAtMs: number) {
  return { ...stored, claimant, claimedAtMs, refusals: 0, unreadable: undefined };
}

beforeAll(async () => {
  endpoint = process.env[DYNAMODB_ENDPOINT_ENV] ?? '';
  if (!endpoint) {
    dynamo = await startDynamoDbLocal();
    endpoint = dynamo.endpoint;
  }
});
afterAll(() => dynamo?.stop());
beforeEach(async () => {
  const table = uniqueTableName('state');
  tableName = table;
  await createDetectorTable(endpoint, table);
  store = joinStores(
    dynamoDbState({
      tableName: table,
      alertRetentionMs: 86_400_000,
      client: localDynamoDbClient(endpoint, 3),
    }),
  );
});

describe('DynamoDbStateStore', () => {
  it('round-trips a cursor with a slice in progress and its page token', async () => {
    const saved = await store.saveCursor(
      {
        region: 'eu-west-1',
        processedUntilMs: 1000,
        inProgress: { startMs: 1, endMs: 2, sliceEndMs: 3, nextToken: 'tok' },
      },
      { region: 'eu-west-1', processedUntilMs: 0, version: 0 },
    );
    expect(await store.getCursor('eu-west-1')).toEqual(saved);
  });

  it('round-trips the re-read state with the cursor, and names a malformed one', async () => {
    const rereads = {
      sweeps: [
        { ageMs: 1_800_000, untilMs: 900 },
        { ageMs: 3_600_000, untilMs: 800, inProgress: { startMs: 700, endMs: 750, sliceEndMs: 800 } },
      ],
      plan: { recentMs: 0, settleMs: 300_000 },
      eventsPerMinute: 1500.5,
      counts: { '29891520': 3, '29891521': 0 },
    };
    const saved = await store.saveCursor(
      { region: 'eu-west-1', processedUntilMs: 1000, rereads },
      { region: 'eu-west-1', processedUntilMs: 0, version: 0 },
    );
    expect(await store.getCursor('eu-west-1')).toEqual(saved);
    expect(saved.rereads).toEqual(rereads);
    const client = localDynamoDbClient(endpoint, 1);
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'cursor' }, sk: { S: 'eu-west-1' } },
        UpdateExpression: 'SET rereads = :r',
        ExpressionAttributeValues: { ':r': { S: '{"sweeps":[{"ageMs":"soon"}]}' } },
      }),
    );
    await expect(store.getCursor('eu-west-1')).rejects.toThrow(
      'cursor item for eu-west-1 has malformed rereads: a sweep without ageMs/untilMs',
    );
  });

  it('gives each scope (a member account) a lease and cursors of its own in the same table', async () => {
    const scoped = (scope?: string) =>
      joinStores(
        dynamoDbState({
          tableName,
          alertRetentionMs: 86_400_000,
          client: localDynamoDbClient(endpoint, 3),
          ...(scope === undefined ? {} : { scope }),
        }),
      );
    const single = store;
    const a = scoped('222222222222');
    const b = scoped('333333333333');
    const lease = (owner: string) => ({ owner, nowMs: 1000, durationMs: 60_000, expectedEndMs: 61_000 });
    expect(await single.acquireLease(lease('single-run'))).toEqual({ acquired: true });
    expect(await a.acquireLease(lease('worker-a'))).toEqual({ acquired: true });
    expect(await b.acquireLease(lease('worker-b'))).toEqual({ acquired: true });
    // Within a scope the lease is still one holder's.
    expect(await a.acquireLease(lease('worker-a2'))).toMatchObject({
      acquired: false,
      holder: { owner: 'worker-a' },
    });
    await a.releaseLease('worker-a');
    expect(await a.acquireLease(lease('worker-a2'))).toEqual({ acquired: true });
    expect(await single.acquireLease(lease('other-run'))).toMatchObject({ acquired: false });

    const none = { region: 'eu-west-1', processedUntilMs: 0, version: 0 };
    await a.saveCursor({ region: 'eu-west-1', processedUntilMs: 111 }, none);
    await b.saveCursor({ region: 'eu-west-1', processedUntilMs: 222 }, none);
    expect((await a.getCursor('eu-west-1'))?.processedUntilMs).toBe(111);
    expect((await b.getCursor('eu-west-1'))?.processedUntilMs).toBe(222);
    expect(await single.getCursor('eu-west-1')).toBeUndefined();
    expect(() => scoped('acct/../x')).toThrow(
      'state scope "acct/../x" must be 1 to 64 letters, digits, "-" or "_"',
    );
  });

  it('refuses a cursor write from a run that read an older version', async () => {
    const first = await store.saveCursor(
      { region: 'us-east-1', processedUntilMs: 1 },
      { region: 'us-east-1', processedUntilMs: 0, version: 0 },
    );
    await store.saveCursor({ region: 'us-east-1', processedUntilMs: 2 }, first);
    await expect(
      store.saveCursor({ region: 'us-east-1', processedUntilMs: 3 }, first),
    ).rejects.toBeInstanceOf(CursorConflictError);
  });

  it('claims an alert once, keeps it pending until sent, then reports it sent', async () => {
    const stored = { key: 'e1#rule', region: 'eu-west-1', eventTimeMs: 5, alert };
    expect(await store.claimAlert(stored, claimAt('run-a', T))).toBe('claimed');
    // Another run, while run-a's claim is fresh: left to run-a.
    expect(await store.claimAlert(stored, claimAt('run-b', T + 1000))).toBe('held');
    // run-a itself (a retried invocation keeps its request id) resumes it.
    expect(await store.claimAlert(stored, claimAt('run-a', T + 2000))).toBe('resumed');
    expect(await store.listPending(10)).toEqual([
      { ...stored, claimant: 'run-a', claimedAtMs: T + 2000, refusals: 0, unreadable: undefined },
    ]);
    await store.markSent('e1#rule', 'msg-1', T + 3000);
    expect(await store.claimAlert(stored, claimAt('run-b', T + 4000))).toBe('sent');
    expect(await store.listPending(10)).toEqual([]);
  });

  it("takes over another run's claim only once it has lapsed, and only one of two runs gets it", async () => {
    const stored = { key: 'e2#rule', region: 'eu-west-1', eventTimeMs: 5, alert };
    expect(await store.claimAlert(stored, claimAt('crashed', T))).toBe('claimed');
    expect(await store.reclaimAlert(stored.key, claimAt('run-b', T + CLAIM_LAPSE_MS - 1000))).toBe('held');
    const later = T + CLAIM_LAPSE_MS + 1000;
    const both = await Promise.all([
      store.reclaimAlert(stored.key, claimAt('run-b', later)),
      store.reclaimAlert(stored.key, claimAt('run-c', later)),
    ]);
    expect(both.sort()).toEqual(['held', 'resumed']);
  });

  it('grants the lease to one owner at a time, renews it for its owner, and reports the holder', async () => {
    const ask = (owner: string, nowMs: number) =>
      store.acquireLease({ owner, nowMs, durationMs: 60_000, expectedEndMs: nowMs + 200_000 });
    expect(await ask('a', 1000)).toEqual({ acquired: true });
    expect(await ask('b', 2000)).toEqual({
      acquired: false,
      holder: { owner: 'a', untilMs: 61_000, expectedEndMs: 201_000 },
    });
    // Asking again renews: a's lease now runs to 110 s, so b waits longer.
    expect(await ask('a', 50_000)).toEqual({ acquired: true });
    expect((await ask('b', 62_000)).acquired).toBe(false);
    expect(await ask('b', 111_000)).toEqual({ acquired: true });
    await store.releaseLease('a');
    expect((await ask('c', 112_000)).acquired).toBe(false);
    await store.releaseLease('b');
    expect(await ask('c', 112_000)).toEqual({ acquired: true });
  });

  it('counts each event once per bucket, stops at the limit, and freezes the crossing event', async () => {
    const counter = {
      key: 'signin.failed-console-logins|198.51.100.7',
      bucketStartMs: 900_000,
      bucketEndMs: 1_800_000,
      limit: 3,
    };
    expect(await store.countOnce(counter, 'e1', 1)).toEqual({ count: 1 });
    expect(await store.countOnce(counter, 'e1', 2)).toEqual({ count: 1 });
    expect(await store.countOnce(counter, 'e2', 3)).toEqual({ count: 2 });
    expect(await store.countOnce(counter, 'e3', 4)).toEqual({ count: 3, crossedBy: 'e3' });
    // Full: later events and re-reads leave the counter, and its crossing event, as they were.
    expect(await store.countOnce(counter, 'e4', 5)).toEqual({ count: 3, crossedBy: 'e3' });
    expect(await store.countOnce(counter, 'e2', 6)).toEqual({ count: 3, crossedBy: 'e3' });
    // Another bucket of the same subject is another counter.
    expect(
      await store.countOnce({ ...counter, bucketStartMs: 1_800_000, bucketEndMs: 2_700_000 }, 'e4', 7),
    ).toEqual({
      count: 1,
    });
    const item = await localDynamoDbClient(endpoint, 3).send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: `count#${counter.key}` }, sk: { S: '900000' } },
        ConsistentRead: true,
      }),
    );
    expect(item.Item?.ids?.SS?.sort()).toEqual(['e1', 'e2', 'e3']);
    expect(item.Item?.expiresAt?.N).toBe(String(1800 + 86_400));
  });

  it('counts distinct members once, and freezes the event that brought the count to the limit', async () => {
    const counter = {
      key: 'credentials.read-burst|mallory',
      bucketStartMs: 0,
      bucketEndMs: 900_000,
      limit: 2,
    };
    expect(await store.countOnce(counter, 'e1', 1, '=db')).toEqual({ count: 1 });
    // Another read of the same secret does not count.
    expect(await store.countOnce(counter, 'e2', 2, '=db')).toEqual({ count: 1 });
    expect(await store.countOnce(counter, 'e3', 3, '=cache')).toEqual({ count: 2, crossedBy: 'e3' });
    // Re-reading the crossing event, or reading either secret again, changes nothing.
    expect(await store.countOnce(counter, 'e3', 4, '=cache')).toEqual({ count: 2, crossedBy: 'e3' });
    expect(await store.countOnce(counter, 'e4', 5, '=db')).toEqual({ count: 2, crossedBy: 'e3' });
  });

  it('counts concurrent increments of one counter exactly, up to the limit', async () => {
    const counter = {
      key: 'iam.access-denied-burst|arn:aws:iam::1:user/x',
      bucketStartMs: 0,
      bucketEndMs: 900_000,
      limit: 10,
    };
    const ids = Array.from({ length: 15 }, (_, i) => `c${i}`);
    const results = await Promise.all([...ids, ...ids].map((id) => store.countOnce(counter, id, 1)));
    const final = await store.countOnce(counter, 'c0', 2);
    expect(final.count).toBe(10);
    // Only the crossing event sees itself as the one that reached the limit, even re-read at once.
    const crossing = results.filter(
      (r, i) => r.crossedBy !== undefined && r.crossedBy === [...ids, ...ids][i],
    );
    expect(new Set(crossing.map((r) => r.crossedBy))).toEqual(new Set([final.crossedBy]));
  });

  describe('repeat groups', () => {
    const group = {
      key: 'cloudtrail.logging-stopped|arn:aws:iam::1:user/a',
      windowStartMs: 3_600_000,
      windowEndMs: 7_200_000,
      limit: 3,
    };
    const member = (id: string, severity: Severity = 'high') => ({
      alertKey: `${id}#cloudtrail.logging-stopped`,
      severity,
      snapshot: `{"eventId":"${id}"}`,
    });

    it('lets the first finding lead, folds the repeats once each, and publishes past the limit', async () => {
      expect(await store.foldRepeat(group, member('a'), 1)).toBe('publish');
      // The lead is claimed as an ordinary alert; a re-read of it is told the record's status, so
      // the run need not claim it again.
      await store.claimAlert(
        { key: member('a').alertKey, region: 'r', eventTimeMs: 1, alert },
        claimAt('r1', 1),
      );
      expect(await store.foldRepeat(group, member('a'), 2)).toBe('pending');
      await store.markSent(member('a').alertKey, 'm-1', 2);
      expect(await store.foldRepeat(group, member('a'), 3)).toBe('sent');
      expect(await store.foldRepeat(group, member('b'), 3)).toBe('folded');
      expect(await store.foldRepeat(group, member('b'), 4)).toBe('folded-before');
      expect(await store.foldRepeat(group, member('c'), 5)).toBe('folded');
      expect(await store.foldRepeat(group, member('d'), 6)).toBe('folded');
      expect(await store.foldRepeat(group, member('e'), 7)).toBe('publish');
      const [listed] = await store.listEndedRepeats(group.windowEndMs, 10);
      expect(listed).toMatchObject({ ...group, leadAlertKey: member('a').alertKey });
      expect(listed?.members.map((m) => m.alertKey).sort()).toEqual(
        ['b', 'c', 'd'].map((id) => member(id).alertKey),
      );
      expect(listed?.members.find((m) => m.alertKey === member('b').alertKey)?.snapshot).toBe(
        '{"eventId":"b"}',
      );
      // A folded finding's idempotency record keeps claimAlert from publishing it on its own.
      expect(
        await store.claimAlert(
          { key: member('b').alertKey, region: 'r', eventTimeMs: 1, alert },
          claimAt('r1', 8),
        ),
      ).toBe('folded');
    });

    it('folds one of two concurrent reads of the same repeat, and agrees on one leader', async () => {
      const leaders = await Promise.all(['x', 'y', 'z'].map((id) => store.foldRepeat(group, member(id), 1)));
      expect(leaders.filter((r) => r === 'publish')).toHaveLength(1);
      const twice = await Promise.all([
        store.foldRepeat(group, member('w'), 2),
        store.foldRepeat(group, member('w'), 2),
      ]);
      expect(twice.sort()).toEqual(['folded', 'folded-before']);
      const [listed] = await store.listEndedRepeats(group.windowEndMs, 10);
      expect(listed?.members).toHaveLength(3);
    });

    it('lists only the groups whose window ended, and closes a group with its summary exactly once', async () => {
      const later = { ...group, windowStartMs: 7_200_000, windowEndMs: 10_800_000 };
      await store.foldRepeat(group, member('a'), 1);
      await store.foldRepeat(group, member('b'), 1);
      await store.foldRepeat(later, member('c'), 1);
      expect((await store.listEndedRepeats(group.windowEndMs - 1, 10)).length).toBe(0);
      const ended = await store.listEndedRepeats(group.windowEndMs, 10);
      expect(ended.map((g) => g.leadAlertKey)).toEqual([member('a').alertKey]);
      const summary = {
        key: `repeats#${member('a').alertKey}`,
        region: 'r',
        eventTimeMs: group.windowEndMs,
        alert,
      };
      await store.closeRepeatGroup(ended[0]!, summary, claimAt('r1', 10));
      await store.closeRepeatGroup(ended[0]!, summary, claimAt('r2', 11));
      expect(await store.listPending(10)).toEqual([pendingOf(summary, 'r1', 10)]);
      expect(await store.listEndedRepeats(Number.MAX_SAFE_INTEGER, 10)).toHaveLength(1);
      // A repeat of the closed window read later founds a new group and is published.
      expect(await store.foldRepeat(group, member('late'), 12)).toBe('publish');
      // A group without members is removed without a summary.
      const [alone] = await store
        .listEndedRepeats(later.windowEndMs, 10)
        .then((g) => g.filter((x) => x.windowStartMs === later.windowStartMs));
      await store.closeRepeatGroup(alone!, undefined, claimAt('r1', 13));
      expect((await store.listEndedRepeats(Number.MAX_SAFE_INTEGER, 10)).map((g) => g.windowStartMs)).toEqual(
        [group.windowStartMs],
      );
    });

    it('leaves a group that grew after it was listed for the next run to close in full', async () => {
      await store.foldRepeat(group, member('a'), 1);
      await store.foldRepeat(group, member('b'), 1);
      const [stale] = await store.listEndedRepeats(group.windowEndMs, 10);
      await store.foldRepeat(group, member('c'), 2);
      const summary = {
        key: `repeats#${member('a').alertKey}`,
        region: 'r',
        eventTimeMs: group.windowEndMs,
        alert,
      };
      await store.closeRepeatGroup(stale!, summary, claimAt('r1', 3));
      expect(await store.listPending(10)).toEqual([]);
      const [current] = await store.listEndedRepeats(group.windowEndMs, 10);
      expect(current?.members).toHaveLength(2);
      await store.closeRepeatGroup(current!, summary, claimAt('r1', 4));
      expect(await store.listPending(10)).toEqual([pendingOf(summary, 'r1', 4)]);
    });
  });
});

describe('never silent: limits, refusals and closing', () => {
  const raw = () => localDynamoDbClient(endpoint, 3);
  const outboxItem = async (key: string, pk = 'outbox') =>
    (
      await raw().send(
        new GetItemCommand({
          TableName: tableName,
          Key: { pk: { S: pk }, sk: { S: key } },
          ConsistentRead: true,
        }),
      )
    ).Item;

  it('stores an alert rendered from hostile text at its rendered size, never escaped twice', async () => {
    const finding = hostileStopLogging('hostile-1', T);
    const rendered = renderAlert(finding);
    const stored = { key: alertKeyOf(finding), region: 'eu-west-1', eventTimeMs: T, alert: rendered };
    expect(await store.claimAlert(stored, claimAt('r1', T))).toBe('claimed');
    const item = await outboxItem(stored.key);
    const storedBytes = itemBytes(item!);
    const legacyBytes = Buffer.byteLength(JSON.stringify(rendered), 'utf8');
    process.stdout.write(
      `hostile alert: rendered ${renderedBytes(rendered)} B, stored ${storedBytes} B, as one JSON string ${legacyBytes} B\n`,
    );
    expect(storedBytes).toBeLessThanOrEqual(renderedBytes(rendered) + 1024);
    expect(storedBytes).toBeLessThan(legacyBytes);
    expect((await store.listPending(1))[0]?.alert).toEqual(rendered);
  });

  it('keeps a group of 100 hostile repeats and its summary under the item limit', async () => {
    const windowMs = 3_600_000;
    const lead = hostileStopLogging('lead', T);
    const group = repeatGroupOf(lead, windowMs);
    expect(await store.foldRepeat(group, memberOf(lead), T)).toBe('publish');
    for (let i = 0; i < REPEAT_GROUP_LIMIT; i++) {
      const repeat = hostileStopLogging(`repeat-${i}`, T + i);
      expect(repeatGroupOf(repeat, windowMs)).toEqual(group);
      expect(await store.foldRepeat(group, memberOf(repeat), T)).toBe('folded');
    }
    const [listed] = await store.listEndedRepeats(group.windowEndMs, 1);
    const groupItem = await raw().send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'repeat' } },
        ConsistentRead: true,
      }),
    );
    const groupBytes = itemBytes(groupItem.Items![0]!);
    const summary = {
      key: summaryKeyOf(listed!),
      region: 'eu-west-1',
      eventTimeMs: group.windowEndMs,
      alert: renderDigest(findingsOf(listed!), {
        repeatsOf: {
          leadAlertKey: listed!.leadAlertKey,
          windowStartMs: group.windowStartMs,
          windowEndMs: group.windowEndMs,
        },
      }),
    };
    await store.closeRepeatGroup(listed!, summary, claimAt('r1', T));
    const summaryBytes = itemBytes((await outboxItem(summary.key))!);
    process.stdout.write(
      `hostile group of 100: group item ${groupBytes} B, summary entry ${summaryBytes} B\n`,
    );
    expect(groupBytes).toBeLessThan(MAX_ITEM_BYTES * 0.7);
    expect(summaryBytes).toBeLessThan(MAX_ITEM_BYTES * 0.7);
    expect(await store.listEndedRepeats(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  });

  it('refuses an item over the limit with an error that names it, before writing anything', async () => {
    const huge = { subject: 's', message: JSON.stringify({ default: 'x'.repeat(420_000) }), attributes: {} };
    const stored = { key: 'too-big#rule', region: 'eu-west-1', eventTimeMs: T, alert: huge };
    await expect(store.claimAlert(stored, claimAt('r1', T))).rejects.toThrow(
      /outbox entry too-big#rule would take \d+ bytes; DynamoDB stores at most 409600/,
    );
    expect(await store.listPending(10)).toEqual([]);
    expect(await store.claimAlert({ ...stored, alert }, claimAt('r1', T))).toBe('claimed');
  });

  it('counts refusals, sets an entry aside, retries it once an hour by one run only, and delivers it once', async () => {
    const stored = { key: 'refused#rule', region: 'eu-west-1', eventTimeMs: T, alert };
    await store.claimAlert(stored, claimAt('r1', T));
    expect(await store.recordRefusal(stored.key, 'KMSDisabledException: disabled', T)).toBe(1);
    expect(await store.recordRefusal(stored.key, 'KMSDisabledException: disabled', T)).toBe(2);
    expect((await store.listPending(10))[0]?.refusals).toBe(2);
    await store.setAside(stored.key, 'KMSDisabledException: disabled', T, T + 3_600_000);
    expect(await store.listPending(10)).toEqual([]);
    expect(await store.countSetAside()).toBe(1);
    expect((await outboxItem(stored.key, 'aside'))?.setAsideReason?.S).toBe('KMSDisabledException: disabled');
    // A re-read of its event neither claims nor sends it again.
    expect(await store.claimAlert(stored, claimAt('r2', T + 1000))).toBe('set-aside');
    expect(await store.takeSetAsideDue(T + 60_000, T + 7_200_000, 10)).toEqual([]);
    const [a, b] = await Promise.all([
      store.takeSetAsideDue(T + 3_600_000, T + 7_200_000, 10),
      store.takeSetAsideDue(T + 3_600_000, T + 7_200_000, 10),
    ]);
    expect([...a!, ...b!].map((e) => e.key)).toEqual([stored.key]);
    expect([...a!, ...b!][0]?.alert).toEqual(alert);
    await store.markSent(stored.key, 'msg-1', T + 3_600_000);
    expect(await store.countSetAside()).toBe(0);
    expect(await store.claimAlert(stored, claimAt('r3', T + 3_700_000))).toBe('sent');
  });

  it('lists an unreadable outbox entry as such, and sets it aside', async () => {
    await raw().send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: 'outbox' },
          sk: { S: 'garbled#rule' },
          region: { S: 'eu-west-1' },
          message: { S: '' },
        },
      }),
    );
    const [entry] = await store.listPending(10);
    expect(entry).toMatchObject({ key: 'garbled#rule', alert: undefined });
    expect(entry?.unreadable).toMatch(/outbox entry garbled#rule holds no readable alert/);
    await store.setAside(entry!.key, entry!.unreadable!, T, T + 3_600_000);
    expect(await store.listPending(10)).toEqual([]);
    expect(await store.countSetAside()).toBe(1);
  });

  it('closes a group whose summary is recorded already (the same members)', async () => {
    const group = { key: 'g', windowStartMs: 0, windowEndMs: 3_600_000, limit: 100 };
    const m = (id: string) => ({ alertKey: `${id}#r`, severity: 'high' as const, snapshot: '{}' });
    await store.foldRepeat(group, m('lead'), T);
    await store.foldRepeat(group, m('b'), T);
    const [listed] = await store.listEndedRepeats(group.windowEndMs, 10);
    const summary = { key: summaryKeyOf(listed!), region: 'r', eventTimeMs: group.windowEndMs, alert };
    // A run that recorded the summary and crashed before removing the group cannot happen in one
    // transaction; a summary recorded under the same key by any path must still let the group go.
    await store.claimAlert(summary, claimAt('r0', T));
    await store.closeRepeatGroup(listed!, summary, claimAt('r1', T));
    expect(await store.listEndedRepeats(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  });

  it('folds a repeat only under a leader at least as severe', async () => {
    const group = { key: 'g2', windowStartMs: 0, windowEndMs: 3_600_000, limit: 100 };
    const m = (id: string, severity: Severity) => ({ alertKey: `${id}#r`, severity, snapshot: '{}' });
    expect(await store.foldRepeat(group, m('denied', 'high'), T)).toBe('publish');
    expect(await store.foldRepeat(group, m('stopped', 'critical'), T)).toBe('publish');
    expect(await store.foldRepeat(group, m('again', 'high'), T)).toBe('folded');
    expect(await store.foldRepeat(group, m('lesser', 'medium'), T)).toBe('folded');
  });
});

describe('first-seen profiles in DynamoDB', () => {
  const KEY = 'arn:aws:iam::111122223333:user/alice';
  const v = (eventId: string, timeMs: number) => ({ eventId, timeMs });

  it('creates a profile, adds only new values, and keeps the event that introduced each', async () => {
    expect(await store.getProfile(KEY)).toBeUndefined();
    const created = await store.addToProfile(
      KEY,
      1_000,
      new Map([
        ['network|198.51.100.0/24', v('e1', 1_000)],
        ['region|eu-west-1', v('e1', 1_000)],
      ]),
      5_000,
    );
    expect(created.firstSeenMs).toBe(1_000);
    // A re-read offers e1's values under another event id: the stored event wins.
    const after = await store.addToProfile(
      KEY,
      9_999,
      new Map([
        ['network|198.51.100.0/24', v('e9', 2_000)],
        ['agent|aws-cli', v('e2', 2_000)],
      ]),
      6_000,
    );
    expect(after.firstSeenMs).toBe(1_000);
    expect(after.touchedMs).toBe(6_000);
    expect(Object.fromEntries(after.values)).toEqual({
      'network|198.51.100.0/24': v('e1', 1_000),
      'region|eu-west-1': v('e1', 1_000),
      'agent|aws-cli': v('e2', 2_000),
    });
    expect(await store.getProfile(KEY)).toEqual(after);
    const raw = await localDynamoDbClient(endpoint, 1).send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: `profile#${KEY}` }, sk: { S: 'profile' } },
      }),
    );
    // 90 days after the last write, in seconds: DynamoDB TTL.
    expect(Number(raw.Item?.expiresAt?.N)).toBe(Math.ceil((6_000 + 90 * 86_400_000) / 1000));
  });

  it('renews the expiry with no values, and writes more values than one expression holds', async () => {
    await store.addToProfile(KEY, 1_000, new Map(), 1_000);
    const many = new Map(Array.from({ length: 95 }, (_, i) => [`api|Call${i}`, v(`e${i}`, i)] as const));
    const profile = await store.addToProfile(KEY, 1_000, many, 2_000);
    expect(profile.values.size).toBe(95);
    expect(profile.values.get('api|Call94')).toEqual(v('e94', 94));
    const renewed = await store.addToProfile(KEY, 1_000, new Map(), 3_000);
    expect(renewed.touchedMs).toBe(3_000);
    expect(renewed.values.size).toBe(95);
  });

  it('lets the first of two racing creators keep a value, and loses neither one\u2019s new values', async () => {
    const other = dynamoDbState({
      tableName,
      alertRetentionMs: 86_400_000,
      client: localDynamoDbClient(endpoint, 3),
    }).profiles;
    const [a, b] = await Promise.all([
      store.addToProfile(
        KEY,
        1_000,
        new Map([
          ['region|eu-west-1', v('a', 1_000)],
          ['agent|x', v('a', 1_000)],
        ]),
        9,
      ),
      other.addToProfile(
        KEY,
        2_000,
        new Map([
          ['region|eu-west-1', v('b', 2_000)],
          ['agent|y', v('b', 2_000)],
        ]),
        9,
      ),
    ]);
    const final = await store.getProfile(KEY);
    expect([...final!.values.keys()].sort()).toEqual(['agent|x', 'agent|y', 'region|eu-west-1']);
    // Whoever wrote the region first, both callers were told that event.
    const winner = final!.values.get('region|eu-west-1')!.eventId;
    expect(['a', 'b']).toContain(winner);
    expect(a.values.get('region|eu-west-1')?.eventId).toBe(winner);
    expect(b.values.get('region|eu-west-1')?.eventId).toBe(winner);
  });
});

describe('write volume in DynamoDB', () => {
  const P = 'arn:aws:iam::111122223333:role/deploy';
  const HOUR = 3_600_000;
  const hour = (h: number) => Date.parse('2026-11-20T00:00:00Z') + h * HOUR;
  const empty = (bucketStartMs: number, threshold: number) => ({
    principal: P,
    bucketStartMs,
    threshold,
    count: 0,
    hashes: new Set<string>(),
  });

  it('counts each hash once, keeps the first threshold, and stops at the threshold', async () => {
    const created = await store.addWrites(empty(hour(0), 5), ['a1', 'a2', 'a3'], 1);
    expect([created.count, created.threshold]).toEqual([3, 5]);
    // A re-read offers the same hashes and one new one; another threshold is not taken.
    const again = await store.addWrites({ ...created, threshold: 99 }, ['a1', 'a2', 'a3', 'a4'], 2);
    expect([again.count, again.threshold]).toEqual([4, 5]);
    const full = await store.addWrites(again, ['a5', 'a6', 'a7'], 3);
    expect(full.count).toBe(5);
    expect(await store.getWriteVolume(P, hour(0))).toEqual(full);
  });

  it('re-reads and counts exactly when its view of the hour was stale', async () => {
    const first = await store.addWrites(empty(hour(1), 0), ['b1'], 1);
    await store.addWrites(first, ['b2', 'b3'], 2);
    // Still holding the one-hash view: the conditional write fails, the store reads again.
    const late = await store.addWrites(first, ['b3', 'b4'], 3);
    expect([...late.hashes].sort()).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(late.count).toBe(4);
  });

  it('records one crossing event whoever asks first', async () => {
    const v = await store.addWrites(empty(hour(2), 2), ['c1', 'c2'], 1);
    const [a, b] = await Promise.all([
      store.markVolumeCrossed(v, 'event-a'),
      store.markVolumeCrossed(v, 'event-b'),
    ]);
    expect(a).toBe(b);
    expect((await store.getWriteVolume(P, hour(2)))?.crossedBy).toBe(a);
  });

  it('reads the counts of the hours in a range, and only those', async () => {
    for (const [h, count] of [
      [0, 3],
      [5, 1],
      [30, 2],
    ] as const) {
      await store.addWrites(
        empty(hour(h), 0),
        Array.from({ length: count }, (_, i) => `h${h}-${i}`),
        1,
      );
    }
    expect((await store.writeVolumeHistory(P, hour(0), hour(30))).sort()).toEqual([1, 3]);
    expect(await store.writeVolumeHistory(P, hour(6), hour(30))).toEqual([]);
    expect(await store.writeVolumeHistory('arn:aws:iam::111122223333:user/other', hour(0), hour(31))).toEqual(
      [],
    );
  });
});
