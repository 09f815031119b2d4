// StateStore over one DynamoDB table (pk, sk; TTL attribute `expiresAt`).
//
// Items:
//   pk=lease   sk=run         the run lease: owner, leaseUntilMs
//   pk=cursor  sk=<region>    processedUntilMs, version, optional slice in progress
//   pk=alert#<eventId#ruleId> sk=alert   idempotency record: status pending|sent; TTL-bounded
//   pk=outbox  sk=<eventId#ruleId>       an alert not yet accepted by SNS, with its message
//   pk=count#<ruleId|subject> sk=<bucketStartMs>  a threshold counter: ids (string set, at most
//              `limit` ids), n, lastId (the crossing event once n = limit); TTL bucket end + 1 day
// The idempotency record and the outbox entry are written in one transaction, so an alert is
// either unknown, or known and kept until SNS has it.
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { RenderedAlert } from '../core/types';
import type { ClaimResult, CounterRef, CountResult, RegionCursor, StateStore, StoredAlert } from '../ports';
import { CursorConflictError } from '../ports';

export interface DynamoDbStateOptions {
  readonly tableName: string;
  /** How long idempotency records are kept (TTL). */
  readonly alertRetentionMs: number;
  readonly client?: DynamoDBClient;
}

type Item = Record<string, AttributeValue>;

export class DynamoDbStateStore implements StateStore {
  private readonly client: DynamoDBClient;
  private readonly table: string;

  constructor(private readonly options: DynamoDbStateOptions) {
    this.client = options.client ?? new DynamoDBClient({ maxAttempts: 6 });
    this.table = options.tableName;
  }

  async acquireLease(owner: string, nowMs: number, durationMs: number): Promise<boolean> {
    const until = nowMs + durationMs;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: s('lease'),
            sk: s('run'),
            owner: s(owner),
            leaseUntilMs: n(until),
            expiresAt: n(Math.ceil(until / 1000) + 86_400),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntilMs < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': n(nowMs), ':owner': s(owner) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async releaseLease(owner: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: { pk: s('lease'), sk: s('run') },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': s(owner) },
        }),
      );
    } catch (error) {
      // Someone else's lease now (ours expired): not ours to delete.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async getCursor(region: string): Promise<RegionCursor | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: s('cursor'), sk: s(region) },
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    return decodeCursor(region, out.Item);
  }

  async saveCursor(next: Omit<RegionCursor, 'version'>, expected: RegionCursor): Promise<RegionCursor> {
    const version = expected.version + 1;
    const item: Item = {
      pk: s('cursor'),
      sk: s(next.region),
      processedUntilMs: n(next.processedUntilMs),
      version: n(version),
    };
    if (next.inProgress) {
      item.sliceStartMs = n(next.inProgress.startMs);
      item.sliceEndMs = n(next.inProgress.endMs);
      item.sliceCompletesAtMs = n(next.inProgress.sliceEndMs);
      if (next.inProgress.nextToken) item.sliceNextToken = s(next.inProgress.nextToken);
    }
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: item,
          ...(expected.version === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': n(expected.version) },
              }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new CursorConflictError(next.region);
      throw error;
    }
    return { ...next, version };
  }

  async claimAlert(alert: StoredAlert, nowMs: number): Promise<ClaimResult> {
    const expiresAt = Math.ceil((nowMs + this.options.alertRetentionMs) / 1000);
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: {
                  pk: s(`alert#${alert.key}`),
                  sk: s('alert'),
                  status: s('pending'),
                  region: s(alert.region),
                  createdAtMs: n(nowMs),
                  expiresAt: n(expiresAt),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: {
                  pk: s('outbox'),
                  sk: s(alert.key),
                  region: s(alert.region),
                  eventTimeMs: n(Number.isFinite(alert.eventTimeMs) ? alert.eventTimeMs : 0),
                  createdAtMs: n(nowMs),
                  alert: s(JSON.stringify(alert.alert)),
                },
              },
            },
          ],
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const existing = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: s(`alert#${alert.key}`), sk: s('alert') },
        ConsistentRead: true,
      }),
    );
    return existing.Item?.status?.S === 'sent' ? 'sent' : 'pending';
  }

  async markSent(key: string, messageId: string, nowMs: number): Promise<void> {
    // SNS has the message already: failing to record that means sending it again on the next
    // run. So this write keeps trying through transient errors longer than the SDK's own retries.
    await persist(() => this.writeSent(key, messageId, nowMs));
  }

  private async writeSent(key: string, messageId: string, nowMs: number): Promise<void> {
    await this.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.table,
              Key: { pk: s(`alert#${key}`), sk: s('alert') },
              UpdateExpression: 'SET #status = :sent, messageId = :messageId, sentAtMs = :now',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':sent': s('sent'), ':messageId': s(messageId), ':now': n(nowMs) },
            },
          },
          { Delete: { TableName: this.table, Key: { pk: s('outbox'), sk: s(key) } } },
        ],
      }),
    );
  }

  async listPending(limit: number): Promise<StoredAlert[]> {
    const found: StoredAlert[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :outbox',
          ExpressionAttributeValues: { ':outbox': s('outbox') },
          ConsistentRead: true,
          Limit: Math.min(100, limit - found.length),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) found.push(decodeOutbox(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && found.length < limit);
    return found.sort((a, b) => a.eventTimeMs - b.eventTimeMs);
  }

  async countOnce(counter: CounterRef, eventId: string, _nowMs: number): Promise<CountResult> {
    const key = { pk: s(`count#${counter.key}`), sk: s(String(counter.bucketStartMs)) };
    try {
      // One atomic write: the id joins the set and the count only if it is new and the count is
      // below the limit, so the set never holds more than `limit` ids, and `lastId` is frozen on
      // the event that reached the limit.
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'ADD ids :ids, n :one SET lastId = :id, expiresAt = :expiresAt',
          ConditionExpression: '(attribute_not_exists(n) OR n < :limit) AND NOT contains(ids, :id)',
          ExpressionAttributeValues: {
            ':ids': { SS: [eventId] },
            ':one': n(1),
            ':id': s(eventId),
            ':limit': n(counter.limit),
            ':expiresAt': n(Math.ceil(counter.bucketEndMs / 1000) + 86_400),
          },
          ReturnValues: 'ALL_NEW',
          // A refused update (the usual case: a re-read) returns the item, saving a read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return decodeCount(out.Attributes ?? {}, counter.limit);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (error.Item) return decodeCount(error.Item, counter.limit);
    }
    // Already counted, or the counter is full: report it as it stands.
    const existing = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
    );
    return decodeCount(existing.Item ?? {}, counter.limit);
  }
}

function decodeCount(item: Item, limit: number): CountResult {
  const count = Number.isFinite(num(item.n)) ? num(item.n) : 0;
  return count >= limit ? { count, crossedBy: item.lastId?.S } : { count };
}

/** Transient DynamoDB errors: throttling, 5xx, a transaction that met another one. */
const TRANSIENT =
  /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|InternalServer|ServiceUnavailable|TransactionConflict|TransactionInProgress/;

async function persist(write: () => Promise<void>, attempts = 6, baseDelayMs = 200): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const transient =
        TRANSIENT.test((error as { name?: string }).name ?? '') ||
        (error instanceof TransactionCanceledException &&
          (error.CancellationReasons ?? []).some((r) => TRANSIENT.test(r.Code ?? '')));
      if (!transient || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}

function decodeCursor(region: string, item: Item): RegionCursor {
  const processedUntilMs = num(item.processedUntilMs);
  const version = num(item.version);
  if (!Number.isFinite(processedUntilMs) || !Number.isFinite(version)) {
    throw new Error(`cursor item for ${region} is malformed (processedUntilMs/version not numbers)`);
  }
  const start = num(item.sliceStartMs);
  const end = num(item.sliceEndMs);
  const completes = num(item.sliceCompletesAtMs);
  const inProgress =
    Number.isFinite(start) && Number.isFinite(end) && Number.isFinite(completes)
      ? { startMs: start, endMs: end, sliceEndMs: completes, nextToken: item.sliceNextToken?.S }
      : undefined;
  return { region, processedUntilMs, version, inProgress };
}

function decodeOutbox(item: Item): StoredAlert {
  const key = item.sk?.S ?? '';
  let alert: RenderedAlert;
  try {
    alert = JSON.parse(item.alert?.S ?? '') as RenderedAlert;
  } catch {
    throw new Error(`outbox item ${key} holds no readable alert`);
  }
  return { key, region: item.region?.S ?? '', eventTimeMs: num(item.eventTimeMs), alert };
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed')
  );
}

function s(value: string): AttributeValue {
  return { S: value };
}

function n(value: number): AttributeValue {
  return { N: String(value) };
}

function num(value: AttributeValue | undefined): number {
  return value?.N === undefined ? Number.NaN : Number(value.N);
}
