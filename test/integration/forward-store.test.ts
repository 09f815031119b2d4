// The outputs' queues in the DynamoDB table, against Amazon's DynamoDB Local: entries written in the
// alert's own transaction (and in a repeat summary's), most severe first, claims that keep two runs
// from sending one entry twice, deferral and removal.
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbState } from '../../lambda/adapters/dynamodb';
import { renderAlert, renderDigest } from '../../lambda/core/alert';
import { forwardSlot } from '../../lambda/core/forward';
import { CLAIM_LAPSE_MS, claimAt } from '../../lambda/core/lease';
import type { AlertLedger, OutputSelection, StoredAlert } from '../../lambda/core/ports';
import { memberOf, repeatGroupOf, summaryKeyOf } from '../../lambda/core/repeats';
import type { Severity } from '../../lambda/core/types';
import {
  createDetectorTable,
  DYNAMODB_ENDPOINT_ENV,
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
  uniqueTableName,
} from '../../local/dynamodb';
import { hostileStopLogging } from '../support/hostile';

let dynamo: DynamoDbLocal | undefined;
let endpoint: string;
let tableName: string;
const T = 1_800_000_000_000;
const OUTPUTS: OutputSelection[] = [
  { name: 'eventBus', minSeverity: 'high' },
  { name: 'chat', minSeverity: 'critical' },
];

beforeAll(async () => {
  endpoint = process.env[DYNAMODB_ENDPOINT_ENV] ?? '';
  if (!endpoint) {
    dynamo = await startDynamoDbLocal();
    endpoint = dynamo.endpoint;
  }
});
afterAll(() => dynamo?.stop());

async function ledger(outputs: OutputSelection[] = OUTPUTS): Promise<AlertLedger> {
  tableName = uniqueTableName('forward');
  await createDetectorTable(endpoint, tableName);
  return dynamoDbState({
    tableName,
    alertRetentionMs: 86_400_000,
    client: localDynamoDbClient(endpoint, 3),
    outputs,
  }).ledger;
}

/** A real rendered alert of the given severity: its HTTPS body is what the outputs keep. */
function stored(id: string, severity: Severity): StoredAlert {
  const finding = { ...hostileStopLogging(id, T - 60_000), severity };
  return {
    key: `${id}#${finding.ruleId}`,
    region: 'eu-west-1',
    eventTimeMs: T - 60_000,
    alert: renderAlert(finding),
  };
}

async function rawItems(pk: string) {
  const client = localDynamoDbClient(endpoint, 3);
  try {
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
      }),
    );
    return out.Items ?? [];
  } finally {
    client.destroy();
  }
}

describe('the outputs queues in DynamoDB', () => {
  it('writes an entry per output that takes the severity, with the alert, and none for a repeat of a claim', async () => {
    const l = await ledger();
    const critical = stored('e1', 'critical');
    const high = stored('e2', 'high');
    const medium = stored('e3', 'medium');
    for (const a of [critical, high, medium])
      expect(await l.claimAlert(a, claimAt('run-a', T))).toBe('claimed');
    // Claiming again (an overlap's re-read) writes nothing new.
    expect(await l.claimAlert(critical, claimAt('run-b', T + 1))).toBe('held');
    const bus = await l.listForward('eventBus', T, 10);
    expect(bus.due.map((e) => e.key)).toEqual([critical.key, high.key]);
    expect(bus.queued).toBe(2);
    expect(bus.oldestCreatedMs).toBe(T);
    const chat = await l.listForward('chat', T, 10);
    expect(chat.due.map((e) => e.key)).toEqual([critical.key]);
    // The entry keeps the HTTPS body of the rendered alert, byte for byte.
    expect(bus.due[0]!.document).toBe(JSON.parse(critical.alert.message).https);
    expect(bus.due[0]).toMatchObject({
      severity: 'critical',
      attempts: 0,
      slot: forwardSlot('critical', critical.key),
    });
    expect(await l.listForward('securityHub', T, 10)).toEqual({
      due: [],
      queued: 0,
      oldestCreatedMs: Number.NaN,
      oldestNotDueMs: Number.NaN,
    });
  });

  it('writes no entry at all when no output is on', async () => {
    const l = await ledger([]);
    await l.claimAlert(stored('e1', 'critical'), claimAt('run-a', T));
    expect(await rawItems('forward#eventBus')).toHaveLength(0);
    expect(await rawItems('outbox')).toHaveLength(1);
  });

  it('lets one run claim an entry; another takes it only once the claim has lapsed; a deferred one is due at its time', async () => {
    const l = await ledger();
    const a = stored('e1', 'critical');
    await l.claimAlert(a, claimAt('run-a', T));
    const [entry] = (await l.listForward('eventBus', T, 10)).due;
    expect(await l.claimForward('eventBus', entry!.slot, claimAt('run-a', T))).toBe('claimed');
    expect(await l.claimForward('eventBus', entry!.slot, claimAt('run-b', T + 1_000))).toBe('held');
    expect(await l.claimForward('eventBus', entry!.slot, claimAt('run-b', T + CLAIM_LAPSE_MS + 1))).toBe(
      'claimed',
    );

    await l.deferForward('eventBus', entry!.slot, 'MalformedDetail: odd', T + 2_000, T + 120_000);
    const later = await l.listForward('eventBus', T + 60_000, 10);
    expect(later).toMatchObject({ due: [], queued: 1, oldestCreatedMs: T, oldestNotDueMs: T });
    const due = await l.listForward('eventBus', T + 120_000, 10);
    expect(due.due[0]).toMatchObject({ key: a.key, attempts: 1 });
    const [item] = await rawItems('forward#eventBus');
    expect(item?.lastError?.S).toBe('MalformedDetail: odd');
    expect(item?.claimant).toBeUndefined();
    // Released: any run may claim it now.
    expect(await l.claimForward('eventBus', entry!.slot, claimAt('run-c', T + 120_000))).toBe('claimed');

    await l.completeForward('eventBus', entry!.slot);
    expect(await l.claimForward('eventBus', entry!.slot, claimAt('run-c', T + 120_001))).toBe('gone');
    expect((await l.listForward('eventBus', T + 120_001, 10)).queued).toBe(0);
    // Deferring an entry another run has delivered is a no-op, not an error.
    await expect(l.deferForward('eventBus', entry!.slot, 'late', T, T)).resolves.toBeUndefined();
  });

  it('queues a repeat summary for the outputs in the transaction that closes its group', async () => {
    const l = await ledger();
    const lead = hostileStopLogging('e-lead', T - 60_000);
    const repeat = hostileStopLogging('e-repeat', T - 30_000);
    const window = 60 * 60_000;
    expect(await l.foldRepeat(repeatGroupOf(lead, window), memberOf(lead), T)).toBe('publish');
    expect(await l.foldRepeat(repeatGroupOf(repeat, window), memberOf(repeat), T)).toBe('folded');
    const [group] = await l.listEndedRepeats(T + 2 * window, 10);
    const summary: StoredAlert = {
      key: summaryKeyOf(group!),
      region: 'eu-west-1',
      eventTimeMs: T,
      alert: renderDigest([repeat], {
        repeatsOf: { leadAlertKey: group!.leadAlertKey, windowStartMs: T, windowEndMs: T + window },
      }),
    };
    await l.closeRepeatGroup(group!, summary, claimAt('run-a', T + 2 * window));
    const bus = await l.listForward('eventBus', T + 2 * window, 10);
    expect(bus.due.map((e) => e.key)).toEqual([summary.key]);
    expect(JSON.parse(bus.due[0]!.document)).toMatchObject({ schema: 'trailwatch.digest/1' });
  });

  it('lists at most the limit of due entries, most severe first, and counts the rest', async () => {
    const l = await ledger([{ name: 'eventBus', minSeverity: 'info' }]);
    const severities: Severity[] = ['low', 'high', 'medium', 'critical', 'info', 'high'];
    for (const [i, s] of severities.entries())
      await l.claimAlert(stored(`e${i}`, s), claimAt('run-a', T + i));
    const listing = await l.listForward('eventBus', T + 10, 3);
    expect(listing.due.map((e) => e.severity)).toEqual(['critical', 'high', 'high']);
    expect(listing.queued).toBe(6);
    expect(listing.oldestCreatedMs).toBe(T);
  });
});
