// The outputs' queues in the table (`pk=forward#<output>`, sort key `<rank>#<alert key>`, so a
// query returns the most severe first). Entries are written with the alert's record
// (alert-records.ts); here they are listed, claimed, removed once delivered, or deferred.
import type { Claim, ForwardListing, ForwardStore, OutputName, PendingForward } from '../../core/ports';
import { isSeverity } from '../../core/types';
import { ConditionalCheckFailedException, DeleteItemCommand, UpdateItemCommand } from './sdk';
import { type DynamoTable, type Item, n, num, persist, s } from './table';

/** Entries looked at per listing at most: past it the queue is reported as at least this long. */
const SCAN_LIMIT = 1000;

export class DynamoForwardStore implements ForwardStore {
  constructor(private readonly t: DynamoTable) {}

  async listForward(output: OutputName, nowMs: number, limit: number): Promise<ForwardListing> {
    const due: PendingForward[] = [];
    let queued = 0;
    let oldestCreatedMs = Number.NaN;
    let oldestNotDueMs = Number.NaN;
    for await (const page of this.t.queryPages({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': s(`forward#${output}`) },
      ConsistentRead: true,
      Limit: 100,
    })) {
      for (const item of page.Items ?? []) {
        queued += 1;
        const entry = decodeForward(item);
        oldestCreatedMs = older(oldestCreatedMs, entry.createdAtMs);
        if (due.length < limit && num(item.nextTryMs) <= nowMs) due.push(entry);
        else oldestNotDueMs = older(oldestNotDueMs, entry.createdAtMs);
      }
      if (queued >= SCAN_LIMIT) break;
    }
    return { due, queued, oldestCreatedMs, oldestNotDueMs };
  }

  async claimForward(output: OutputName, slot: string, claim: Claim): Promise<'claimed' | 'held' | 'gone'> {
    try {
      await this.t.client.send(
        new UpdateItemCommand({
          TableName: this.t.name,
          Key: { pk: s(`forward#${output}`), sk: s(slot) },
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
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item ? 'held' : 'gone';
    }
  }

  async completeForward(output: OutputName, slot: string): Promise<void> {
    // The output has the alert: failing to record that means sending it again, so keep trying.
    await persist(async () => {
      await this.t.client.send(
        new DeleteItemCommand({ TableName: this.t.name, Key: { pk: s(`forward#${output}`), sk: s(slot) } }),
      );
    });
  }

  async deferForward(
    output: OutputName,
    slot: string,
    reason: string,
    nowMs: number,
    retryAtMs: number,
  ): Promise<void> {
    try {
      await this.t.client.send(
        new UpdateItemCommand({
          TableName: this.t.name,
          Key: { pk: s(`forward#${output}`), sk: s(slot) },
          UpdateExpression:
            'ADD attempts :one SET lastError = :reason, lastTryMs = :now, nextTryMs = :retry REMOVE claimant, claimedAtMs',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':one': n(1),
            ':reason': s(reason.slice(0, 500) || 'unknown'),
            ':now': n(nowMs),
            ':retry': n(retryAtMs),
          },
        }),
      );
    } catch (error) {
      // Delivered and removed by another run meanwhile.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** The older of two times; NaN (none yet) loses to any time. */
function older(a: number, b: number): number {
  if (!Number.isFinite(b)) return a;
  return Number.isFinite(a) && a <= b ? a : b;
}

function decodeForward(item: Item): PendingForward {
  const severity = item.severity?.S;
  const attempts = num(item.attempts);
  return {
    slot: item.sk?.S ?? '',
    key: item.key?.S ?? '',
    severity: severity !== undefined && isSeverity(severity) ? severity : 'critical',
    eventTimeMs: num(item.eventTimeMs),
    createdAtMs: num(item.createdAtMs),
    document: item.document?.S ?? '',
    attempts: Number.isFinite(attempts) ? attempts : 0,
  };
}
