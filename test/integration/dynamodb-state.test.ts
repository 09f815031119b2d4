// The DynamoDB adapter against Amazon's DynamoDB Local: conditional writes, transactions, TTL fields.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../../lambda/adapters/dynamodb-state';
import { CursorConflictError } from '../../lambda/ports';
import {
  createDetectorTable,
  DYNAMODB_ENDPOINT_ENV,
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
  uniqueTableName,
} from '../support/dynamodb-local';

let dynamo: DynamoDbLocal | undefined;
let endpoint: string;
let store: DynamoDbStateStore;
let tableName: string;
const alert = { subject: 's', message: '{"default":"d"}', attributes: {} };

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
  store = new DynamoDbStateStore({
    tableName: table,
    alertRetentionMs: 86_400_000,
    client: localDynamoDbClient(endpoint, 3),
  });
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
    expect(await store.claimAlert(stored, 1)).toBe('claimed');
    expect(await store.claimAlert(stored, 2)).toBe('pending');
    expect(await store.listPending(10)).toEqual([stored]);
    await store.markSent('e1#rule', 'msg-1', 3);
    expect(await store.claimAlert(stored, 4)).toBe('sent');
    expect(await store.listPending(10)).toEqual([]);
  });

  it('grants the lease to one owner at a time, and again once it expires', async () => {
    expect(await store.acquireLease('a', 1000, 60_000)).toBe(true);
    expect(await store.acquireLease('b', 2000, 60_000)).toBe(false);
    expect(await store.acquireLease('b', 62_000, 60_000)).toBe(true);
    await store.releaseLease('a');
    expect(await store.acquireLease('c', 63_000, 60_000)).toBe(false);
    await store.releaseLease('b');
    expect(await store.acquireLease('c', 63_000, 60_000)).toBe(true);
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
});
