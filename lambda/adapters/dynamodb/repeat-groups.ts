// Repeat groups in the table: `pk=repeat sk=<windowEnd>#<windowStart>#<sha256(group key)>`: leader
// (the alert published for its first finding) and its severity, members (map alertKey ->
// snapshot), memberCount; removed when its summary is queued; TTL as a backstop. A folded
// finding gets an idempotency record with status `folded`, written in one transaction with its
// membership, so a re-read finds it folded and never publishes it on its own.
import { createHash } from 'node:crypto';
import type {
  Claim,
  FoldResult,
  RepeatGroup,
  RepeatGroupRef,
  RepeatMember,
  StoredAlert,
} from '../../core/ports';
import { isSeverity, severityRank } from '../../core/types';
import { alertRecordItems, alertStatus, foldResultOf } from './alert-records';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from './sdk';
import { type DynamoTable, type Item, n, num, paddedMs, persist, s } from './table';

export async function foldRepeat(
  t: DynamoTable,
  group: RepeatGroupRef,
  member: RepeatMember,
  nowMs: number,
): Promise<FoldResult> {
  const known = await alertStatus(t, member.alertKey);
  if (known !== undefined) return foldResultOf(known);
  const groupKey = { pk: s('repeat'), sk: s(repeatSortKey(group)) };
  // Join the group or found it: the first writer becomes its leader and is published.
  const joined = await t.client.send(
    new UpdateItemCommand({
      TableName: t.name,
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
        ':expiresAt': n(Math.ceil((group.windowEndMs + t.alertRetentionMs) / 1000)),
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
      await t.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: t.name,
                Item: {
                  pk: s(`alert#${member.alertKey}`),
                  sk: s('alert'),
                  status: s('folded'),
                  createdAtMs: n(nowMs),
                  expiresAt: n(Math.ceil((nowMs + t.alertRetentionMs) / 1000)),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: t.name,
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
      return foldResultOf((await alertStatus(t, member.alertKey)) ?? 'pending');
    }
    // The group is full, or was summarised and removed meanwhile: publish on its own.
    if (membership?.Code === 'ConditionalCheckFailed') return 'publish';
    throw error;
  }
}

export async function listEndedRepeats(
  t: DynamoTable,
  endedByMs: number,
  limit: number,
): Promise<RepeatGroup[]> {
  const bound = `${String(Math.max(0, Math.floor(endedByMs))).padStart(15, '0')}#~`;
  const out = await t.client.send(
    new QueryCommand({
      TableName: t.name,
      KeyConditionExpression: 'pk = :repeat AND sk <= :bound',
      ExpressionAttributeValues: { ':repeat': s('repeat'), ':bound': s(bound) },
      ConsistentRead: true,
      Limit: Math.max(1, limit),
    }),
  );
  return (out.Items ?? []).map(decodeRepeatGroup);
}

export async function closeRepeatGroup(
  t: DynamoTable,
  group: RepeatGroup,
  summary: StoredAlert | undefined,
  claim: Claim,
): Promise<void> {
  const groupKey = { pk: s('repeat'), sk: s(repeatSortKey(group)) };
  // Only the membership the summary lists: had a repeat joined since, the next run closes it.
  const removal = {
    TableName: t.name,
    Key: groupKey,
    ConditionExpression: 'memberCount = :count',
    ExpressionAttributeValues: { ':count': n(group.members.length) },
  };
  if (summary === undefined) {
    try {
      await t.client.send(new DeleteItemCommand(removal));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    return;
  }
  try {
    await t.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Delete: removal }, ...alertRecordItems(t, summary, claim)],
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
        await t.client.send(new DeleteItemCommand(removal));
      } catch (deleteError) {
        if (!(deleteError instanceof ConditionalCheckFailedException)) throw deleteError;
      }
      return;
    }
    throw error;
  }
}

function repeatSortKey(group: RepeatGroupRef): string {
  const digest = createHash('sha256').update(group.key).digest('hex').slice(0, 40);
  return `${paddedMs(group.windowEndMs)}#${paddedMs(group.windowStartMs)}#${digest}`;
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
