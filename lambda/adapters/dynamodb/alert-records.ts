// Alert records and outbox entries as items, shared by the ledger and the repeat groups:
//   pk=alert#<eventId#ruleId> sk=alert   idempotency record: status pending|sent|folded|set-aside;
//              TTL-bounded
//   pk=outbox  sk=<eventId#ruleId>       an alert not yet accepted by SNS: subject, message and
//              attributes (stored apart, so the message is never escaped twice), the claim
//              (claimant, claimedAtMs), refusals (permanent refusals by SNS so far)
//   pk=forward#<output> sk=<rank>#<eventId#ruleId>   the alert waiting for one output besides SNS
//              (forward.ts): its machine document, severity, attempts, nextTryMs, the claim
// The record and the entries are written in one transaction, so an alert is either unknown, or
// known and kept until SNS and every output that is on have it.
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { forwardItemOf, forwardSlot, outputsFor } from '../../core/forward';
import type { Claim, FoldResult, PendingAlert, StoredAlert } from '../../core/ports';
import type { RenderedAlert } from '../../core/types';
import { GetItemCommand } from './sdk';
import { type DynamoTable, type Item, n, num, s, sized } from './table';

/**
 * The idempotency record (only if new), the outbox entry of an alert and its entry in each output's
 * queue: one transaction's items.
 */
export function alertRecordItems(t: DynamoTable, alert: StoredAlert, claim: Claim): TransactWriteItem[] {
  const expiresAt = Math.ceil((claim.nowMs + t.alertRetentionMs) / 1000);
  return [...recordAndOutbox(t, alert, claim, expiresAt), ...forwardItems(t, alert, claim)];
}

function recordAndOutbox(
  t: DynamoTable,
  alert: StoredAlert,
  claim: Claim,
  expiresAt: number,
): TransactWriteItem[] {
  return [
    {
      Put: {
        TableName: t.name,
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
        TableName: t.name,
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

/**
 * The alert's entry in each output's queue that takes its severity. No expiry: an entry leaves its
 * queue only when delivered, however long its output is down.
 */
function forwardItems(t: DynamoTable, alert: StoredAlert, claim: Claim): TransactWriteItem[] {
  if (t.outputs.length === 0) return [];
  const item = forwardItemOf(alert);
  return outputsFor(t.outputs, item.severity).map((output) => ({
    Put: {
      TableName: t.name,
      Item: sized(
        {
          pk: s(`forward#${output.name}`),
          sk: s(forwardSlot(item.severity, item.key)),
          key: s(item.key),
          severity: s(item.severity),
          eventTimeMs: n(Number.isFinite(item.eventTimeMs) ? item.eventTimeMs : 0),
          createdAtMs: n(claim.nowMs),
          document: s(item.document),
          attempts: n(0),
          nextTryMs: n(0),
        },
        `${output.name} entry ${alert.key}`,
      ),
    },
  }));
}

/** The alert record's status, or undefined when there is none. */
export async function alertStatus(t: DynamoTable, key: string): Promise<string | undefined> {
  const out = await t.client.send(
    new GetItemCommand({
      TableName: t.name,
      Key: { pk: s(`alert#${key}`), sk: s('alert') },
      ConsistentRead: true,
    }),
  );
  return out.Item === undefined ? undefined : (out.Item.status?.S ?? 'pending');
}

/** An existing alert record's status, as `foldRepeat` reports it. */
export function foldResultOf(status: string): FoldResult {
  if (status === 'folded') return 'folded-before';
  if (status === 'set-aside') return 'set-aside';
  return status === 'sent' ? 'sent' : 'pending';
}

/** An outbox entry as stored: subject, message and attributes side by side, never escaped twice. */
function encodeAlert(alert: RenderedAlert): Item {
  return {
    subject: s(alert.subject),
    message: s(alert.message),
    attributes: s(JSON.stringify(alert.attributes)),
  };
}

export function decodeOutbox(item: Item): PendingAlert {
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
