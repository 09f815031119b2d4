import { Engine } from '../../lambda/core/engine';
import { defineRule } from '../../lambda/core/rule';
import { type RunDeps, type RunSettings, runOnce } from '../../lambda/core/run';
import { emptySuppressions, parseSuppressions, type SuppressionList } from '../../lambda/core/suppression';
import { ThresholdEngine } from '../../lambda/core/threshold';
import type { Finding, RenderedAlert } from '../../lambda/core/types';
import { MINUTE_MS } from '../../lambda/core/window';
import type { LookupEventRecord } from '../../lambda/ports';
import { THRESHOLD_RULES } from '../../lambda/rules/thresholds';
import { ManualClock, MemoryEventSource, MemoryStateStore, RecordingSink } from '../support/memory-ports';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const REGION = 'eu-west-1';

const stopLogging = defineRule({
  id: 'test.stop-logging',
  title: 'Logging stopped',
  description: 'test rule',
  whyItMatters: 'test',
  runbook: 'test',
  reference: 'https://example.com',
  mitre: ['TA0005:T1562.008'],
  eventNames: ['StopLogging'],
  severity: 'critical',
  matches: () => true,
  explain: (e) => `stopped by ${e.actor.userName}`,
});
const consoleLogin = defineRule({
  ...stopLogging,
  id: 'test.login',
  eventNames: ['ConsoleLogin'],
  severity: 'medium',
});
const exploding = defineRule({
  ...stopLogging,
  id: 'test.explodes',
  eventNames: ['StopLogging'],
  matches: () => {
    throw new TypeError('odd event');
  },
});

function record(id: string, name: string, timeMs: number, body?: string): LookupEventRecord {
  return {
    eventId: id,
    eventName: name,
    eventTimeMs: timeMs,
    body:
      body ??
      JSON.stringify({
        eventID: id,
        eventName: name,
        eventTime: new Date(timeMs).toISOString(),
        eventSource: 'cloudtrail.amazonaws.com',
        awsRegion: REGION,
        userIdentity: { type: 'IAMUser', userName: 'alice', arn: 'arn:aws:iam::111122223333:user/alice' },
      }),
  };
}

const render = (f: Finding): RenderedAlert => ({
  subject: `${f.severity} ${f.ruleId}`,
  message: JSON.stringify({ default: `${f.summary} ${f.event.eventId}` }),
  attributes: { severity: { type: 'String', value: f.severity } },
});

function setup(overrides: Partial<RunSettings> = {}, suppressions: SuppressionList = emptySuppressions()) {
  const source = new MemoryEventSource();
  const state = new MemoryStateStore();
  const sink = new RecordingSink();
  const clock = new ManualClock(NOW);
  const deps: { -readonly [K in keyof RunDeps]: RunDeps[K] } = {
    source,
    state,
    sink,
    clock,
    engine: new Engine([stopLogging, consoleLogin, exploding]),
    render,
    renderDigest: (findings) => ({
      subject: `digest of ${findings.length}`,
      message: JSON.stringify({ default: findings.map((f) => f.event.eventId).join(',') }),
      attributes: { severity: { type: 'String', value: 'critical' } },
    }),
    suppressions,
    thresholds: new ThresholdEngine(THRESHOLD_RULES),
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
    maxAlertsPerRun: 10,
    ...overrides,
  };
  const run = (windowEndMs: number, runId = `run-${windowEndMs}`) =>
    runOnce(deps, settings, { runId, windowEndMs, deadlineMs: NOW + 60_000 });
  return { source, state, sink, clock, run, deps };
}

describe('one scheduled run', () => {
  it('alerts once on a critical finding and only records a medium one', async () => {
    const { source, sink, run } = setup();
    source.add(
      REGION,
      record('e1', 'StopLogging', NOW - 10 * MINUTE_MS),
      record('e2', 'ConsoleLogin', NOW - 9 * MINUTE_MS),
    );
    const report = await run(NOW);
    expect(report.status).toBe('completed');
    expect(sink.published).toHaveLength(1);
    expect(sink.published[0]!.message).toContain('e1');
    expect(report.totals.findingsBySeverity).toMatchObject({ critical: 1, medium: 1 });
    expect(report.findings.map((f) => [f.eventId, f.alerted]).sort()).toEqual([
      ['e1', true],
      ['e2', false],
    ]);
  });

  it('does not alert twice when a later window overlaps the event', async () => {
    const { source, sink, run } = setup();
    source.add(REGION, record('e1', 'StopLogging', NOW - 2 * MINUTE_MS));
    await run(NOW);
    const second = await run(NOW + 5 * MINUTE_MS);
    expect(second.regions[0]!.alertsAlreadySent).toBe(1);
    expect(sink.published).toHaveLength(1);
  });

  it('alerts on an event that arrives late but within the overlap', async () => {
    const { source, sink, run } = setup();
    await run(NOW);
    source.add(REGION, record('late', 'StopLogging', NOW - 40 * MINUTE_MS));
    await run(NOW + 5 * MINUTE_MS);
    expect(sink.published.map((a) => a.message)).toEqual([expect.stringContaining('late')]);
  });

  it('keeps the cursor and the alert when SNS fails, and delivers it on the next run', async () => {
    const { source, state, sink, run } = setup();
    await run(NOW);
    const before = state.cursors.get(REGION)!.processedUntilMs;
    source.add(REGION, record('e1', 'StopLogging', NOW + MINUTE_MS));
    sink.failing = Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' });
    const failed = await run(NOW + 5 * MINUTE_MS);
    expect(failed.status).toBe('incomplete');
    expect(failed.regions[0]!.outcome).toBe('publish-failed');
    expect(state.cursors.get(REGION)!.processedUntilMs).toBe(before);
    expect(state.outbox.size).toBe(1);

    sink.failing = undefined;
    const recovered = await run(NOW + 10 * MINUTE_MS);
    expect(recovered.status).toBe('completed');
    expect(recovered.outbox.delivered).toBe(1);
    expect(sink.published).toHaveLength(1);
    expect(state.cursors.get(REGION)!.processedUntilMs).toBe(NOW + 10 * MINUTE_MS);
  });

  it('counts an unparseable event and a throwing rule, and still scores the rest', async () => {
    const { source, sink, run } = setup();
    source.add(
      REGION,
      record('bad', 'StopLogging', NOW - 3 * MINUTE_MS, '{"eventID": "bad", '),
      record('good', 'StopLogging', NOW - 2 * MINUTE_MS),
    );
    const report = await run(NOW);
    expect(report.status).toBe('completed');
    expect(report.totals.unparseableEvents).toBe(1);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ kind: 'unparseable-event', eventId: 'bad' }),
    );
    expect(report.totals.ruleFailures).toBe(1);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ kind: 'rule-failed', ruleId: 'test.explodes' }),
    );
    expect(sink.published).toHaveLength(1);
  });

  it('counts the events no rule watches without parsing them', async () => {
    const { source, sink, run } = setup();
    source.add(
      REGION,
      record('read', 'ListBuckets', NOW - 4 * MINUTE_MS),
      // Broken, but nothing would look at it: counted as unwatched, not reported as unparseable.
      record('broken-read', 'ListBuckets', NOW - 3 * MINUTE_MS, '{"eventID": "broken-read", '),
      record('stop', 'StopLogging', NOW - 2 * MINUTE_MS),
    );
    const report = await run(NOW);
    expect(report.totals).toMatchObject({ events: 3, unwatchedEvents: 2, unparseableEvents: 0 });
    expect(report.regions[0]).toMatchObject({ events: 3, unwatchedEvents: 2 });
    expect(sink.published).toHaveLength(1);
  });

  it('stops at the page cap with the cursor narrowed, and finishes on the next run', async () => {
    const { source, state, sink, run } = setup({ maxPagesPerRun: 2 });
    await run(NOW);
    for (let i = 0; i < 180; i++) source.add(REGION, record(`n${i}`, 'ListBuckets', NOW + 1000 * (i + 1)));
    source.add(REGION, record('crit', 'StopLogging', NOW + 500));
    const first = await run(NOW + 5 * MINUTE_MS);
    expect(first.regions[0]!.outcome).toBe('page-limit');
    expect(state.cursors.get(REGION)!.inProgress).toBeDefined();
    expect(sink.published).toHaveLength(0);
    // 100 events a run: the rest of the slice takes the next run, and the alert goes out then.
    const second = await run(NOW + 10 * MINUTE_MS);
    expect(second.regions[0]!.cursorAfterMs).toBeGreaterThanOrEqual(NOW + 5 * MINUTE_MS);
    expect(sink.published).toHaveLength(1);
    // With a cap that fits the overlap re-read, the region reports that it has caught up.
    const { source: roomy, run: runRoomy } = setup({ maxPagesPerRun: 5 });
    await runRoomy(NOW);
    for (let i = 0; i < 180; i++) roomy.add(REGION, record(`n${i}`, 'ListBuckets', NOW + 1000 * (i + 1)));
    expect((await runRoomy(NOW + 5 * MINUTE_MS)).regions[0]!.outcome).toBe('caught-up');
  });

  it('skips the run while another run holds the lease', async () => {
    const { state, run } = setup();
    await state.acquireLease('other', NOW, 60_000);
    const report = await run(NOW);
    expect(report.status).toBe('skipped-lease-held');
    expect(report.regions).toEqual([]);
  });

  it('reports a lookup failure without moving the cursor', async () => {
    const { source, state, run } = setup();
    await run(NOW);
    source.failNext = 1;
    const report = await run(NOW + 5 * MINUTE_MS);
    expect(report.status).toBe('incomplete');
    expect(report.regions[0]).toMatchObject({
      outcome: 'lookup-failed',
      error: expect.stringContaining('ThrottlingException'),
    });
    expect(state.cursors.get(REGION)!.processedUntilMs).toBe(NOW);
  });
});

describe('progress kept when a run fails part-way', () => {
  it('records the pages done before a failed lookup, never the page that failed', async () => {
    const { source, state, sink, run } = setup();
    await run(NOW);
    for (let i = 0; i < 120; i++) source.add(REGION, record(`n${i}`, 'ListBuckets', NOW + 1000 * (i + 1)));
    source.add(REGION, record('crit-old', 'StopLogging', NOW + 500));
    // The first page succeeds, the second is refused.
    const original = source.lookupPage.bind(source);
    let calls = 0;
    source.lookupPage = async (region, query) => {
      calls += 1;
      if (calls === 2) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return original(region, query);
    };
    const report = await run(NOW + 5 * MINUTE_MS);
    expect(report.regions[0]!.outcome).toBe('lookup-failed');
    const cursor = state.cursors.get(REGION)!;
    expect(cursor.processedUntilMs).toBe(NOW);
    // The 50 newest events are done; the rest, including the critical one, are left to read.
    expect(cursor.inProgress).toMatchObject({ endMs: NOW + 71_000 });
    expect(sink.published).toHaveLength(0);
    source.lookupPage = original;
    await run(NOW + 10 * MINUTE_MS);
    expect(sink.published).toHaveLength(1);
  });
});

describe('a burst of alerts', () => {
  it('pages individually up to the budget, then once with a digest of the rest', async () => {
    const { source, state, sink, run } = setup({ maxAlertsPerRun: 3 });
    for (let i = 0; i < 12; i++)
      source.add(REGION, record(`b${i}`, 'StopLogging', NOW - MINUTE_MS - i * 1000));
    const report = await run(NOW);
    expect(sink.published.map((m) => m.subject)).toEqual([
      'critical test.stop-logging',
      'critical test.stop-logging',
      'critical test.stop-logging',
      'digest of 9',
    ]);
    expect(report.totals).toMatchObject({ alertsSent: 12, digestsSent: 1 });
    // Every finding is recorded as sent, so none comes again in the next window.
    expect([...state.alerts.values()].every((status) => status === 'sent')).toBe(true);
    await run(NOW + 5 * MINUTE_MS);
    expect(sink.published).toHaveLength(4);
  });

  it('does not make a digest of a single alert', async () => {
    const { source, sink, run } = setup({ maxAlertsPerRun: 2 });
    for (let i = 0; i < 3; i++)
      source.add(REGION, record(`s${i}`, 'StopLogging', NOW - MINUTE_MS - i * 1000));
    await run(NOW);
    expect(sink.published.map((m) => m.subject)).not.toContain('digest of 1');
    expect(sink.published).toHaveLength(3);
  });
});

describe('a reviewed suppression', () => {
  it('keeps a matching finding from alerting but still reports it, with the entry that matched', async () => {
    const suppressions = parseSuppressions(
      {
        version: 1,
        suppressions: [
          {
            id: 'alice-maintenance',
            reason: 'Alice rotates the trail during the maintenance window.',
            ruleIds: ['test.stop-logging'],
            principalArn: ['arn:aws:iam::111122223333:user/alice'],
            maxSeverity: 'critical',
          },
        ],
      },
      NOW,
    );
    const { source, sink, run } = setup({}, suppressions);
    source.add(REGION, record('e1', 'StopLogging', NOW - MINUTE_MS));
    const report = await run(NOW);
    expect(sink.published).toHaveLength(0);
    expect(report.regions[0]!.suppressed).toBe(1);
    expect(report.findings).toEqual([
      expect.objectContaining({ eventId: 'e1', alerted: false, suppressedBy: 'alice-maintenance' }),
    ]);
  });
});

describe('threshold detections', () => {
  /** A failed console sign-in from one address, each for a different user (password spraying). */
  function failedLogin(id: string, timeMs: number, user = `user-${id}`): LookupEventRecord {
    return record(
      id,
      'ConsoleLogin',
      timeMs,
      JSON.stringify({
        eventID: id,
        eventName: 'ConsoleLogin',
        eventTime: new Date(timeMs).toISOString(),
        eventSource: 'signin.amazonaws.com',
        awsRegion: REGION,
        sourceIPAddress: '198.51.100.7',
        userIdentity: { type: 'IAMUser', userName: user },
        responseElements: { ConsoleLogin: 'Failure' },
        errorMessage: 'Failed authentication',
      }),
    );
  }
  const sprayAlerts = (sink: RecordingSink) =>
    sink.published.filter((a) => a.subject === 'high signin.failed-console-logins');

  it('alerts once when 5 failures from one address arrive across two overlapping runs', async () => {
    const { source, sink, run } = setup();
    for (let i = 1; i <= 3; i++) source.add(REGION, failedLogin(`f${i}`, NOW + i * MINUTE_MS));
    await run(NOW + 5 * MINUTE_MS);
    expect(sprayAlerts(sink)).toHaveLength(0);
    for (let i = 4; i <= 5; i++) source.add(REGION, failedLogin(`f${i}`, NOW + (i + 2) * MINUTE_MS));
    const second = await run(NOW + 10 * MINUTE_MS);
    expect(sprayAlerts(sink)).toHaveLength(1);
    expect(sprayAlerts(sink)[0]!.message).toContain('5 failed console sign-ins from source IP 198.51.100.7');
    expect(second.findings).toContainEqual(
      expect.objectContaining({ ruleId: 'signin.failed-console-logins', alerted: true }),
    );
    // Later windows re-read all five: the crossing event is recognised, its alert already sent.
    const third = await run(NOW + 15 * MINUTE_MS);
    expect(third.regions[0]!.alertsAlreadySent).toBe(1);
    expect(sprayAlerts(sink)).toHaveLength(1);
  });

  it('does not count re-read events twice: 4 failures read by many runs never alert', async () => {
    const { source, state, sink, run } = setup();
    for (let i = 1; i <= 4; i++) source.add(REGION, failedLogin(`f${i}`, NOW + i * MINUTE_MS));
    for (let k = 1; k <= 6; k++) await run(NOW + (4 + k) * MINUTE_MS);
    expect(sprayAlerts(sink)).toHaveLength(0);
    const counter = state.counters.get(`signin.failed-console-logins|198.51.100.7@${NOW}`);
    expect(counter?.ids.size).toBe(4);
  });

  it('fires once per user too, and for neither below the threshold', async () => {
    const { source, sink, run } = setup();
    for (let i = 1; i <= 6; i++) source.add(REGION, failedLogin(`f${i}`, NOW + i * MINUTE_MS, 'alice'));
    await run(NOW + 10 * MINUTE_MS);
    await run(NOW + 14 * MINUTE_MS);
    expect(sink.published.map((a) => a.subject).sort()).toEqual([
      'high signin.failed-console-logins',
      'high signin.failed-console-logins-per-user',
    ]);
  });

  it('still alerts when recording the crossing alert failed: the re-read recognises the crossing event', async () => {
    const { source, state, sink, run } = setup();
    for (let i = 1; i <= 5; i++) source.add(REGION, failedLogin(`f${i}`, NOW + i * MINUTE_MS));
    const claim = state.claimAlert.bind(state);
    state.claimAlert = async () => {
      throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    };
    const failed = await run(NOW + 6 * MINUTE_MS);
    expect(failed.regions[0]!.outcome).toBe('state-failed');
    expect(sink.published).toHaveLength(0);
    state.claimAlert = claim;
    await run(NOW + 11 * MINUTE_MS);
    expect(sprayAlerts(sink)).toHaveLength(1);
  });

  it('reports a failing counter as a state failure and leaves the page to read again', async () => {
    const { source, state, sink, run } = setup();
    await run(NOW);
    for (let i = 1; i <= 5; i++) source.add(REGION, failedLogin(`f${i}`, NOW + i * MINUTE_MS));
    const count = state.countOnce.bind(state);
    state.countOnce = async () => {
      throw Object.assign(new Error('down'), { name: 'InternalServerError' });
    };
    const failed = await run(NOW + 6 * MINUTE_MS);
    expect(failed.regions[0]).toMatchObject({ outcome: 'state-failed', cursorAfterMs: NOW });
    state.countOnce = count;
    await run(NOW + 11 * MINUTE_MS);
    expect(sprayAlerts(sink)).toHaveLength(1);
  });
});

describe('folding repeated findings', () => {
  const HOUR = 60 * MINUTE_MS;
  // NOW is on the hour: the window [NOW, NOW + 1 h) holds the repeats below.
  const stop = (id: string, atMs: number, user = 'alice') =>
    record(
      id,
      'StopLogging',
      atMs,
      JSON.stringify({
        eventID: id,
        eventName: 'StopLogging',
        eventTime: new Date(atMs).toISOString(),
        eventSource: 'cloudtrail.amazonaws.com',
        awsRegion: REGION,
        userIdentity: { type: 'IAMUser', userName: user, arn: `arn:aws:iam::111122223333:user/${user}` },
      }),
    );
  const textOf = (alert: RenderedAlert) => JSON.parse(alert.message).default as string;
  const threeByAlice = () => [
    stop('s1', NOW + 1 * MINUTE_MS),
    stop('s2', NOW + 2 * MINUTE_MS),
    stop('s3', NOW + 3 * MINUTE_MS),
  ];

  it('alerts the first finding at once and folds the repeats of the same rule and actor', async () => {
    const { source, state, sink, run } = setup({ repeatWindowMs: HOUR });
    await run(NOW);
    source.add(REGION, ...threeByAlice(), stop('b1', NOW + 4 * MINUTE_MS, 'bob'));
    const first = await run(NOW + 5 * MINUTE_MS);
    expect(sink.published.map(textOf)).toEqual(['stopped by alice s1', 'stopped by bob b1']);
    expect(first.totals.alertsFolded).toBe(2);
    expect(first.findings.filter((f) => f.folded).map((f) => f.eventId)).toEqual(['s2', 's3']);
    // The overlap reads them again: nothing more is sent, nothing is counted twice, and the leads'
    // alert records, already known from folding, are not asked for again.
    const claims: string[] = [];
    const claim = state.claimAlert.bind(state);
    state.claimAlert = async (alert) => {
      claims.push(alert.key);
      return claim(alert);
    };
    const again = await run(NOW + 10 * MINUTE_MS);
    expect(sink.published).toHaveLength(2);
    expect(again.totals.alertsFolded).toBe(0);
    expect(again.regions[0]!.alertsAlreadySent).toBe(2);
    expect(claims).toEqual([]);
    const groups = await state.listEndedRepeats(Number.MAX_SAFE_INTEGER, 10);
    expect(groups.map((g) => [g.leadAlertKey, g.members.map((m) => m.alertKey)])).toEqual([
      ['s1#test.stop-logging', ['s2#test.stop-logging', 's3#test.stop-logging']],
      ['b1#test.stop-logging', []],
    ]);
  });

  it('sends one summary of the repeats once the window and the overlap have passed, and only once', async () => {
    const { source, sink, run, deps } = setup({ repeatWindowMs: HOUR });
    const summaries: unknown[] = [];
    const renderDigest = deps.renderDigest;
    deps.renderDigest = (findings, repeatsOf) => {
      summaries.push({ ids: findings.map((f) => f.event.eventId), repeatsOf });
      return renderDigest(findings, repeatsOf);
    };
    await run(NOW);
    source.add(REGION, ...threeByAlice());
    await run(NOW + 5 * MINUTE_MS);
    const beforeEnd = await run(NOW + HOUR + 55 * MINUTE_MS);
    expect(beforeEnd.repeats).toEqual({ groupsClosed: 0, summariesQueued: 0 });
    const closing = await run(NOW + 2 * HOUR);
    expect(closing.repeats).toEqual({ groupsClosed: 1, summariesQueued: 1 });
    expect(summaries).toEqual([
      {
        ids: ['s2', 's3'],
        repeatsOf: { leadAlertKey: 's1#test.stop-logging', windowStartMs: NOW, windowEndMs: NOW + HOUR },
      },
    ]);
    expect(sink.published.map((a) => a.subject)).toEqual(['critical test.stop-logging', 'digest of 2']);
    await run(NOW + 2 * HOUR + 5 * MINUTE_MS);
    expect(sink.published).toHaveLength(2);
  });

  it('publishes on its own a repeat read after its group was summarised, and never re-sends a folded one', async () => {
    const { source, sink, run, state } = setup({ repeatWindowMs: HOUR });
    await run(NOW);
    source.add(REGION, ...threeByAlice());
    await run(NOW + 5 * MINUTE_MS);
    await run(NOW + 2 * HOUR);
    expect(sink.published).toHaveLength(2);
    // Re-reading the folded events (a cursor reset) finds them folded: no second message.
    state.cursors.clear();
    await run(NOW + 2 * HOUR + 5 * MINUTE_MS);
    expect(sink.published).toHaveLength(2);
    // A repeat of the closed window that arrives later still goes out, as an alert of its own.
    source.add(REGION, stop('late', NOW + 30 * MINUTE_MS));
    state.cursors.clear();
    await run(NOW + 2 * HOUR + 10 * MINUTE_MS);
    expect(sink.published.slice(2).map(textOf)).toEqual(['stopped by alice late']);
  });

  it('publishes repeats on their own once the group is full', async () => {
    const { source, sink, run } = setup({ repeatWindowMs: HOUR, maxAlertsPerRun: 1000 });
    await run(NOW);
    for (let i = 0; i < 105; i++)
      source.add(REGION, stop(`r${String(i).padStart(3, '0')}`, NOW + 60_000 + i * 1000));
    const report = await run(NOW + 5 * MINUTE_MS);
    expect(report.totals.alertsFolded).toBe(100);
    expect(sink.published).toHaveLength(5);
  });

  it('reports a failing state table while folding as a state failure, and folds on the next run', async () => {
    const { source, state, sink, run } = setup({ repeatWindowMs: HOUR });
    await run(NOW);
    source.add(REGION, ...threeByAlice());
    const fold = state.foldRepeat.bind(state);
    state.foldRepeat = async () => {
      throw Object.assign(new Error('down'), { name: 'InternalServerError' });
    };
    const failed = await run(NOW + 5 * MINUTE_MS);
    expect(failed.regions[0]).toMatchObject({ outcome: 'state-failed', cursorAfterMs: NOW });
    expect(sink.published).toHaveLength(0);
    state.foldRepeat = fold;
    const next = await run(NOW + 10 * MINUTE_MS);
    expect(next.totals.alertsFolded).toBe(2);
    expect(sink.published).toHaveLength(1);
  });
});
