// First-seen profiles and hourly write volumes in the table:
//   pk=profile#<principal> sk=profile  firstSeenMs, touchedMs, v (map `<dimension>|<value>` ->
//              `<timeMs>|<eventId>` of the event that introduced it); TTL 90 days after the last write
//   pk=vol#<principal> sk=<bucketStartMs, 15 digits>  threshold (frozen at creation), n, ids
//              (8-hex-digit hashes of the events counted, at most the hour's cap), crossedBy; TTL 8
//              days after the hour
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PROFILE_RETENTION_MS } from '../../core/first-seen';
import type { PrincipalProfile, ProfileStore, ProfileValue, WriteVolume } from '../../core/ports';
import { BASELINE_HOURS, HOUR_MS, volumeCap } from '../../core/volume';
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, UpdateItemCommand } from './sdk';
import { type DynamoTable, type Item, n, paddedMs, s } from './table';

export class DynamoProfiles implements ProfileStore {
  private readonly client;
  private readonly table;

  constructor(private readonly t: DynamoTable) {
    this.client = t.client;
    this.table = t.name;
  }

  async getProfile(key: string): Promise<PrincipalProfile | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: profileKey(key), ConsistentRead: true }),
    );
    return out.Item ? decodeProfile(key, out.Item) : undefined;
  }

  async addToProfile(
    key: string,
    firstSeenMs: number,
    values: ReadonlyMap<string, ProfileValue>,
    nowMs: number,
  ): Promise<PrincipalProfile> {
    const entries = [...values];
    const expiresAt = n(Math.ceil((nowMs + PROFILE_RETENTION_MS) / 1000));
    let stored: Item | undefined;
    // Values go in chunks so an update expression stays far below DynamoDB's 4 KB limit.
    for (let i = 0; i === 0 || i < entries.length; i += PROFILE_CHUNK) {
      stored = await this.addProfileChunk(
        key,
        firstSeenMs,
        entries.slice(i, i + PROFILE_CHUNK),
        nowMs,
        expiresAt,
      );
    }
    return decodeProfile(key, stored ?? {});
  }

  /** One update; creates the profile first if it has none (a racing creator wins, then we update). */
  private async addProfileChunk(
    key: string,
    firstSeenMs: number,
    chunk: ReadonlyArray<[string, ProfileValue]>,
    nowMs: number,
    expiresAt: AttributeValue,
  ): Promise<Item> {
    const names: Record<string, string> = {};
    const valuesIn: Item = { ':now': n(nowMs), ':expiresAt': expiresAt };
    const sets = ['touchedMs = :now', 'expiresAt = :expiresAt'];
    chunk.forEach(([name, value], j) => {
      names[`#k${j}`] = name;
      valuesIn[`:v${j}`] = s(`${value.timeMs}|${value.eventId}`);
      // The first writer of a value keeps it: a re-read never moves a value to another event.
      sets.push(`v.#k${j} = if_not_exists(v.#k${j}, :v${j})`);
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const out = await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: profileKey(key),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: 'attribute_exists(v)',
            ...(chunk.length > 0 ? { ExpressionAttributeNames: names } : {}),
            ExpressionAttributeValues: valuesIn,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes ?? {};
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const item: Item = {
        ...profileKey(key),
        firstSeenMs: n(firstSeenMs),
        touchedMs: n(nowMs),
        expiresAt,
        v: {
          M: Object.fromEntries(chunk.map(([name, value]) => [name, s(`${value.timeMs}|${value.eventId}`)])),
        },
      };
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return item;
      } catch (error) {
        // Another writer created it between our two calls: update the one it made.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new Error(`profile ${key.slice(0, 80)}: could not be created or updated after 3 attempts`);
  }

  async getWriteVolume(principal: string, bucketStartMs: number): Promise<WriteVolume | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: volumeKey(principal, bucketStartMs),
        ConsistentRead: true,
      }),
    );
    return out.Item ? decodeVolume(principal, bucketStartMs, out.Item) : undefined;
  }

  async addWrites(known: WriteVolume, hashes: readonly string[], _nowMs: number): Promise<WriteVolume> {
    const { principal, bucketStartMs } = known;
    let base: WriteVolume | undefined = known;
    for (let attempt = 0; attempt < 3; attempt++) {
      const current: WriteVolume = base ?? { ...known, count: 0, hashes: new Set() };
      const room = volumeCap(current.threshold) - current.count;
      const fresh = [...new Set(hashes)].filter((h) => !current.hashes.has(h)).slice(0, Math.max(0, room));
      if (fresh.length === 0) return current;
      try {
        const out = await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: volumeKey(principal, bucketStartMs),
            UpdateExpression:
              'ADD ids :ids, #n :k SET threshold = if_not_exists(threshold, :threshold), expiresAt = :expiresAt',
            // The count read is the count written on: a stale view retries instead of over-counting.
            ConditionExpression:
              current.count === 0 ? 'attribute_not_exists(#n) OR #n = :zero' : '#n = :expected',
            ExpressionAttributeNames: { '#n': 'n' },
            ExpressionAttributeValues: {
              ':ids': { SS: fresh },
              ':k': n(fresh.length),
              ':threshold': n(current.threshold),
              ':expiresAt': n(Math.ceil((bucketStartMs + HOUR_MS) / 1000) + (BASELINE_HOURS + 24) * 3600),
              ...(current.count === 0 ? { ':zero': n(0) } : { ':expected': n(current.count) }),
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return decodeVolume(principal, bucketStartMs, out.Attributes ?? {});
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      base = await this.getWriteVolume(principal, bucketStartMs);
    }
    throw new Error(`write volume of ${principal.slice(0, 80)}: changed under three attempts in a row`);
  }

  async markVolumeCrossed(volume: WriteVolume, eventId: string): Promise<string> {
    const out = await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: volumeKey(volume.principal, volume.bucketStartMs),
        UpdateExpression: 'SET crossedBy = if_not_exists(crossedBy, :id)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':id': s(eventId) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return out.Attributes?.crossedBy?.S ?? eventId;
  }

  async writeVolumeHistory(principal: string, fromMs: number, toMs: number): Promise<number[]> {
    const counts: number[] = [];
    for await (const page of this.t.queryPages({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ProjectionExpression: '#n',
      ExpressionAttributeNames: { '#n': 'n' },
      ExpressionAttributeValues: {
        ':pk': s(`vol#${principal}`),
        ':from': s(paddedMs(fromMs)),
        ':to': s(paddedMs(toMs - 1)),
      },
    })) {
      for (const item of page.Items ?? []) {
        const count = Number(item.n?.N ?? 0);
        if (count > 0) counts.push(count);
      }
    }
    return counts;
  }
}

/** Values added to a profile per update expression. */
const PROFILE_CHUNK = 40;

function profileKey(key: string): Item {
  return { pk: s(`profile#${key}`), sk: s('profile') };
}

function decodeProfile(key: string, item: Item): PrincipalProfile {
  const values = new Map<string, ProfileValue>();
  for (const [name, value] of Object.entries(item.v?.M ?? {})) {
    const text = value.S ?? '';
    const bar = text.indexOf('|');
    const timeMs = Number(text.slice(0, bar));
    if (bar > 0 && Number.isFinite(timeMs)) values.set(name, { timeMs, eventId: text.slice(bar + 1) });
  }
  return {
    key,
    firstSeenMs: Number(item.firstSeenMs?.N ?? Number.NaN),
    touchedMs: Number(item.touchedMs?.N ?? 0),
    values,
  };
}

function volumeKey(principal: string, bucketStartMs: number): Item {
  return { pk: s(`vol#${principal}`), sk: s(paddedMs(bucketStartMs)) };
}

function decodeVolume(principal: string, bucketStartMs: number, item: Item): WriteVolume {
  const hashes = new Set(item.ids?.SS ?? []);
  return {
    principal,
    bucketStartMs,
    threshold: Number(item.threshold?.N ?? 0),
    count: hashes.size,
    hashes,
    crossedBy: item.crossedBy?.S,
  };
}
