// Watching a whole organization, end to end: the unmodified dispatcher and worker against a
// simulated organization of 50 member accounts x 4 regions (local Organizations, STS, CloudTrail
// with a history per account, SQS, SNS, and DynamoDB Local), the work queue drained by the local
// event source mapping at a maximum concurrency of 10. Faults from the fault suite's mix hit
// some pairs: throttling and server errors from CloudTrail, SNS failing, a member role deleted,
// a busy pair, a broken work item, accounts joining and leaving.
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type CloudTrailRecord, createRecordFactory, stopLoggingRecord } from '../../local/cloudtrail';
import { DYNAMODB_ENDPOINT_ENV, localDynamoDbClient } from '../../local/dynamodb';
import {
  MEMBER_ROLE,
  MINUTE,
  type OrganizationSim,
  type SimAccount,
  startOrganizationSim,
  type TickResult,
} from '../../local/organization-sim';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1'];
const CONCURRENCY = 10;
const BLIND_AFTER_MINUTES = 15;
const LAST_TICK_MINUTE = 90;

interface Expected {
  readonly eventId: string;
  readonly ruleId: string;
  readonly account: SimAccount;
}

let sim: OrganizationSim;
const expected: Expected[] = [];
const ticks: TickResult[] = [];
let blindAccount: SimAccount;
let joined: SimAccount;
let left: SimAccount;
let busy: SimAccount;
/** Requests to the local CloudTrail before the tick at which `left` was closed. */
let requestsBeforeLeaving = 0;

function addEvent(
  account: SimAccount,
  region: string,
  record: CloudTrailRecord,
  ruleId: string,
  delayMin = 0,
): void {
  const eventId = sim.cloudtrail.addEvent(
    region,
    { ...record, awsRegion: region, recipientAccountId: account.id },
    { account: account.id, visibilityDelayMs: delayMin * MINUTE },
  );
  expected.push({ eventId, ruleId, account });
}

beforeAll(async () => {
  sim = await startOrganizationSim({
    accounts: 50,
    regions: REGIONS,
    concurrency: CONCURRENCY,
    dynamoEndpoint: process.env[DYNAMODB_ENDPOINT_ENV]!,
    blindAfterMinutes: BLIND_AFTER_MINUTES,
  });
  const make = createRecordFactory(15);
  const at = (minute: number) => sim.t0 + minute * MINUTE;
  blindAccount = sim.accounts[7]!;
  busy = sim.accounts[3]!;
  left = sim.accounts[12]!;

  // Critical and high findings across the organization, some reaching Event history 25 minutes late.
  for (let i = 0; i < 50; i += 5) {
    const account = sim.accounts[i]!;
    const region = REGIONS[i % REGIONS.length]!;
    addEvent(
      account,
      region,
      stopLoggingRecord(make, at(8 + (i % 7) * 3), { region }),
      'cloudtrail.logging-stopped',
      i % 10 === 0 ? 25 : 0,
    );
  }
  for (let i = 2; i < 50; i += 5) {
    const account = sim.accounts[i]!;
    const record = make({
      eventName: 'CreateAccessKey',
      eventSource: 'iam.amazonaws.com',
      eventTimeMs: at(12 + (i % 4) * 5),
      accountId: account.id,
      userName: 'deploy-bot',
      requestParameters: { userName: 'deploy-bot' },
      responseElements: {
        accessKey: { accessKeyId: 'AKIAEXAMPLENEWKEY001', status: 'Active', userName: 'deploy-bot' },
      },
    });
    addEvent(account, 'us-east-1', record, 'iam.access-key-created');
  }
  // The same role and session acting in two accounts at the same moment: two alerts, never one group.
  for (const account of [sim.accounts[10]!, sim.accounts[11]!]) {
    const record = stopLoggingRecord(make, at(20), { region: 'eu-west-1' });
    addEvent(
      account,
      'eu-west-1',
      {
        ...record,
        userIdentity: {
          ...record.userIdentity,
          arn: `arn:aws:sts::${account.id}:assumed-role/OrganizationAccountAccessRole/ops`,
          type: 'AssumedRole',
          accountId: account.id,
        },
      },
      'cloudtrail.logging-stopped',
    );
  }
  // The account whose member role is deleted: an event while trailwatch is blind to it.
  addEvent(
    blindAccount,
    'eu-west-1',
    stopLoggingRecord(make, at(30), { region: 'eu-west-1' }),
    'cloudtrail.logging-stopped',
  );
  // A busy pair: 1,200 reads over the first hour (24 pages a run at first), and one finding among them.
  for (let k = 0; k < 1200; k++) {
    sim.cloudtrail.addEvent(
      'eu-west-1',
      {
        ...make({ eventName: 'DescribeInstances', eventTimeMs: at((k * 60) / 1200), accountId: busy.id }),
        awsRegion: 'eu-west-1',
      },
      { account: busy.id },
    );
  }
  addEvent(
    busy,
    'eu-west-1',
    stopLoggingRecord(make, at(33), { region: 'eu-west-1' }),
    'cloudtrail.logging-stopped',
  );

  // The fault mix on every pair's reads: throttling and server errors, retried by the SDK.
  sim.cloudtrail.setFaults({ throttleRate: 0.05, serverErrorRate: 0.03 });
  const sqs = new SQSClient({});
  for (let minute = 5; minute <= LAST_TICK_MINUTE; minute += 5) {
    if (minute === 10) {
      // Deleted in the member account: no new session, and the session held loses its rights.
      sim.sts.removeRole(blindAccount.id, MEMBER_ROLE);
      sim.cloudtrail.denyAccount(blindAccount.id, true);
    }
    if (minute === 15) sim.sns.failNext(6, 'InternalError');
    if (minute === 20) {
      // Not written by the dispatcher: logged and dropped, never retried, nothing else held up.
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: sim.workQueueUrl,
          MessageBody: '{"v":"trailwatch.work/1","account":"x"}',
        }),
      );
    }
    if (minute === 30) {
      joined = sim.addMember(60);
      addEvent(
        joined,
        'ap-southeast-2',
        stopLoggingRecord(make, at(36), { region: 'ap-southeast-2' }),
        'cloudtrail.logging-stopped',
      );
    }
    if (minute === 40) {
      // Closed: no longer read, and its role going away raises nothing.
      sim.organizations.setAccountStatus(left.id, 'SUSPENDED');
      sim.sts.removeRole(left.id, MEMBER_ROLE);
      requestsBeforeLeaving = sim.cloudtrail.requests.length;
    }
    if (minute === 60) sim.cloudtrail.denyAccount(blindAccount.id, false);
    if (minute === 60)
      sim.sts.addRole({ account: blindAccount.id, name: MEMBER_ROLE, trustedKeys: ['AKIATRAILWATCHSECURE'] });
    ticks.push(await sim.tick(at(minute)));
  }
  sqs.destroy();
}, 600_000);
afterAll(() => sim.close());

const published = () =>
  sim.sns.published.map((m) => ({
    ruleId: m.attributes.ruleId?.value ?? '',
    eventIds: JSON.parse(m.attributes.eventIds?.value ?? '[]') as string[],
    subject: m.subject ?? '',
    https: JSON.parse((JSON.parse(m.message) as { https: string }).https) as {
      event?: { account?: string; region?: string; accountName?: string; ouPath?: string };
      summary?: string;
    },
  }));

describe('an organization of 50 accounts x 4 regions', () => {
  it('delivers every expected alert exactly once, through faults on some pairs', () => {
    const count = new Map<string, number>();
    for (const m of published())
      for (const id of m.eventIds) count.set(`${id}#${m.ruleId}`, (count.get(`${id}#${m.ruleId}`) ?? 0) + 1);
    const missing = expected.filter((e) => (count.get(`${e.eventId}#${e.ruleId}`) ?? 0) === 0);
    const twice = expected.filter((e) => (count.get(`${e.eventId}#${e.ruleId}`) ?? 0) > 1);
    expect({ expected: expected.length, missing, twice }).toEqual({ expected: 25, missing: [], twice: [] });
    // Nothing else was alerted but the blind alerts.
    const others = published().filter(
      (m) =>
        m.ruleId !== 'trailwatch.member-blind' &&
        !m.eventIds.some((id) => expected.some((e) => e.eventId === id)),
    );
    expect(others.map((m) => m.subject)).toEqual([]);
    // The faults happened.
    expect(
      sim.cloudtrail.injectedFaults.throttles + sim.cloudtrail.injectedFaults.serverErrors,
    ).toBeGreaterThan(50);
    expect(sim.sns.failures.total).toBe(6);
  });

  it('names the account, its name and OU in each alert; the same role in two accounts is two alerts', () => {
    const stop10 = published().filter(
      (m) => m.https.event?.account === sim.accounts[10]!.id && m.ruleId === 'cloudtrail.logging-stopped',
    );
    const stop11 = published().filter(
      (m) => m.https.event?.account === sim.accounts[11]!.id && m.ruleId === 'cloudtrail.logging-stopped',
    );
    expect(stop10).toHaveLength(2); // the ops role's, and the every-fifth-account one
    expect(stop11).toHaveLength(1);
    for (const m of published().filter((p) => p.ruleId !== 'trailwatch.member-blind')) {
      const account = [...sim.accounts].find((a) => a.id === m.https.event?.account)!;
      expect(m.https.event).toMatchObject({ accountName: account.name, ouPath: account.ouPath });
    }
  });

  it('raises one blind alert per pair of the account whose role was deleted, naming it, and catches up after', () => {
    const blind = published().filter((m) => m.ruleId === 'trailwatch.member-blind');
    expect(blind.map((m) => `${m.https.event?.account}/${m.https.event?.region}`).sort()).toEqual(
      REGIONS.map((r) => `${blindAccount.id}/${r}`).sort(),
    );
    for (const m of blind) {
      expect(m.https.summary).toContain(
        `account ${blindAccount.id} (${blindAccount.name}, ${blindAccount.ouPath})`,
      );
      expect(m.https.summary).toMatch(/last error: .*not authorized/);
    }
    // The event of its blind time was alerted once the role was back (counted in the first test).
    const late = expected.find((e) => e.account === blindAccount)!;
    expect(published().filter((m) => m.eventIds.includes(late.eventId))).toHaveLength(1);
  });

  it('never lets the failing or the busy pair hold up the others', async () => {
    // Every tick read every pair; the dispatcher's problems were none.
    for (const t of ticks) expect(t.dispatch).not.toBeInstanceOf(Error);
    expect(sim.mapping.stats.peakConcurrency).toBeLessThanOrEqual(CONCURRENCY);
    // At the end, every watched pair but none of the others is within the limit (the blind one has caught up).
    const client = localDynamoDbClient(process.env[DYNAMODB_ENDPOINT_ENV]!);
    const out = await client.send(
      new QueryCommand({
        TableName: sim.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'pair' } },
      }),
    );
    client.destroy();
    const records = (out.Items ?? []).map((i) => ({
      account: i.account!.S!,
      region: i.region!.S!,
      covered: Number(i.coveredUntilMs?.N),
      blind: i.blindSinceMs?.N,
    }));
    expect(records).toHaveLength((50 - 1 + 1) * REGIONS.length);
    const end = sim.t0 + LAST_TICK_MINUTE * MINUTE;
    const lagging = records.filter((r) => !(end - r.covered < BLIND_AFTER_MINUTES * MINUTE));
    expect(lagging).toEqual([]);
    expect(records.filter((r) => r.blind !== undefined)).toEqual([]);
    // Only the blind account's work items were ever dead-lettered, and not the broken item (dropped).
    const dead = sim.sqs
      .messages('Trailwatch-org-work-dlq')
      .map((m) => JSON.parse(m.body) as { account?: string });
    expect(new Set(dead.map((d) => d.account))).toEqual(new Set([blindAccount.id]));
  });

  it('watches a new account from the next tick and stops reading a closed one', () => {
    const joinedTick = ticks[30 / 5 - 1]!.dispatch as { pairs: number; added: number };
    expect(joinedTick.added).toBe(REGIONS.length);
    const leftTick = ticks[40 / 5 - 1]!.dispatch as { removed: number };
    expect(leftTick.removed).toBe(REGIONS.length);
    const reads = (from: number, to: number) =>
      sim.cloudtrail.requests.slice(from, to).filter((r) => r.account === left.id).length;
    expect(reads(0, requestsBeforeLeaving)).toBeGreaterThan(0);
    expect(reads(requestsBeforeLeaving, sim.cloudtrail.requests.length)).toBe(0);
    // The new account was read in every region.
    expect(
      new Set(sim.cloudtrail.requests.filter((r) => r.account === joined.id).map((r) => r.region)),
    ).toEqual(new Set(REGIONS));
    // The management account and the security account itself are never read through the fan-out.
    expect(sim.cloudtrail.requests.filter((r) => r.account === sim.organizations.managementAccount)).toEqual(
      [],
    );
    expect(sim.sts.calls.filter((c) => c.roleArn.includes(':999900001111:'))).toEqual([]);
    expect(
      published().some((m) => m.https.event?.account === left.id && m.ruleId === 'trailwatch.member-blind'),
    ).toBe(false);
  });
});
