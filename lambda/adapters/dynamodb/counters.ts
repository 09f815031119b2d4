// Threshold counters in the table: `pk=count#<ruleId|subject> sk=<bucketStartMs>`: ids (a string
// set of at most `limit` members), n, lastId (the crossing event once n = limit); TTL bucket end
// plus a day.

import type { CounterRef, CounterStore, CountResult } from '../../core/ports';
import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand } from './sdk';
import { type DynamoTable, type Item, n, num, s } from './table';

export class DynamoCounters implements CounterStore {
  private readonly client;
  private readonly table;

  constructor(t: DynamoTable) {
    this.client = t.client;
    this.table = t.name;
  }

  async countOnce(
    counter: CounterRef,
    eventId: string,
    _nowMs: number,
    member: string = eventId,
  ): Promise<CountResult> {
    const key = { pk: s(`count#${counter.key}`), sk: s(String(counter.bucketStartMs)) };
    try {
      // One atomic write: the member joins the set and the count only if it is new and the count
      // is below the limit, so the set never holds more than `limit` members, and `lastId` is
      // frozen on the event that reached the limit.
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'ADD ids :ids, n :one SET lastId = :id, expiresAt = :expiresAt',
          ConditionExpression: '(attribute_not_exists(n) OR n < :limit) AND NOT contains(ids, :member)',
          ExpressionAttributeValues: {
            ':ids': { SS: [member] },
            ':one': n(1),
            ':member': s(member),
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
