// The outputs' queues in one run, over the in-memory store and recording outputs: which alerts each
// output takes, the order they go in, and that one output failing neither holds nor repeats
// another, nor SNS. The DynamoDB store's side is in test/integration/forward-store.test.ts.
import { MemoryStateStore } from '../../lambda/adapters/memory-state';
import { Engine } from '../../lambda/core/engine';
import {
  FORWARD_MAX_BACKOFF_MS,
  forwardItemOf,
  forwardSlot,
  nextForwardTryMs,
} from '../../lambda/core/forward';
import {
  type AlertOutput,
  type ForwardItem,
  type ForwardResult,
  type LookupEventRecord,
  type OutputName,
  type OutputSelection,
  storesOf,
} from '../../lambda/core/ports';
import { defineRule } from '../../lambda/core/rule';
import { type RunDeps, type RunSettings, runOnce } from '../../lambda/core/run';
import { OUTPUT_GRACE_MS } from '../../lambda/core/run/forward';
import { emptySuppressions } from '../../lambda/core/suppression';
import type { Finding, RenderedAlert, Severity } from '../../lambda/core/types';
import { MINUTE_MS } from '../../lambda/core/window';
import { lookupRecord, ManualClock, MemoryEventSource, RecordingSink } from '../support/memory-ports';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const REGION = 'eu-west-1';

const rule = (name: string, severity: Severity) =>
  defineRule({
    id: `test.${name.toLowerCase()}`,
    title: name,
    description: 'test rule',
    whyItMatters: 'test',
    runbook: 'test',
    reference: 'https://example.com',
    mitre: ['TA0005:T1562.008'],
    eventNames: [name],
    severity,
    matches: () => true,
    explain: (e) => `${name} by ${e.actor.userName}`,
  });

const record = (id: string, name: string, timeMs: number, body?: string): LookupEventRecord =>
  lookupRecord(id, name, timeMs, REGION, body);

/** A rendering whose HTTPS body is a small document naming the event: what the outputs receive. */
const render = (f: Finding): RenderedAlert => ({
  subject: `${f.severity} ${f.ruleId}`,
  message: JSON.stringify({
    default: `${f.summary} ${f.event.eventId}`,
    https: JSON.stringify({ eventId: f.event.eventId, severity: f.severity }),
  }),
  attributes: { severity: { type: 'String', value: f.severity } },
});

/** An output that records what it was sent, and fails as told. */
class RecordingOutput implements AlertOutput {
  readonly sent: ForwardItem[] = [];
  readonly calls: number[] = [];
  /** Throws on every send while set: the service as a whole is down. */
  down: Error | undefined;
  /** Refuses some items for good. */
  refuse: ((item: ForwardItem) => string | undefined) | undefined;
  constructor(
    readonly name: OutputName,
    readonly batchSize = 10,
  ) {}
  async send(items: readonly ForwardItem[]): Promise<ForwardResult[]> {
    this.calls.push(items.length);
    if (this.down) throw this.down;
    return items.map((item) => {
      const refusal = this.refuse?.(item);
      if (refusal) return { ok: false, permanent: true, reason: refusal };
      this.sent.push(item);
      return { ok: true };
    });
  }
  eventIds(): string[] {
    return this.sent.map((item) => (JSON.parse(item.document) as { eventId: string }).eventId);
  }
}

function setup(
  selections: OutputSelection[],
  outputs: RecordingOutput[],
  overrides: Partial<RunSettings> = {},
) {
  const source = new MemoryEventSource();
  const state = new MemoryStateStore({ outputs: selections });
  const sink = new RecordingSink();
  const clock = new ManualClock(NOW);
  const deps: RunDeps = {
    source,
    state: storesOf(state),
    sink,
    outputs,
    clock,
    scorers: {
      engine: new Engine([
        rule('StopLogging', 'critical'),
        rule('CreateAccessKey', 'high'),
        rule('RunInstances', 'medium'),
      ]),
    },
    render,
    renderDigest: (findings) => ({
      subject: `digest of ${findings.length}`,
      message: JSON.stringify({ default: 'digest', https: JSON.stringify({ digest: findings.length }) }),
      attributes: { severity: { type: 'String', value: 'critical' } },
    }),
    suppressions: emptySuppressions(),
  };
  const settings: RunSettings = {
    regions: [REGION],
    overlapMs: 60 * MINUTE_MS,
    initialLookbackMs: 60 * MINUTE_MS,
    sliceMs: 60 * MINUTE_MS,
    minSeverity: 'high',
    maxPagesPerRun: 100,
    alertRetentionMs: 14 * 24 * 60 * MINUTE_MS,
    maxOutboxPerRun: 100,
    repeatWindowMs: 0,
    maxAlertsPerRun: 500,
    schedulePeriodMs: 5 * MINUTE_MS,
    lateAlertMs: 30 * MINUTE_MS,
    ...overrides,
  };
  const run = (windowEndMs: number, budgetMs = 60_000) => {
    clock.now = Math.max(clock.now, windowEndMs);
    return runOnce(deps, settings, {
      runId: `run-${windowEndMs}`,
      windowEndMs,
      deadlineMs: clock.now + budgetMs,
    });
  };
  return { source, state, sink, clock, run };
}

const snsEventIds = (sink: RecordingSink) =>
  sink.published.map((a) => (JSON.parse(JSON.parse(a.message).https) as { eventId: string }).eventId).sort();

describe('the outputs in pure terms', () => {
  it('orders a queue most severe first', () => {
    const slots = (['info', 'critical', 'low', 'high', 'medium'] as const).map((s) =>
      forwardSlot(s, `e#${s}`),
    );
    expect(slots.sort()).toEqual([
      forwardSlot('critical', 'e#critical'),
      forwardSlot('high', 'e#high'),
      forwardSlot('medium', 'e#medium'),
      forwardSlot('low', 'e#low'),
      forwardSlot('info', 'e#info'),
    ]);
  });

  it('tries a transient failure at the next run and backs a refusal off to an hour at most', () => {
    expect(nextForwardTryMs(NOW, 1, false)).toBe(NOW);
    expect(nextForwardTryMs(NOW, 1, true)).toBe(NOW + 2 * MINUTE_MS);
    expect(nextForwardTryMs(NOW, 3, true)).toBe(NOW + 8 * MINUTE_MS);
    expect(nextForwardTryMs(NOW, 40, true)).toBe(NOW + FORWARD_MAX_BACKOFF_MS);
  });

  it('keeps the HTTPS document of an alert, and refuses one without', () => {
    const alert: RenderedAlert = {
      subject: 's',
      message: JSON.stringify({ default: 'd', https: '{"id":"x"}' }),
      attributes: { severity: { type: 'String', value: 'high' } },
    };
    expect(forwardItemOf({ key: 'e#r', region: REGION, eventTimeMs: 5, alert })).toEqual({
      key: 'e#r',
      severity: 'high',
      eventTimeMs: 5,
      document: '{"id":"x"}',
    });
    expect(() =>
      forwardItemOf({
        key: 'e#r',
        region: REGION,
        eventTimeMs: 5,
        alert: { ...alert, message: '{"default":"d"}' },
      }),
    ).toThrow('e#r has no machine document');
  });
});

describe('a run with outputs', () => {
  it('gives each output the alerts at or above its floor, once, beside SNS', async () => {
    const bus = new RecordingOutput('eventBus');
    const chat = new RecordingOutput('chat');
    const { source, sink, state, run } = setup(
      [
        { name: 'eventBus', minSeverity: 'high' },
        { name: 'chat', minSeverity: 'critical' },
      ],
      [bus, chat],
    );
    source.add(
      REGION,
      record('e1', 'StopLogging', NOW - 10 * MINUTE_MS),
      record('e2', 'CreateAccessKey', NOW - 9 * MINUTE_MS),
      record('e3', 'RunInstances', NOW - 8 * MINUTE_MS),
    );
    const report = await run(NOW);
    expect(snsEventIds(sink)).toEqual(['e1', 'e2']);
    expect(bus.eventIds().sort()).toEqual(['e1', 'e2']);
    expect(chat.eventIds()).toEqual(['e1']);
    expect(report.outputs).toEqual([
      expect.objectContaining({ output: 'eventBus', queued: 2, left: 0, delivered: 2, failed: 0 }),
      expect.objectContaining({ output: 'chat', queued: 1, left: 0, delivered: 1, failed: 0 }),
    ]);
    // Nothing left: no age to report.
    expect(report.outputs.every((o) => Number.isNaN(o.oldestAgeMs))).toBe(true);
    expect(state.forward.get('eventBus')?.size).toBe(0);
    // The overlap reads the same events again: nothing goes anywhere twice.
    await run(NOW + 5 * MINUTE_MS);
    expect(bus.sent).toHaveLength(2);
    expect(chat.sent).toHaveLength(1);
    expect(sink.published).toHaveLength(2);
  });

  it('keeps an output that is down out of the way: SNS and the cursor go on, the output catches up once', async () => {
    const bus = new RecordingOutput('eventBus');
    const hub = new RecordingOutput('securityHub');
    const { source, sink, run } = setup(
      [
        { name: 'eventBus', minSeverity: 'high' },
        { name: 'securityHub', minSeverity: 'high' },
      ],
      [bus, hub],
    );
    bus.down = Object.assign(new Error('bus unavailable'), { name: 'InternalException' });
    source.add(
      REGION,
      record('e1', 'StopLogging', NOW - 10 * MINUTE_MS),
      record('e2', 'CreateAccessKey', NOW - 9 * MINUTE_MS),
    );
    const first = await run(NOW);
    expect(first.status).toBe('completed');
    expect(first.regions[0]!.outcome).toBe('caught-up');
    expect(snsEventIds(sink)).toEqual(['e1', 'e2']);
    expect(hub.eventIds().sort()).toEqual(['e1', 'e2']);
    expect(bus.sent).toHaveLength(0);
    const busReport = first.outputs.find((o) => o.output === 'eventBus')!;
    expect(busReport).toMatchObject({ failed: 2, delivered: 0, queued: 2 });
    expect(busReport.error?.message).toContain('bus unavailable');

    source.add(REGION, record('e3', 'StopLogging', NOW + 2 * MINUTE_MS));
    bus.down = undefined;
    await run(NOW + 5 * MINUTE_MS);
    expect(bus.eventIds().sort()).toEqual(['e1', 'e2', 'e3']);
    expect(hub.eventIds().sort()).toEqual(['e1', 'e2', 'e3']);
    expect(snsEventIds(sink)).toEqual(['e1', 'e2', 'e3']);
  });

  it('delivers to the outputs what it recorded while SNS is down, and never again once SNS is back', async () => {
    const bus = new RecordingOutput('eventBus');
    const { source, sink, run } = setup([{ name: 'eventBus', minSeverity: 'high' }], [bus]);
    sink.failing = Object.assign(new Error('SNS down'), { name: 'InternalErrorException' });
    source.add(REGION, record('e1', 'StopLogging', NOW - 10 * MINUTE_MS));
    const first = await run(NOW);
    expect(first.regions[0]!.outcome).toBe('publish-failed');
    expect(sink.published).toHaveLength(0);
    expect(bus.eventIds()).toEqual(['e1']);
    sink.failing = undefined;
    await run(NOW + 5 * MINUTE_MS);
    await run(NOW + 10 * MINUTE_MS);
    expect(snsEventIds(sink)).toEqual(['e1']);
    expect(bus.eventIds()).toEqual(['e1']);
  });

  it('sends the most severe first, a batch at a time, and defers an item refused for good without dropping it', async () => {
    const bus = new RecordingOutput('eventBus', 2);
    const { source, state, clock, run } = setup([{ name: 'eventBus', minSeverity: 'high' }], [bus]);
    bus.refuse = (item) => (item.key.startsWith('e2#') ? 'MalformedDetail: too odd' : undefined);
    source.add(
      REGION,
      record('e1', 'CreateAccessKey', NOW - 10 * MINUTE_MS),
      record('e2', 'CreateAccessKey', NOW - 9 * MINUTE_MS),
      record('e3', 'StopLogging', NOW - 8 * MINUTE_MS),
    );
    const first = await run(NOW);
    expect(bus.calls).toEqual([2, 1]);
    expect(bus.eventIds()[0]).toBe('e3');
    expect(bus.eventIds().sort()).toEqual(['e1', 'e3']);
    expect(first.outputs[0]).toMatchObject({ delivered: 2, refused: 1 });
    expect(first.outputs[0]!.error?.message).toContain('MalformedDetail');
    const [entry] = [...state.forward.get('eventBus')!.values()];
    expect(entry).toMatchObject({ attempts: 1, nextTryMs: NOW + 2 * MINUTE_MS });

    // Not due at the next run (its backoff), due at the one after; refused again, kept again.
    await run(NOW + MINUTE_MS);
    expect(bus.calls).toEqual([2, 1]);
    bus.refuse = undefined;
    clock.now = NOW + 3 * MINUTE_MS;
    await run(NOW + 3 * MINUTE_MS);
    expect(bus.eventIds().sort()).toEqual(['e1', 'e2', 'e3']);
    expect(state.forward.get('eventBus')?.size).toBe(0);
  });

  it('leaves the queue for the next run once the time budget is spent', async () => {
    const bus = new RecordingOutput('eventBus');
    const { source, run } = setup([{ name: 'eventBus', minSeverity: 'high' }], [bus]);
    bus.down = new Error('down');
    source.add(REGION, record('e1', 'StopLogging', NOW - 10 * MINUTE_MS));
    await run(NOW);
    bus.down = undefined;
    // A deadline this far behind the clock leaves the outputs nothing of their grace.
    const late = await run(NOW + 5 * MINUTE_MS, -OUTPUT_GRACE_MS);
    expect(bus.calls).toEqual([1]);
    expect(late.outputs[0]).toMatchObject({ queued: 1, deferred: 1, delivered: 0 });
    await run(NOW + 10 * MINUTE_MS);
    expect(bus.eventIds()).toEqual(['e1']);
  });

  it('reports the age of the oldest entry waiting', async () => {
    const bus = new RecordingOutput('eventBus');
    const { source, clock, run } = setup([{ name: 'eventBus', minSeverity: 'high' }], [bus]);
    bus.down = new Error('down');
    source.add(REGION, record('e1', 'StopLogging', NOW - 10 * MINUTE_MS));
    await run(NOW);
    clock.now = NOW + 20 * MINUTE_MS;
    const later = await run(NOW + 20 * MINUTE_MS);
    expect(later.outputs[0]).toMatchObject({ queued: 1, left: 1, oldestAgeMs: 20 * MINUTE_MS });
    // Delivered at last: nothing left, and the age is gone with it.
    bus.down = undefined;
    clock.now = NOW + 25 * MINUTE_MS;
    const fixed = await run(NOW + 25 * MINUTE_MS);
    expect(fixed.outputs[0]).toMatchObject({ queued: 1, left: 0, delivered: 1 });
    expect(fixed.outputs[0]!.oldestAgeMs).toBeNaN();
  });

  it('leaves the queues alone in a run that recorded nothing, when told to (the organization workers)', async () => {
    const bus = new RecordingOutput('eventBus');
    const { source, run } = setup([{ name: 'eventBus', minSeverity: 'high' }], [bus], {
      outputsAfterRecordingOnly: true,
    });
    bus.down = new Error('down');
    source.add(REGION, record('e1', 'StopLogging', NOW - 10 * MINUTE_MS));
    const first = await run(NOW);
    expect(first.outputs).toHaveLength(1);
    expect(bus.calls).toEqual([1]);
    bus.down = undefined;
    // Nothing new: the queue waits for a run that delivers it (the detector's own, in production).
    const idle = await run(NOW + 5 * MINUTE_MS);
    expect(idle.outputs).toEqual([]);
    expect(bus.calls).toEqual([1]);
    // A run that records an alert delivers the whole queue.
    source.add(REGION, record('e2', 'StopLogging', NOW + 6 * MINUTE_MS));
    await run(NOW + 10 * MINUTE_MS);
    expect(bus.eventIds().sort()).toEqual(['e1', 'e2']);
  });
});
