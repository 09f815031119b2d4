// Every alert reaches every output that is on exactly once, through the unmodified handler and the
// real SDK clients against DynamoDB Local and the local CloudTrail, SNS, EventBridge and Security
// Hub servers: with the bus failing while SNS works, SNS failing while the bus works, and entries
// and calls failing one by one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { CHAT_BURST } from '../../lambda/core/outputs/chat';
import { createRecordFactory } from '../../local/cloudtrail';
import { type LocalEvent, type LocalEventBridge, startLocalEventBridge } from '../../local/eventbridge';
import { type LocalSecurityHub, startLocalSecurityHub } from '../../local/securityhub';
import { type DetectorHarness, HOME, MINUTE, startDetectorHarness, TOPIC } from '../support/detector-harness';

jest.setTimeout(5 * 60_000);

const ACCOUNT = '111122223333';
const CHAT = `arn:aws:sns:${HOME}:${ACCOUNT}:trailwatch-chat`;
const makeRecord = createRecordFactory(23);
const validAlert = new Ajv({ allErrors: true }).compile(
  JSON.parse(readFileSync(join(__dirname, '../../schema/alert-v1.schema.json'), 'utf8')),
);

let h: DetectorHarness;
let bus: LocalEventBridge;
let hub: LocalSecurityHub;
beforeAll(async () => {
  h = await startDetectorHarness({ extraTopics: [CHAT] });
  bus = await startLocalEventBridge();
  hub = await startLocalSecurityHub({ accountId: ACCOUNT });
});
afterAll(async () => {
  await Promise.all([h.close(), bus.close(), hub.close()]);
});

/** Alerting calls by one actor each (no folding), critical and high. */
const CALLS = [
  { eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', severity: 'critical' },
  { eventName: 'DeleteTrail', eventSource: 'cloudtrail.amazonaws.com', severity: 'critical' },
  { eventName: 'PutBucketPolicy', eventSource: 's3.amazonaws.com', severity: 'high' },
] as const;

function alertingEvent(timeMs: number, i: number) {
  const call = CALLS[i % CALLS.length]!;
  return makeRecord({
    eventName: call.eventName,
    eventSource: call.eventSource,
    eventTime: new Date(timeMs).toISOString(),
    awsRegion: HOME,
    readOnly: false,
    userName: `user-${i}`,
    userAgent: `"quoted" <!channel> *bold* [link](https://evil.example) ${'\\'.repeat(3)}`,
    requestParameters: { name: `trail-${i}`, bucketName: `bucket-${i}` },
  });
}

/** How often each event id reached the alert topic (a digest counts each of its events). */
function snsCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of h.sns.published.filter((p) => p.topicArn === TOPIC)) {
    for (const id of JSON.parse(m.attributes.eventIds!.value) as string[])
      counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

function count<T>(values: readonly T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

describe('alerts on every output, exactly once, under faults', () => {
  beforeEach(async () => {
    bus.reset();
    hub.reset();
    await h.reset({
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
      AWS_ENDPOINT_URL_SECURITYHUB: hub.endpoint,
      TRAILWATCH_EVENT_BUS: 'default',
      TRAILWATCH_SECURITY_HUB_PRODUCT_ARN: hub.defaultProductArn(HOME),
      TRAILWATCH_CHAT_TOPIC_ARN: CHAT,
      TRAILWATCH_CHAT_MIN_SEVERITY: 'critical',
      TRAILWATCH_REPEAT_WINDOW_MINUTES: '0',
      TRAILWATCH_REGIONS: HOME,
    });
  });

  it('keeps SNS, the bus, Security Hub and the chat topic apart: none holds or repeats another', async () => {
    const ids: string[] = [];
    const critical = new Set<string>();
    const outcomes: string[] = [];
    const ticks = 16;
    const earlier: LocalEvent[] = [];
    const busEvents = () => [...earlier, ...bus.events];
    for (let tick = 0; tick < ticks; tick++) {
      const at = h.t0 + tick * 5 * MINUTE;
      // Three alerting calls in each of the first twelve periods.
      if (tick < 12) {
        for (let j = 0; j < 3; j++) {
          const i = tick * 3 + j;
          const record = alertingEvent(at - 4 * MINUTE + j * 1000, i);
          ids.push(record.eventID);
          if (CALLS[i % CALLS.length]!.severity === 'critical') critical.add(record.eventID);
          h.cloudtrail.addEvent(HOME, record);
        }
      }
      // Ticks 2-4: the bus refuses every call (SNS works). Ticks 5-7: SNS is down (the bus works).
      // Tick 8: two bus entries and one Security Hub call fail on their own.
      if (tick === 2) bus.failNext(1_000, 'InternalException');
      if (tick === 5) {
        // reset() also forgets the events: keep them.
        earlier.push(...bus.events);
        bus.reset();
        h.sns.setFailing('InternalError');
      }
      if (tick === 8) {
        h.sns.setFailing(false);
        bus.failEntriesNext(2);
        hub.failNext(1, 500, 'InternalException');
      }
      try {
        const summary = await h.tick(at);
        outcomes.push(`${tick}:${summary.status}`);
      } catch (error) {
        outcomes.push(`${tick}:failed ${(error as Error).name}`);
      }
      if (tick === 4) {
        // SNS had every alert of the bus's outage; the bus only those from before it.
        expect([...snsCounts().keys()].length).toBe(15);
        expect(bus.events).toHaveLength(6);
      }
      if (tick === 7) {
        // The bus caught up, and has the alerts recorded when SNS failed, which SNS has not.
        expect(busEvents()).toHaveLength(18);
        expect([...snsCounts().keys()].length).toBe(15);
      }
    }
    // SNS was down for three runs: those invocations failed (and would be retried), the rest completed.
    expect(outcomes.filter((o) => o.includes('failed'))).toEqual([
      '5:failed RunIncompleteError',
      '6:failed RunIncompleteError',
      '7:failed RunIncompleteError',
    ]);
    expect(ids).toHaveLength(36);

    const sns = snsCounts();
    expect([...sns.keys()].sort()).toEqual([...ids].sort());
    expect([...sns.values()].every((n) => n === 1)).toBe(true);

    const onBus = count(busEvents().map((e) => (e.detail.eventIds as string[])[0]!));
    expect([...onBus.keys()].sort()).toEqual([...ids].sort());
    expect([...onBus.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(busEvents().map((e) => `${e.source}|${e.detailType}`))).toEqual(
      new Set(['trailwatch|Trailwatch Alert']),
    );

    // One finding per alert, each imported once (no update was needed: nothing was sent twice).
    const findings = [...hub.findings().values()];
    expect(findings).toHaveLength(36);
    expect(count(hub.imports.map((i) => i.id)).size).toBe(36);
    expect(hub.imports.every((i) => i.kind === 'created')).toBe(true);

    // One message per critical, or one per burst (a send of more than CHAT_BURST alerts, which then
    // counts them); the events named are criticals, none twice, and the counts add up to all of them.
    const chat = h.sns.published.filter((p) => p.topicArn === CHAT);
    const named = chat.flatMap((m) => ids.filter((id) => m.message.includes(id)));
    expect(named.every((id) => critical.has(id))).toBe(true);
    expect(new Set(named).size).toBe(named.length);
    const conveyed = chat.map((m) => {
      const n = JSON.parse(m.message) as {
        metadata: { eventType: string; additionalContext: { count?: string } };
      };
      return n.metadata.eventType === 'trailwatch-digest' ? Number(n.metadata.additionalContext.count) : 1;
    });
    expect(conveyed.reduce((a, b) => a + b, 0)).toBe(critical.size);
    expect(conveyed.some((n) => n > CHAT_BURST)).toBe(true);
    // Chatbot reads its own format, not the alert topic's per-protocol JSON; the hostile user agent
    // mentions no one and links nowhere there.
    for (const m of chat) {
      expect(JSON.parse(m.message)).toMatchObject({ version: '1.0', source: 'custom' });
      expect(m.message).not.toContain('<!channel>');
      expect(m.message).not.toContain('](https://evil');
    }
    // The bus carries the alert document itself, valid against its schema.
    for (const e of busEvents()) expect(validAlert(e.detail)).toBe(true);
    expect(
      findings.every((f) => f.AwsAccountId === ACCOUNT && f.ProductArn === hub.defaultProductArn(HOME)),
    ).toBe(true);

    expect(await h.outboxSize()).toBe(0);
  });

  it('shows an output refused for good: the entry stays, its age metric grows and a log line names it, until it is fixed', async () => {
    await h.reset({
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
      AWS_ENDPOINT_URL_SECURITYHUB: hub.endpoint,
      TRAILWATCH_EVENT_BUS: 'not-created-yet',
      // The error lines only (the suite runs at FATAL).
      AWS_LAMBDA_LOG_LEVEL: 'ERROR',
      TRAILWATCH_SECURITY_HUB_PRODUCT_ARN: hub.defaultProductArn(HOME),
      TRAILWATCH_REPEAT_WINDOW_MINUTES: '0',
      TRAILWATCH_REGIONS: HOME,
    });
    const record = alertingEvent(h.t0 - 4 * MINUTE, 0);
    h.cloudtrail.addEvent(HOME, record);
    const first = await captured(() => h.tick(h.t0));
    expect(first.status).toBe('completed');
    expect(hub.findings().size).toBe(1);
    expect(bus.events).toHaveLength(0);
    expect(first.logs.some((l) => l.message === 'output failing' && l.output === 'eventBus')).toBe(true);

    const later = await captured(() => h.tick(h.t0 + 20 * MINUTE));
    const age = later.metrics.find((m) => m.Output === 'eventBus' && 'OutputOldestAgeSeconds' in m);
    expect(age?.OutputOldestAgeSeconds).toBeGreaterThanOrEqual(20 * 60);
    expect(later.metrics.find((m) => m.Output === 'eventBus' && 'OutputQueued' in m)?.OutputQueued).toBe(1);
    expect(later.metrics.find((m) => m.Output === 'securityHub' && 'OutputQueued' in m)?.OutputQueued).toBe(
      0,
    );

    bus.createBus('not-created-yet', HOME);
    const fixed = await captured(() => h.tick(h.t0 + 90 * MINUTE));
    expect(bus.events.map((e) => (e.detail.eventIds as string[])[0])).toEqual([record.eventID]);
    expect(fixed.metrics.find((m) => m.Output === 'eventBus' && 'OutputQueued' in m)?.OutputQueued).toBe(0);
    expect(hub.imports).toHaveLength(1);
  });
});

/** A tick's summary with the metric (EMF) and log lines it wrote. */
async function captured(tick: () => Promise<{ status: string }>): Promise<{
  status: string;
  metrics: Array<Record<string, unknown>>;
  logs: Array<Record<string, unknown>>;
}> {
  process.env.TRAILWATCH_METRICS = 'on';
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  let status = 'failed';
  try {
    status = (await tick()).status;
  } finally {
    process.stdout.write = write;
    process.env.TRAILWATCH_METRICS = 'off';
  }
  const parsed = lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status, metrics: parsed.filter((l) => '_aws' in l), logs: parsed.filter((l) => !('_aws' in l)) };
}
