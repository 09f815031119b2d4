// StateStore over one DynamoDB table (pk, sk; TTL attribute `expiresAt`).
//
// Items:
//   pk=lease   sk=run         the run lease: owner, leaseUntilMs (short, renewed), expectedEndMs
//   pk=cursor  sk=<region>    processedUntilMs, version, optional slice in progress
//   pk=alert#<eventId#ruleId> sk=alert   idempotency record: status pending|sent|folded|set-aside;
//              TTL-bounded
//   pk=outbox  sk=<eventId#ruleId>       an alert not yet accepted by SNS: subject, message and
//              attributes (stored apart, so the message is never escaped twice), the claim
//              (claimant, claimedAtMs), refusals (permanent refusals by SNS so far)
//   pk=aside   sk=<eventId#ruleId>       an alert SNS refused for good, or an unreadable entry:
//              the outbox entry's attributes, setAsideReason, retryAtMs (retried hourly)
//   pk=count#<ruleId|subject> sk=<bucketStartMs>  a threshold counter: ids (string set, at most
//              `limit` ids), n, lastId (the crossing event once n = limit); TTL bucket end + 1 day
//   pk=repeat  sk=<windowEnd>#<windowStart>#<sha256(group key)>  a repeat group: leader (the alert
//              published for its first finding) and its severity, members (map alertKey ->
//              snapshot), memberCount; removed when its summary is queued; TTL as a backstop
//   pk=profile#<principal> sk=profile  a first-seen profile: firstSeenMs, touchedMs, v (map
//              `<dimension>|<value>` -> `<timeMs>|<eventId>` of the event that introduced it);
//              TTL 90 days after the last write
//   pk=vol#<principal> sk=<bucketStartMs, 15 digits>  one principal's write calls in one hour:
//              threshold (frozen at creation), n, ids (8-hex-digit hashes of the events counted, at
//              most the hour's cap), crossedBy; TTL 8 days after the hour
// A folded finding gets an idempotency record with status `folded`, written in one transaction
// with its membership, so a re-read finds it folded and never publishes it on its own.
// The idempotency record and the outbox entry are written in one transaction, so an alert is
// either unknown, or known and kept until SNS has it. Items that can grow with event text are
// sized before they are written (`sized`).

import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PROFILE_RETENTION_MS } from '../core/first-seen';
import { isSeverity, type RenderedAlert, severityRank } from '../core/types';
import { BASELINE_HOURS, HOUR_MS, volumeCap } from '../core/volume';
import type {
  Claim,
  ClaimResult,
  CounterRef,
  CountResult,
  FoldResult,
  LeaseRequest,
  LeaseResult,
  PendingAlert,
  PrincipalProfile,
  ProfileValue,
  RegionCursor,
  RepeatGroup,
  RepeatGroupRef,
  RepeatMember,
  StateStore,
  StoredAlert,
  WriteVolume,
} from '../ports';
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

  async acquireLease(request: LeaseRequest): Promise<LeaseResult> {
    const until = request.nowMs + request.durationMs;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: s('lease'),
            sk: s('run'),
            owner: s(request.owner),
            leaseUntilMs: n(until),
            expectedEndMs: n(request.expectedEndMs),
            expiresAt: n(Math.ceil(until / 1000) + 86_400),
          },
          // Free, lapsed, or ours already: asking again renews it.
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntilMs < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': n(request.nowMs), ':owner': s(request.owner) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { acquired: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const held = error.Item;
      return {
        acquired: false,
        holder: held && {
          owner: held.owner?.S ?? '',
          untilMs: num(held.leaseUntilMs),
          expectedEndMs: Number.isFinite(num(held.expectedEndMs))
            ? num(held.expectedEndMs)
            : num(held.leaseUntilMs),
        },
      };
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

  async claimAlert(alert: StoredAlert, claim: Claim): Promise<ClaimResult> {
    try {
      await this.client.send(
        new TransactWriteItemsCommand({ TransactItems: this.alertRecordItems(alert, claim) }),
      );
      return 'claimed';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    return this.reclaimAlert(alert.key, claim);
  }

  async reclaimAlert(key: string, claim: Claim): Promise<ClaimResult> {
    try {
      // The claim lives on the outbox entry, which exists exactly while the alert is undelivered.
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: s('outbox'), sk: s(key) },
          UpdateExpression: 'SET claimant = :me, claimedAtMs = :now',
          ConditionExpression:
            'attribute_exists(pk) AND (claimant = :me OR attribute_not_exists(claimedAtMs) OR claimedAtMs < :lapsed)',
          ExpressionAttributeValues: {
            ':me': s(claim.runId),
            ':now': n(claim.nowMs),
            ':lapsed': n(claim.lapsedBeforeMs),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'resumed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Still in the outbox: another run's fresh claim.
      if (error.Item) return 'held';
    }
    // Not in the outbox: delivered, folded or set aside; the record says which.
    const status = await this.alertStatus(key);
    if (status === 'folded') return 'folded';
    if (status === 'set-aside') return 'set-aside';
    return 'sent';
  }

  /** The idempotency record (only if new) and the outbox entry of an alert: one transaction's items. */
  private alertRecordItems(alert: StoredAlert, claim: Claim): TransactWriteItem[] {
    const expiresAt = Math.ceil((claim.nowMs + this.options.alertRetentionMs) / 1000);
    return [
      {
        Put: {
          TableName: this.table,
          Item: {
            pk: s(`alert#${alert.key}`),
            sk: s('alert'),
            status: s('pending'),
            region: s(alert.region),
            createdAtMs: n(claim.nowMs),
            expiresAt: n(expiresAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: sized(
            {
              pk: s('outbox'),
              sk: s(alert.key),
              region: s(alert.region),
              eventTimeMs: n(Number.isFinite(alert.eventTimeMs) ? alert.eventTimeMs : 0),
              createdAtMs: n(claim.nowMs),
              claimant: s(claim.runId),
              claimedAtMs: n(claim.nowMs),
              ...encodeAlert(alert.alert),
            },
            `outbox entry ${alert.key}`,
          ),
        },
      },
    ];
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
          // A set-aside alert delivered on its retry leaves the set-aside entries too.
          { Delete: { TableName: this.table, Key: { pk: s('aside'), sk: s(key) } } },
        ],
      }),
    );
  }

  async recordRefusal(key: string, reason: string, nowMs: number): Promise<number> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: s('outbox'), sk: s(key) },
          UpdateExpression: 'ADD refusals :one SET lastRefusal = :reason, lastRefusalAtMs = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': n(1), ':reason': s(reason.slice(0, 500)), ':now': n(nowMs) },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return num(out.Attributes?.refusals);
    } catch (error) {
      // Gone from the outbox meanwhile (another run delivered or set it aside): nothing to count.
      if (error instanceof ConditionalCheckFailedException) return 0;
      throw error;
    }
  }

  async setAside(key: string, reason: string, nowMs: number, retryAtMs: number): Promise<void> {
    const entry = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: s('outbox'), sk: s(key) },
        ConsistentRead: true,
      }),
    );
    if (!entry.Item) return;
    const { pk: _pk, sk: _sk, ...kept } = entry.Item;
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: { pk: s('outbox'), sk: s(key) },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: sized(
                  {
                    ...kept,
                    pk: s('aside'),
                    sk: s(key),
                    setAsideReason: s(reason.slice(0, 500)),
                    setAsideAtMs: n(nowMs),
                    retryAtMs: n(retryAtMs),
                  },
                  `set-aside entry ${key}`,
                ),
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: { pk: s(`alert#${key}`), sk: s('alert') },
                UpdateExpression: 'SET #status = :aside',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':aside': s('set-aside') },
              },
            },
          ],
        }),
      );
    } catch (error) {
      // Another run moved or delivered it first.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async takeSetAsideDue(nowMs: number, nextRetryMs: number, limit: number): Promise<PendingAlert[]> {
    const due: PendingAlert[] = [];
    for await (const page of this.queryPages({
      KeyConditionExpression: 'pk = :aside',
      FilterExpression: 'retryAtMs <= :now',
      ExpressionAttributeValues: { ':aside': s('aside'), ':now': n(nowMs) },
      ConsistentRead: true,
    })) {
      for (const item of page.Items ?? []) {
        if (due.length >= limit) break;
        try {
          await this.client.send(
            new UpdateItemCommand({
              TableName: this.table,
              Key: { pk: s('aside'), sk: item.sk ?? s('') },
              UpdateExpression: 'SET retryAtMs = :next',
              ConditionExpression: 'retryAtMs <= :now',
              ExpressionAttributeValues: { ':next': n(nextRetryMs), ':now': n(nowMs) },
            }),
          );
          due.push(decodeOutbox(item));
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      if (due.length >= limit) break;
    }
    return due.sort((a, b) => a.eventTimeMs - b.eventTimeMs);
  }

  async countSetAside(): Promise<number> {
    let count = 0;
    for await (const page of this.queryPages({
      KeyConditionExpression: 'pk = :aside',
      ExpressionAttributeValues: { ':aside': s('aside') },
      Select: 'COUNT',
    })) {
      count += page.Count ?? 0;
    }
    return count;
  }

  /** Every page of a query on the table, as they come; the caller may stop early. */
  private async *queryPages(input: Omit<QueryCommandInput, 'TableName'>): AsyncGenerator<QueryCommandOutput> {
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: startKey }),
      );
      yield page;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async listPending(limit: number): Promise<PendingAlert[]> {
    const found: PendingAlert[] = [];
    for await (const page of this.queryPages({
      KeyConditionExpression: 'pk = :outbox',
      ExpressionAttributeValues: { ':outbox': s('outbox') },
      ConsistentRead: true,
      Limit: Math.max(1, Math.min(100, limit)),
    })) {
      for (const item of page.Items ?? []) found.push(decodeOutbox(item));
      if (found.length >= limit) break;
    }
    return found.slice(0, limit).sort((a, b) => a.eventTimeMs - b.eventTimeMs);
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
    for await (const page of this.queryPages({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ProjectionExpression: '#n',
      ExpressionAttributeNames: { '#n': 'n' },
      ExpressionAttributeValues: {
        ':pk': s(`vol#${principal}`),
        ':from': s(hourKey(fromMs)),
        ':to': s(hourKey(toMs - 1)),
      },
    })) {
      for (const item of page.Items ?? []) {
        const count = Number(item.n?.N ?? 0);
        if (count > 0) counts.push(count);
      }
    }
    return counts;
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

  async foldRepeat(group: RepeatGroupRef, member: RepeatMember, nowMs: number): Promise<FoldResult> {
    const known = await this.alertStatus(member.alertKey);
    if (known !== undefined) return foldResultOf(known);
    const groupKey = { pk: s('repeat'), sk: s(repeatSortKey(group)) };
    // Join the group or found it: the first writer becomes its leader and is published.
    const joined = await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: groupKey,
        UpdateExpression:
          'SET leader = if_not_exists(leader, :me), leaderSeverity = if_not_exists(leaderSeverity, :severity), ' +
          'groupKey = :key, windowStartMs = :start, windowEndMs = :end, memberLimit = :limit, ' +
          'expiresAt = :expiresAt, members = if_not_exists(members, :none), ' +
          'memberCount = if_not_exists(memberCount, :zero)',
        ExpressionAttributeValues: {
          ':me': s(member.alertKey),
          ':severity': s(member.severity),
          ':key': s(group.key),
          ':start': n(group.windowStartMs),
          ':end': n(group.windowEndMs),
          ':limit': n(group.limit),
          ':expiresAt': n(Math.ceil((group.windowEndMs + this.options.alertRetentionMs) / 1000)),
          ':none': { M: {} },
          ':zero': n(0),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    if (joined.Attributes?.leader?.S === member.alertKey) return 'publish';
    // More severe than what the group's first alert said: alerted at once, on its own.
    const leaderSeverity = joined.Attributes?.leaderSeverity?.S;
    if (!isSeverity(leaderSeverity) || severityRank(member.severity) > severityRank(leaderSeverity)) {
      return 'publish';
    }
    try {
      // Two runs folding the same event at once can meet in a transaction conflict: retried, the
      // loser then finds the record and follows the winner.
      await persist(async () => {
        await this.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.table,
                  Item: {
                    pk: s(`alert#${member.alertKey}`),
                    sk: s('alert'),
                    status: s('folded'),
                    createdAtMs: n(nowMs),
                    expiresAt: n(Math.ceil((nowMs + this.options.alertRetentionMs) / 1000)),
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Update: {
                  TableName: this.table,
                  Key: groupKey,
                  // Each snapshot is at most MAX_SNAPSHOT_BYTES and a group at most `limit`
                  // members: the item's size is bounded by construction.
                  UpdateExpression: 'SET members.#member = :snapshot ADD memberCount :one',
                  ConditionExpression: 'attribute_exists(leader) AND memberCount < memberLimit',
                  ExpressionAttributeNames: { '#member': member.alertKey },
                  ExpressionAttributeValues: { ':snapshot': s(member.snapshot), ':one': n(1) },
                },
              },
            ],
          }),
        );
      });
      return 'folded';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [record, membership] = error.CancellationReasons ?? [];
      if (record?.Code === 'ConditionalCheckFailed') {
        // Another run recorded this alert meanwhile: follow what it decided.
        return foldResultOf((await this.alertStatus(member.alertKey)) ?? 'pending');
      }
      // The group is full, or was summarised and removed meanwhile: publish on its own.
      if (membership?.Code === 'ConditionalCheckFailed') return 'publish';
      throw error;
    }
  }

  private async alertStatus(key: string): Promise<string | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: s(`alert#${key}`), sk: s('alert') },
        ConsistentRead: true,
      }),
    );
    return out.Item === undefined ? undefined : (out.Item.status?.S ?? 'pending');
  }

  async listEndedRepeats(endedByMs: number, limit: number): Promise<RepeatGroup[]> {
    const bound = `${String(Math.max(0, Math.floor(endedByMs))).padStart(15, '0')}#~`;
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :repeat AND sk <= :bound',
        ExpressionAttributeValues: { ':repeat': s('repeat'), ':bound': s(bound) },
        ConsistentRead: true,
        Limit: Math.max(1, limit),
      }),
    );
    return (out.Items ?? []).map(decodeRepeatGroup);
  }

  async closeRepeatGroup(group: RepeatGroup, summary: StoredAlert | undefined, claim: Claim): Promise<void> {
    const groupKey = { pk: s('repeat'), sk: s(repeatSortKey(group)) };
    // Only the membership the summary lists: had a repeat joined since, the next run closes it.
    const removal = {
      TableName: this.table,
      Key: groupKey,
      ConditionExpression: 'memberCount = :count',
      ExpressionAttributeValues: { ':count': n(group.members.length) },
    };
    if (summary === undefined) {
      try {
        await this.client.send(new DeleteItemCommand(removal));
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      return;
    }
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Delete: removal }, ...this.alertRecordItems(summary, claim)],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [removed, record] = error.CancellationReasons ?? [];
      // Grown since it was listed, or closed by another run already: the next listing decides.
      if (removed?.Code === 'ConditionalCheckFailed') return;
      // This very summary (the same members) is recorded already: only the group is left to remove.
      if (record?.Code === 'ConditionalCheckFailed') {
        try {
          await this.client.send(new DeleteItemCommand(removal));
        } catch (deleteError) {
          if (!(deleteError instanceof ConditionalCheckFailedException)) throw deleteError;
        }
        return;
      }
      throw error;
    }
  }
}

function repeatSortKey(group: RepeatGroupRef): string {
  const pad = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');
  const digest = createHash('sha256').update(group.key).digest('hex').slice(0, 40);
  return `${pad(group.windowEndMs)}#${pad(group.windowStartMs)}#${digest}`;
}

function decodeRepeatGroup(item: Item): RepeatGroup {
  const members = Object.entries(item.members?.M ?? {}).map(([alertKey, value]) => ({
    alertKey,
    snapshot: value.S ?? '',
  }));
  return {
    key: item.groupKey?.S ?? '',
    windowStartMs: num(item.windowStartMs),
    windowEndMs: num(item.windowEndMs),
    limit: num(item.memberLimit),
    leadAlertKey: item.leader?.S ?? '',
    members,
  };
}

/** An existing alert record's status, as `foldRepeat` reports it. */
function foldResultOf(status: string): FoldResult {
  if (status === 'folded') return 'folded-before';
  if (status === 'set-aside') return 'set-aside';
  return status === 'sent' ? 'sent' : 'pending';
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

/** An outbox entry as stored: subject, message and attributes side by side, never escaped twice. */
function encodeAlert(alert: RenderedAlert): Item {
  return {
    subject: s(alert.subject),
    message: s(alert.message),
    attributes: s(JSON.stringify(alert.attributes)),
  };
}

function decodeOutbox(item: Item): PendingAlert {
  const key = item.sk?.S ?? '';
  let alert: RenderedAlert | undefined;
  let unreadable: string | undefined;
  try {
    alert = decodeAlert(item);
  } catch (error) {
    unreadable = `outbox entry ${key.slice(0, 200)} holds no readable alert (${(error as Error).message.slice(0, 200)})`;
  }
  return {
    key,
    region: item.region?.S ?? '',
    eventTimeMs: num(item.eventTimeMs),
    alert,
    unreadable,
    claimant: item.claimant?.S ?? '',
    claimedAtMs: num(item.claimedAtMs),
    refusals: Number.isFinite(num(item.refusals)) ? num(item.refusals) : 0,
  };
}

function decodeAlert(item: Item): RenderedAlert {
  // Entries written before subject and message were stored apart hold the whole alert as JSON.
  const parsed: unknown =
    item.message?.S === undefined
      ? JSON.parse(item.alert?.S ?? '')
      : {
          subject: item.subject?.S ?? '',
          message: item.message.S,
          attributes: JSON.parse(item.attributes?.S ?? '{}'),
        };
  const alert = parsed as Partial<RenderedAlert> | null;
  if (
    typeof alert !== 'object' ||
    alert === null ||
    typeof alert.subject !== 'string' ||
    typeof alert.message !== 'string' ||
    alert.message === '' ||
    typeof alert.attributes !== 'object' ||
    alert.attributes === null
  ) {
    throw new Error('subject, message or attributes missing');
  }
  return alert as RenderedAlert;
}

/** DynamoDB refuses items over 400 KB. */
export const MAX_ITEM_BYTES = 400 * 1024;

export class ItemTooLargeError extends Error {
  override readonly name = 'ItemTooLargeError';
}

/** The item, checked against DynamoDB's item limit before it is written. */
function sized(item: Item, what: string): Item {
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

/** Sort keys sort as numbers: 15 digits reach far past any event time. */
function hourKey(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, '0');
}

function volumeKey(principal: string, bucketStartMs: number): Item {
  return { pk: s(`vol#${principal}`), sk: s(hourKey(bucketStartMs)) };
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
