// The run's own state in the table: the lease (`pk=lease sk=run`: owner, leaseUntilMs, renewed;
// expectedEndMs) and each region's cursor (`pk=cursor sk=<region>`: processedUntilMs, version,
// an optional slice in progress, the re-read state). A scoped store (one member account) keeps its
// own: `sk=run#<scope>` and `sk=<scope>#<region>`.

import {
  CursorConflictError,
  type LeaseRequest,
  type LeaseResult,
  type RegionCursor,
  type RereadState,
  type RunStateStore,
  type SweepCursor,
} from '../../core/ports';
import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, PutItemCommand } from './sdk';
import { type DynamoTable, type Item, n, num, s } from './table';

export class DynamoRunState implements RunStateStore {
  private readonly client;
  private readonly table;
  private readonly leaseKey: Item;
  private readonly cursorKey: (region: string) => Item;

  constructor(t: DynamoTable) {
    this.client = t.client;
    this.table = t.name;
    const scope = t.scope;
    this.leaseKey = { pk: s('lease'), sk: s(scope === undefined ? 'run' : `run#${scope}`) };
    this.cursorKey = (region) => ({
      pk: s('cursor'),
      sk: s(scope === undefined ? region : `${scope}#${region}`),
    });
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseResult> {
    const until = request.nowMs + request.durationMs;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            ...this.leaseKey,
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
          Key: this.leaseKey,
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
        Key: this.cursorKey(region),
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    return decodeCursor(region, out.Item);
  }

  async saveCursor(next: Omit<RegionCursor, 'version'>, expected: RegionCursor): Promise<RegionCursor> {
    const version = expected.version + 1;
    const item: Item = {
      ...this.cursorKey(next.region),
      processedUntilMs: n(next.processedUntilMs),
      version: n(version),
    };
    if (next.inProgress) {
      item.sliceStartMs = n(next.inProgress.startMs);
      item.sliceEndMs = n(next.inProgress.endMs);
      item.sliceCompletesAtMs = n(next.inProgress.sliceEndMs);
      if (next.inProgress.nextToken) item.sliceNextToken = s(next.inProgress.nextToken);
    }
    if (next.rereads) item.rereads = s(JSON.stringify(next.rereads));
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
      if (error instanceof ConditionalCheckFailedException) {
        throw new CursorConflictError(next.region, { cause: error });
      }
      throw error;
    }
    return { ...next, version };
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
  const rereads = item.rereads?.S === undefined ? undefined : decodeRereads(region, item.rereads.S);
  return { region, processedUntilMs, version, inProgress, ...(rereads ? { rereads } : {}) };
}

/** The re-read state, written by `saveCursor` as JSON; an error naming what is wrong otherwise. */
function decodeRereads(region: string, text: string): RereadState {
  const bad = (what: string): Error => new Error(`cursor item for ${region} has malformed rereads: ${what}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const record = value as Partial<RereadState> | null;
  if (record === null || typeof record !== 'object' || !Array.isArray(record.sweeps)) throw bad('no sweeps');
  for (const sweep of record.sweeps as unknown[]) {
    const s = sweep as Partial<SweepCursor> | null;
    if (s === null || typeof s !== 'object' || !finite(s.ageMs) || !finite(s.untilMs))
      throw bad('a sweep without ageMs/untilMs');
    const p = s.inProgress;
    if (p !== undefined && (!finite(p.startMs) || !finite(p.endMs) || !finite(p.sliceEndMs))) {
      throw bad('a sweep slice without bounds');
    }
  }
  const plan = record.plan;
  if (plan === undefined || !finite(plan.recentMs) || !finite(plan.settleMs)) throw bad('no plan');
  if (record.eventsPerMinute !== undefined && !finite(record.eventsPerMinute)) throw bad('eventsPerMinute');
  return record as RereadState;
}
