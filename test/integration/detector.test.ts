// The unmodified Lambda handler, with the real SDK clients, against DynamoDB Local and the
// local CloudTrail and SNS servers on 127.0.0.1. Only the endpoints differ from production.
import { dynamoDbState } from '../../lambda/adapters/dynamodb';
import type { ProfileStore } from '../../lambda/core/ports';
import { RunIncompleteError } from '../../lambda/handler';
import { createRecordFactory, stopLoggingRecord } from '../../local/cloudtrail';
import { localDynamoDbClient } from '../../local/dynamodb';
import {
  type DetectorHarness,
  GLOBAL,
  HOME,
  MINUTE,
  startDetectorHarness,
} from '../support/detector-harness';

let h: DetectorHarness;
let T0: number;
const makeRecord = createRecordFactory(7);

beforeAll(async () => {
  h = await startDetectorHarness();
  T0 = h.t0;
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const tick = (atMs: number, requestId?: string) => h.tick(atMs, requestId);

/**
 * alice's first-seen profile, as a month of aws-cli calls from 203.0.113.0/24 in eu-west-1 leaves
 * it (the record factory's defaults); returns the store, to read the table afterwards.
 */
async function withAliceKnown(): Promise<ProfileStore> {
  const state = dynamoDbState({
    tableName: h.tableName(),
    alertRetentionMs: 14 * 86_400_000,
    client: localDynamoDbClient(h.dynamoEndpoint, 3),
  }).profiles;
  const learnedAt = T0 - 30 * 24 * 60 * MINUTE;
  await state.addToProfile(
    'arn:aws:iam::111122223333:user/alice',
    learnedAt,
    new Map(
      ['network|203.0.113.0/24', 'region|eu-west-1', 'agent|aws-cli'].map((k) => [
        k,
        { eventId: 'history', timeMs: learnedAt },
      ]),
    ),
    T0 - MINUTE,
  );
  return state;
}

function stopLogging(timeMs: number, region = HOME) {
  return stopLoggingRecord(makeRecord, timeMs, { region });
}

function routine(timeMs: number, region = HOME) {
  return makeRecord({
    eventName: 'DescribeInstances',
    eventSource: 'ec2.amazonaws.com',
    eventTime: new Date(timeMs).toISOString(),
    awsRegion: region,
  });
}

describe('the scheduled detector against local AWS parts', () => {
  it('pages through every page at no more than 2 requests a second and alerts with the event id', async () => {
    for (let i = 0; i < 160; i++) h.cloudtrail.addEvent(HOME, routine(T0 - 50 * MINUTE + i * 1000));
    const critical = stopLogging(T0 - 10 * MINUTE);
    h.cloudtrail.addEvent(HOME, critical);

    const summary = await tick(T0);

    expect(summary).toMatchObject({ status: 'completed', events: 161, alertsSent: 1 });
    const home = h.cloudtrail.requests.filter((r) => r.region === HOME && r.status === 200);
    expect(home.map((r) => r.returned)).toEqual([50, 50, 50, 11]);
    // Pages after the first carry the token of the same query; the bounds never change mid-query.
    expect(new Set(home.map((r) => `${r.startMs}-${r.endMs}`)).size).toBe(1);
    // The server's own 2-per-second bucket never refused, and the 4 requests span 3 paced gaps
    // (one arrival may come late and the next on time: single gaps are not compared).
    expect(h.cloudtrail.stats()[HOME]!.rateLimited).toBe(0);
    expect(home[home.length - 1]!.atMs - home[0]!.atMs).toBeGreaterThanOrEqual(3 * 450);

    expect(h.sns.published).toHaveLength(1);
    const [alert] = h.sns.published;
    expect(alert!.message).toContain(critical.eventID);
    expect(alert!.attributes.severity?.value).toBe('critical');
    expect(JSON.parse(alert!.attributes.eventIds!.value)).toEqual([critical.eventID]);
    expect(await h.cursorOf(HOME)).toBe(T0);
    expect(await h.cursorOf(GLOBAL)).toBe(T0);
  });

  it('retries a throttled page and loses nothing', async () => {
    h.cloudtrail.addEvent(GLOBAL, stopLogging(T0 - 5 * MINUTE, GLOBAL));
    h.cloudtrail.failNext(2, 'throttle');

    const summary = await tick(T0);

    expect(summary.status).toBe('completed');
    const stats = h.cloudtrail.stats();
    expect((stats[HOME]?.injectedThrottles ?? 0) + (stats[GLOBAL]?.injectedThrottles ?? 0)).toBe(2);
    expect(h.sns.published).toHaveLength(1);
  });

  it('does not alert twice on an event seen again in the overlap, and catches a late one', async () => {
    const HOUR = 60 * MINUTE;
    // Both within the first run's lookback, in one fixed hour: the late one repeats the early one.
    const early = stopLogging(T0 - 45 * MINUTE);
    const late = stopLogging(T0 - 44 * MINUTE);
    const windowEnd = Math.floor((T0 - 45 * MINUTE) / HOUR) * HOUR + HOUR;
    h.cloudtrail.addEvent(HOME, early);
    // Happened before the first run's window end, visible 47 minutes later (the overlap is 60).
    const visible = T0 + 3 * MINUTE;
    h.cloudtrail.addEvent(HOME, late, { visibleAtMs: visible });
    await tick(T0);

    // The same actor stopped the same trail: read by a run before its window ends, the late one is folded and
    // goes out in the group's summary at the first run after the window; read after, it is alerted
    // on its own. Either way within one window and two schedule periods of becoming visible.
    const due = Math.max(windowEnd, visible) + 10 * MINUTE;
    for (let t = T0 + 5 * MINUTE; t <= due + 30 * MINUTE; t += 5 * MINUTE) await tick(t);

    const alerted = h.sns.published.map((m) => JSON.parse(m.attributes.eventIds!.value) as string[]);
    expect(alerted).toEqual([[early.eventID], [late.eventID]]);
    const second = h.sns.published[1]!;
    // The run that reads it is the first tick after it became visible. T0 follows the clock, so
    // that tick falls before the window's end or on it depending on the minute the tests run.
    const readAt = T0 + 5 * MINUTE;
    expect(second.attributes.ruleId?.value).toBe(
      readAt < windowEnd ? 'digest' : 'cloudtrail.logging-stopped',
    );
    expect(second.receivedAtMs).toBeLessThanOrEqual(visible + HOUR + 10 * MINUTE);
  });

  it('keeps the cursor and the alert when SNS fails, then delivers once when it recovers', async () => {
    await tick(T0);
    h.cloudtrail.addEvent(HOME, stopLogging(T0 + 2 * MINUTE));
    h.sns.setFailing('InternalError');

    await expect(tick(T0 + 5 * MINUTE)).rejects.toBeInstanceOf(RunIncompleteError);
    expect(await h.cursorOf(HOME)).toBe(T0);
    expect(await h.outboxSize()).toBe(1);
    expect(h.sns.published).toHaveLength(0);

    h.sns.setFailing(false);
    const recovered = await tick(T0 + 10 * MINUTE);
    expect(recovered.status).toBe('completed');
    expect(h.sns.published).toHaveLength(1);
    expect(await h.outboxSize()).toBe(0);
    expect(await h.cursorOf(HOME)).toBe(T0 + 10 * MINUTE);
    // The next run re-reads the overlap: the hour is counted already, nothing is sent again.
    await tick(T0 + 5 * MINUTE);
    expect(h.sns.published).toHaveLength(1);
  });

  it('counts a CloudTrailEvent that is not JSON and still scores the rest', async () => {
    h.cloudtrail.addEvent(HOME, '{"eventID": "broken-1", "userIdent', {
      envelope: { eventId: 'broken-1', eventName: 'StopLogging', eventTimeMs: T0 - 4 * MINUTE },
    });
    h.cloudtrail.addEvent(HOME, stopLogging(T0 - 3 * MINUTE));

    const summary = await tick(T0);

    expect(summary).toMatchObject({ status: 'completed', unparseableEvents: 1, alertsSent: 1 });
    expect(await h.cursorOf(HOME)).toBe(T0);
  });

  it('lets only one of two overlapping invocations run', async () => {
    h.cloudtrail.addEvent(HOME, stopLogging(T0 - 3 * MINUTE));
    const [a, b] = await Promise.all([tick(T0, 'req-a'), tick(T0, 'req-b')]);
    expect([a.status, b.status].sort()).toEqual(['completed', 'skipped-lease-held']);
    expect(h.sns.published).toHaveLength(1);
  });

  it('pages once when a principal with a history writes from a new network with a new tool', async () => {
    const state = await withAliceKnown();
    const usual = makeRecord({
      eventName: 'CreateTags',
      eventSource: 'ec2.amazonaws.com',
      awsRegion: HOME,
      eventTimeMs: T0 - 20 * MINUTE,
    });
    const stolen = makeRecord({
      eventName: 'CreateTags',
      eventSource: 'ec2.amazonaws.com',
      awsRegion: HOME,
      eventTimeMs: T0 - 10 * MINUTE,
      sourceIPAddress: '192.0.2.77',
      userAgent: 'Boto3/1.34.0 Pacu/1.5.2 \u202e\n<b>',
    });
    h.cloudtrail.addEvent(HOME, usual);
    h.cloudtrail.addEvent(HOME, stolen);

    expect(await tick(T0)).toMatchObject({ status: 'completed', alertsSent: 1 });
    expect(h.sns.published).toHaveLength(1);
    const [alert] = h.sns.published;
    expect(alert!.attributes.ruleId?.value).toBe('anomaly.first-seen');
    expect(alert!.attributes.severity?.value).toBe('high');
    expect(JSON.parse(alert!.attributes.eventIds!.value)).toEqual([stolen.eventID]);
    const email = (JSON.parse(alert!.message) as { email: string }).email;
    expect(email).toContain('from a new network 192.0.2.0/24 (1 known before)');
    expect(email).toContain('with a new user-agent family "pacu"');
    // The hostile user agent is shown as inert text: no bidi override, no line break of its own.
    expect(email).toContain('User agent:         Boto3/1.34.0 Pacu/1.5.2 <b>\n');
    expect(email).not.toContain('\u202e');

    // The next run re-reads the overlap: nothing new is sent, and the profile has learned.
    await tick(T0 + 5 * MINUTE);
    expect(h.sns.published).toHaveLength(1);
    const profile = await state.getProfile('arn:aws:iam::111122223333:user/alice');
    expect(profile?.values.get('network|192.0.2.0/24')?.eventId).toBe(stolen.eventID);
  });

  it('raises one write-volume alert for an hour far above the principal\u2019s own baseline', async () => {
    await h.reset({ TRAILWATCH_MIN_SEVERITY: 'medium' });
    // No writes by alice last week: the hour's threshold is the floor of 100.
    const state = await withAliceKnown();
    // 110 writes within one clock hour, the last of them at least 110 seconds before T0.
    const hourStart = Math.floor((T0 - 20 * MINUTE) / (60 * MINUTE)) * 60 * MINUTE;
    const burst = Array.from({ length: 110 }, (_, i) =>
      makeRecord({
        eventName: 'CreateTags',
        eventSource: 'ec2.amazonaws.com',
        awsRegion: HOME,
        eventTimeMs: hourStart + i * 10_000,
      }),
    );
    for (const record of burst) h.cloudtrail.addEvent(HOME, record);
    expect(await tick(T0)).toMatchObject({ status: 'completed', alertsSent: 1 });
    expect(h.sns.published).toHaveLength(1);
    const [alert] = h.sns.published;
    expect(alert!.attributes.ruleId?.value).toBe('anomaly.write-volume');
    // The floor of 100 writes was reached by the newest event of the page that reached it.
    const hour = await state.getWriteVolume('arn:aws:iam::111122223333:user/alice', hourStart);
    expect([hour?.count, hour?.threshold]).toEqual([100, 100]);
    expect(JSON.parse(alert!.attributes.eventIds!.value)).toEqual([hour?.crossedBy]);

    // The next run re-reads the overlap: the hour is counted already, nothing is sent again.
    await tick(T0 + 5 * MINUTE);
    expect(h.sns.published).toHaveLength(1);
  });

  it('fails at start, naming the variable, when the configuration is broken', async () => {
    process.env.TRAILWATCH_TOPIC_ARN = 'arn:aws:sns:nowhere';
    await expect(tick(T0)).rejects.toThrow(/TRAILWATCH_TOPIC_ARN/);
  });

  it("emits each region's lag as an Embedded Metric Format line", async () => {
    await h.reset({ TRAILWATCH_METRICS: 'on', TRAILWATCH_STACK_NAME: 'Trailwatch' });
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await tick(T0);
    } finally {
      process.stdout.write = write;
    }
    const metrics = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
    // Lag is measured against the clock when the run ends: a second or two at most here.
    expect(metrics.map((m) => [m.Region ?? null, m.LagSeconds ?? m.AlertsSetAside, m.StackName])).toEqual([
      [HOME, expect.any(Number), 'Trailwatch'],
      [GLOBAL, expect.any(Number), 'Trailwatch'],
      [null, 0, 'Trailwatch'],
    ]);
    expect(metrics[0].LagSeconds).toBeLessThanOrEqual(5);
    expect(metrics[2]._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: 'Trailwatch',
      Dimensions: [['StackName']],
      Metrics: [{ Name: 'AlertsSetAside', Unit: 'Count' }],
    });
    expect(metrics[0]._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: 'Trailwatch',
      Dimensions: [['StackName', 'Region']],
      Metrics: [{ Name: 'LagSeconds', Unit: 'Seconds' }],
    });
  });
});
