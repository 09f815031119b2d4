// The DynamoDB adapter against Amazon's DynamoDB Local: conditional writes, transactions, TTL fields.
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
});
