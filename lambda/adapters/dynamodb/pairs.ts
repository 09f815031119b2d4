// The watched pairs of an organization in the detector's table: `pk=pair sk=<account>#<region>`,
// one small item each, listed by the dispatcher with one query per tick.
import type { MemberPair, PairRecord } from '../../core/organization';
import type { PairRun, PairStore } from '../../core/ports';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from './sdk';
import { type DynamoTable, type Item, n, num, s } from './table';

const key = (pair: MemberPair): Item => ({ pk: s('pair'), sk: s(`${pair.account}#${pair.region}`) });

const optionalNumber = (item: Item, name: string): number | undefined => {
  const value = num(item[name]);
  return Number.isFinite(value) ? value : undefined;
};

function recordOf(item: Item): PairRecord | undefined {
  const account = item.account?.S;
  const region = item.region?.S;
  const sinceMs = num(item.sinceMs);
  if (!account || !region || !Number.isFinite(sinceMs)) return undefined;
  const text = (name: string): string | undefined => item[name]?.S;
  return {
    account,
    region,
    accountName: text('accountName') ?? '',
    ouPath: text('ouPath') ?? '',
    sinceMs,
    coveredUntilMs: optionalNumber(item, 'coveredUntilMs'),
    readUntilMs: optionalNumber(item, 'readUntilMs'),
    lastRunMs: optionalNumber(item, 'lastRunMs'),
    lastOutcome: text('lastOutcome'),
    lastError: text('lastError'),
    blindSinceMs: optionalNumber(item, 'blindSinceMs'),
  };
}

/** Ignores the condition failure of a write to a pair removed meanwhile. */
async function unlessRemoved(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

export class DynamoPairs implements PairStore {
  constructor(private readonly t: DynamoTable) {}

  async list(): Promise<PairRecord[]> {
    const records: PairRecord[] = [];
    for await (const page of this.t.queryPages({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': s('pair') },
      ConsistentRead: true,
    })) {
      for (const item of page.Items ?? []) {
        const record = recordOf(item);
        // A damaged item is dropped from the list and so written again as new: never skipped silently.
        if (record) records.push(record);
      }
    }
    return records;
  }

  async get(pair: MemberPair): Promise<PairRecord | undefined> {
    const out = await this.t.client.send(
      new GetItemCommand({ TableName: this.t.name, Key: key(pair), ConsistentRead: true }),
    );
    return out.Item ? recordOf(out.Item) : undefined;
  }

  async add(record: MemberPair & Pick<PairRecord, 'accountName' | 'ouPath' | 'sinceMs'>): Promise<void> {
    try {
      await this.t.client.send(
        new PutItemCommand({
          TableName: this.t.name,
          Item: {
            ...key(record),
            account: s(record.account),
            region: s(record.region),
            accountName: s(record.accountName),
            ouPath: s(record.ouPath),
            sinceMs: n(record.sinceMs),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(sinceMs)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      await this.rename(record, record.accountName, record.ouPath);
    }
  }

  async rename(pair: MemberPair, accountName: string, ouPath: string): Promise<void> {
    await unlessRemoved(() =>
      this.t.client.send(
        new UpdateItemCommand({
          TableName: this.t.name,
          Key: key(pair),
          UpdateExpression: 'SET accountName = :name, ouPath = :ou',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':name': s(accountName), ':ou': s(ouPath) },
        }),
      ),
    );
  }

  async remove(pair: MemberPair): Promise<void> {
    await this.t.client.send(new DeleteItemCommand({ TableName: this.t.name, Key: key(pair) }));
  }

  async recordRun(pair: MemberPair, run: PairRun): Promise<void> {
    const values: Item = {
      ':read': n(run.readUntilMs),
      ':run': n(run.runMs),
      ':outcome': s(run.outcome),
    };
    const sets = ['readUntilMs = :read', 'lastRunMs = :run', 'lastOutcome = :outcome'];
    const removes: string[] = [];
    if (run.coveredUntilMs !== undefined && Number.isFinite(run.coveredUntilMs)) {
      sets.push('coveredUntilMs = :covered');
      values[':covered'] = n(run.coveredUntilMs);
    }
    if (run.error) {
      sets.push('lastError = :error');
      values[':error'] = s(run.error.slice(0, 500));
    } else removes.push('lastError');
    await unlessRemoved(() =>
      this.t.client.send(
        new UpdateItemCommand({
          TableName: this.t.name,
          Key: key(pair),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async setBlind(pair: MemberPair, sinceMs: number | undefined): Promise<void> {
    await unlessRemoved(() =>
      this.t.client.send(
        new UpdateItemCommand({
          TableName: this.t.name,
          Key: key(pair),
          UpdateExpression: sinceMs === undefined ? 'REMOVE blindSinceMs' : 'SET blindSinceMs = :since',
          ConditionExpression: 'attribute_exists(pk)',
          ...(sinceMs === undefined ? {} : { ExpressionAttributeValues: { ':since': n(sinceMs) } }),
        }),
      ),
    );
  }
}
