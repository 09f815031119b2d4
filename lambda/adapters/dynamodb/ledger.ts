// The alert ledger in the table: alert records, the outbox and the outputs' queues (see
// alert-records.ts and forward.ts), the alerts
// SNS refused for good (`pk=aside sk=<eventId#ruleId>`: the outbox entry's attributes,
// setAsideReason, retryAtMs, retried hourly), and the repeat groups (repeat-groups.ts).

import type {
  AlertLedger,
  Claim,
  ClaimResult,
  FoldResult,
  ForwardListing,
  OutputName,
  PendingAlert,
  RepeatGroup,
  RepeatGroupRef,
  RepeatMember,
  StoredAlert,
} from '../../core/ports';
import { alertRecordItems, alertStatus, decodeOutbox } from './alert-records';
import { DynamoForwardStore } from './forward';
import { closeRepeatGroup, foldRepeat, listEndedRepeats } from './repeat-groups';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from './sdk';
import { type DynamoTable, isConditionFailure, n, num, persist, s, sized } from './table';

export class DynamoAlertLedger implements AlertLedger {
  private readonly client;
  private readonly table;
  private readonly forward: DynamoForwardStore;

  constructor(private readonly t: DynamoTable) {
    this.client = t.client;
    this.table = t.name;
    this.forward = new DynamoForwardStore(t);
  }

  listForward(output: OutputName, nowMs: number, limit: number): Promise<ForwardListing> {
    return this.forward.listForward(output, nowMs, limit);
  }

  claimForward(output: OutputName, slot: string, claim: Claim): Promise<'claimed' | 'held' | 'gone'> {
    return this.forward.claimForward(output, slot, claim);
  }

  completeForward(output: OutputName, slot: string): Promise<void> {
    return this.forward.completeForward(output, slot);
  }

  deferForward(
    output: OutputName,
    slot: string,
    reason: string,
    nowMs: number,
    retryAtMs: number,
  ): Promise<void> {
    return this.forward.deferForward(output, slot, reason, nowMs, retryAtMs);
  }

  async claimAlert(alert: StoredAlert, claim: Claim): Promise<ClaimResult> {
    try {
      await this.client.send(
        new TransactWriteItemsCommand({ TransactItems: alertRecordItems(this.t, alert, claim) }),
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
    const status = await alertStatus(this.t, key);
    if (status === 'folded') return 'folded';
    if (status === 'set-aside') return 'set-aside';
    return 'sent';
  }

  /** The idempotency record (only if new) and the outbox entry of an alert: one transaction's items. */
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
    for await (const page of this.t.queryPages({
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
    for await (const page of this.t.queryPages({
      KeyConditionExpression: 'pk = :aside',
      ExpressionAttributeValues: { ':aside': s('aside') },
      Select: 'COUNT',
    })) {
      count += page.Count ?? 0;
    }
    return count;
  }

  /** Every page of a query on the table, as they come; the caller may stop early. */
  async listPending(limit: number): Promise<PendingAlert[]> {
    const found: PendingAlert[] = [];
    for await (const page of this.t.queryPages({
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

  foldRepeat(group: RepeatGroupRef, member: RepeatMember, nowMs: number): Promise<FoldResult> {
    return foldRepeat(this.t, group, member, nowMs);
  }

  listEndedRepeats(endedByMs: number, limit: number): Promise<RepeatGroup[]> {
    return listEndedRepeats(this.t, endedByMs, limit);
  }

  closeRepeatGroup(group: RepeatGroup, summary: StoredAlert | undefined, claim: Claim): Promise<void> {
    return closeRepeatGroup(this.t, group, summary, claim);
  }
}
