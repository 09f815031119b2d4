// The detector's one DynamoDB table, as every part of the state store uses it: the client, the
// table's name, the attribute codec, item sizing, one paging helper, and retries of transient
// errors for writes that must not be lost.
import type { AttributeValue, QueryCommandInput, QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import type { OutputSelection } from '../../core/ports';
import { DynamoDBClient, QueryCommand, TransactionCanceledException } from './sdk';

export interface DynamoDbStateOptions {
  readonly tableName: string;
  /** How long idempotency records are kept (TTL). */
  readonly alertRetentionMs: number;
  readonly client?: DynamoDBClient;
  /**
   * A scope within the table with a lease and cursors of its own (one member account of an
   * organization, read by its own worker); alert records, counters, repeat groups and profiles
   * stay shared. Letters, digits, `-` and `_`, at most 64. None: the single detector's lease and cursors.
   */
  readonly scope?: string;
  /** The outputs besides SNS that are on: each alert recorded gets an entry in each one's queue. */
  readonly outputs?: readonly OutputSelection[];
}

const SCOPE = /^[0-9A-Za-z_-]{1,64}$/;

export type Item = Record<string, AttributeValue>;

export class DynamoTable {
  readonly client: DynamoDBClient;
  readonly name: string;
  readonly alertRetentionMs: number;

  readonly scope: string | undefined;
  readonly outputs: readonly OutputSelection[];

  constructor(options: DynamoDbStateOptions) {
    if (options.scope !== undefined && !SCOPE.test(options.scope)) {
      throw new Error(
        `state scope "${options.scope.slice(0, 80)}" must be 1 to 64 letters, digits, "-" or "_"`,
      );
    }
    this.client = options.client ?? new DynamoDBClient({ maxAttempts: 6 });
    this.name = options.tableName;
    this.alertRetentionMs = options.alertRetentionMs;
    this.scope = options.scope;
    this.outputs = options.outputs ?? [];
  }

  /** Every page of a query on the table, as they come; the caller may stop early. */
  async *queryPages(input: Omit<QueryCommandInput, 'TableName'>): AsyncGenerator<QueryCommandOutput> {
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ ...input, TableName: this.name, ExclusiveStartKey: startKey }),
      );
      yield page;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}

export function s(value: string): AttributeValue {
  return { S: value };
}

export function n(value: number): AttributeValue {
  return { N: String(value) };
}

export function num(value: AttributeValue | undefined): number {
  return value?.N === undefined ? Number.NaN : Number(value.N);
}

/** DynamoDB refuses items over 400 KB. */
export const MAX_ITEM_BYTES = 400 * 1024;

export class ItemTooLargeError extends Error {
  override readonly name = 'ItemTooLargeError';
}

/** The item, checked against DynamoDB's item limit before it is written. */
export function sized(item: Item, what: string): Item {
  const bytes = itemBytes(item);
  if (bytes > MAX_ITEM_BYTES) {
    throw new ItemTooLargeError(
      `${what.slice(0, 200)} would take ${bytes} bytes; DynamoDB stores at most ${MAX_ITEM_BYTES}`,
    );
  }
  return item;
}

/**
 * An upper bound of an item's size as DynamoDB counts it: each attribute's UTF-8 name plus its
 * value (strings in UTF-8, numbers at most their digits, 3 bytes and 1 per element for maps and lists).
 */
export function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item))
    bytes += Buffer.byteLength(name, 'utf8') + valueBytes(value);
  return bytes;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.N !== undefined) return value.N.length + 1;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.B !== undefined) return value.B.length;
  if (value.SS !== undefined) return value.SS.reduce((sum, v) => sum + Buffer.byteLength(v, 'utf8'), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, v) => sum + v.length + 1, 0);
  if (value.M !== undefined) return 3 + Object.values(value.M).length + itemBytes(value.M);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueBytes(v), 0);
  return 0;
}

export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed')
  );
}

/** Transient DynamoDB errors: throttling, 5xx, a transaction that met another one. */
const TRANSIENT =
  /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|InternalServer|ServiceUnavailable|TransactionConflict|TransactionInProgress/;

export async function persist(write: () => Promise<void>, attempts = 6, baseDelayMs = 200): Promise<void> {
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

/** Sort keys sort as numbers: 15 digits reach far past any event time. */
export function paddedMs(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, '0');
}
