import { Engine } from '../../lambda/core/engine';
import { normalizeRecord } from '../../lambda/core/event';
import { AlertRefusedError, type LookupEventRecord, storesOf } from '../../lambda/core/ports';
import { defineRule } from '../../lambda/core/rule';
import { type RunDeps, type RunSettings, runOnce } from '../../lambda/core/run';
import { emptySuppressions, parseSuppressions, type SuppressionList } from '../../lambda/core/suppression';
import { ThresholdEngine } from '../../lambda/core/threshold';
import type { Finding, RenderedAlert } from '../../lambda/core/types';
import { MINUTE_MS } from '../../lambda/core/window';
import { THRESHOLD_RULES } from '../../lambda/rules';
import {
  lookupRecord,
  ManualClock,
  MemoryEventSource,
  MemoryStateStore,
  RecordingSink,
} from '../support/memory-ports';

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

const record = (id: string, name: string, timeMs: number, body?: string): LookupEventRecord =>
  lookupRecord(id, name, timeMs, REGION, body);

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
    state: storesOf(state),
    sink,
    clock,
    scorers: {
      engine: new Engine([stopLogging, consoleLogin, exploding]),
      thresholds: new ThresholdEngine(THRESHOLD_RULES),
    },
    render,
    renderDigest: (findings) => ({
      subject: `digest of ${findings.length}`,
      message: JSON.stringify({ default: findings.map((f) => f.event.eventId).join(',') }),
      attributes: { severity: { type: 'String', value: 'critical' } },
    }),
    suppressions,
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
    schedulePeriodMs: 5 * MINUTE_MS,
    lateAlertMs: 30 * MINUTE_MS,
    ...overrides,
  };
  // Each run happens at its scheduled time: the clock moves with the schedule (never back).
  const run = (windowEndMs: number, runId = `run-${windowEndMs}`, budgetMs = 60_000) => {
    clock.now = Math.max(clock.now, windowEndMs);
    return runOnce(deps, settings, { runId, windowEndMs, deadlineMs: clock.now + budgetMs });
  };
  return { source, state, sink, clock, run, deps, settings };
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
    sink.failing = Object.assign(new Error('We encountered an internal error'), {
      name: 'InternalErrorException',
    });
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

  it('skips the run while another run holds the lease, still reporting each region against the clock', async () => {
    const { state, run, clock } = setup();
    await run(NOW);
    await state.acquireLease({ owner: 'other', nowMs: NOW, durationMs: 60_000, expectedEndMs: NOW + 60_000 });
    clock.now = NOW + 10_000;
    const report = await run(NOW);
    expect(report.status).toBe('skipped-lease-held');
    expect(report.lease).toMatchObject({ holder: 'other', expectedEndMs: NOW + 60_000 });
    expect(report.regions.map((r) => [r.region, r.outcome, r.lagMs])).toEqual([
      [REGION, 'skipped-lease-held', 10_000],
    ]);
  });

  it('reports a lookup failure without moving the cursor', async () => {
    const { source, state, run } = setup();
    await run(NOW);
    source.failNext = 1;
    const report = await run(NOW + 5 * MINUTE_MS);
    expect(report.status).toBe('incomplete');
    expect(report.regions[0]).toMatchObject({
      outcome: 'lookup-failed',
      // The error's name is kept, not only its text.
      error: { name: 'ThrottlingException', message: 'Rate exceeded' },
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
        recipientAccountId: '111122223333',
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
    const counter = state.counters.get(`signin.failed-console-logins|111122223333|198.51.100.7@${NOW}`);
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

/** A StopLogging by `user`, refused with `errorCode` when given. */
function stopBy(
  id: string,
  atMs: number,
  user: string,
  errorCode?: string,
  account = '111122223333',
): LookupEventRecord {
  return record(
    id,
    'StopLogging',
    atMs,
    JSON.stringify({
      eventID: id,
      eventName: 'StopLogging',
      eventTime: new Date(atMs).toISOString(),
      eventSource: 'cloudtrail.amazonaws.com',
      awsRegion: REGION,
      recipientAccountId: account,
      userIdentity: { type: 'IAMUser', userName: user, arn: `arn:aws:iam::111122223333:user/${user}` },
      ...(errorCode ? { errorCode } : {}),
    }),
  );
}

describe('folding repeated findings', () => {
  const HOUR = 60 * MINUTE_MS;
  // NOW is on the hour: the window [NOW, NOW + 1 h) holds the repeats below.
  const stop = (id: string, atMs: number, user = 'alice') => stopBy(id, atMs, user);
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
    state.claimAlert = async (alert, by) => {
      claims.push(alert.key);
      return claim(alert, by);
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

  it('sends one summary of the repeats at the first run after the window ends, and only once', async () => {
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
    const beforeEnd = await run(NOW + 55 * MINUTE_MS);
    expect(beforeEnd.repeats).toEqual({ groupsClosed: 0, summariesQueued: 0 });
    const closing = await run(NOW + HOUR);
    expect(closing.repeats).toEqual({ groupsClosed: 1, summariesQueued: 1 });
    expect(summaries).toEqual([
      {
        ids: ['s2', 's3'],
        repeatsOf: { leadAlertKey: 's1#test.stop-logging', windowStartMs: NOW, windowEndMs: NOW + HOUR },
      },
    ]);
    expect(sink.published.map((a) => a.subject)).toEqual(['critical test.stop-logging', 'digest of 2']);
    await run(NOW + HOUR + 5 * MINUTE_MS);
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

describe('never silent, never late', () => {
  const HOUR = 60 * MINUTE_MS;
  /** StopLogging of one trail, rated as the real rule rates it: critical, or high when refused. */
  const anyStop = defineRule({
    ...stopLogging,
    id: 'test.stop-any',
    severity: (e) => (e.errorCode ? 'high' : 'critical'),
    // The subject only, as many real rules key repeats: the actor is not part of it.
    dedupKey: () => 'trail/main',
  });
  const idsOf = (alert: RenderedAlert) => (JSON.parse(alert.message).default as string).split(/[ ,]/).pop();
  const withStopAny = (overrides: Partial<RunSettings> = {}) => {
    const setupResult = setup({ repeatWindowMs: HOUR, ...overrides });
    setupResult.deps.scorers = { engine: new Engine([anyStop]) };
    return setupResult;
  };

  it("alerts at once a critical by another actor after someone's refused attempt, instead of folding it", async () => {
    const { source, sink, run } = withStopAny();
    await run(NOW);
    source.add(REGION, stopBy('denied', NOW + MINUTE_MS, 'mallory', 'AccessDenied'));
    source.add(REGION, stopBy('stopped', NOW + 3 * MINUTE_MS, 'bob'));
    const report = await run(NOW + 5 * MINUTE_MS);
    expect(report.totals.alertsFolded).toBe(0);
    expect(sink.published.map((a) => [a.subject, idsOf(a)])).toEqual([
      ['high test.stop-any', 'denied'],
      ['critical test.stop-any', 'stopped'],
    ]);
  });

  it('never folds the same actor’s finding in another account under the first account’s alert', async () => {
    const { source, sink, run } = withStopAny();
    await run(NOW);
    // A role trusted across an organization stops the trail in two accounts, minutes apart.
    source.add(REGION, stopBy('first', NOW + MINUTE_MS, 'mallory'));
    source.add(REGION, stopBy('other-account', NOW + 2 * MINUTE_MS, 'mallory', undefined, '444455556666'));
    source.add(REGION, stopBy('again', NOW + 3 * MINUTE_MS, 'mallory'));
    const report = await run(NOW + 5 * MINUTE_MS);
    expect(sink.published.map(idsOf)).toEqual(['first', 'other-account']);
    expect(report.findings.filter((f) => f.folded).map((f) => f.eventId)).toEqual(['again']);
  });

  it('alerts at once a finding more severe than the first alert of its group, even by the same actor', async () => {
    const { source, sink, run } = withStopAny();
    await run(NOW);
    source.add(REGION, stopBy('try', NOW + MINUTE_MS, 'mallory', 'AccessDenied'));
    source.add(REGION, stopBy('done', NOW + 2 * MINUTE_MS, 'mallory'));
    source.add(REGION, stopBy('retry', NOW + 3 * MINUTE_MS, 'mallory', 'AccessDenied'));
    const report = await run(NOW + 5 * MINUTE_MS);
    expect(sink.published.map(idsOf)).toEqual(['try', 'done']);
    // The lesser repeat folds under the first alert, which is at least as severe.
    expect(report.findings.filter((f) => f.folded).map((f) => f.eventId)).toEqual(['retry']);
  });

  it('delivers a folded repeat within one window and two schedule periods of becoming visible', async () => {
    const { source, sink, run } = withStopAny();
    await run(NOW);
    // Repeats by one actor across the window, each becoming visible 0 to 9 minutes after it happened.
    const repeats = Array.from({ length: 12 }, (_, i) => {
      const atMs = NOW + i * 5 * MINUTE_MS + 30_000;
      return { id: `r${i}`, atMs, visibleMs: atMs + (i % 4) * 3 * MINUTE_MS };
    });
    const deliveredAt = new Map<string, number>();
    for (let t = NOW + 5 * MINUTE_MS; t <= NOW + 3 * HOUR; t += 5 * MINUTE_MS) {
      for (const r of repeats) {
        if (r.visibleMs <= t && r.visibleMs > t - 5 * MINUTE_MS)
          source.add(REGION, stopBy(r.id, r.atMs, 'mallory'));
      }
      const before = sink.published.length;
      await run(t);
      for (const alert of sink.published.slice(before)) {
        for (const id of (JSON.parse(alert.message).default as string).split(/[ ,]/)) deliveredAt.set(id, t);
      }
    }
    const lateness = repeats.map((r) => (deliveredAt.get(r.id) ?? Number.POSITIVE_INFINITY) - r.visibleMs);
    expect(Math.max(...lateness)).toBeLessThanOrEqual(HOUR + 2 * 5 * MINUTE_MS);
    // The first alone, the repeats read before the window's end in one summary, and the two read
    // after it (visible at 56.5 and 64.5 minutes) alone: the summary does not wait for them.
    expect(sink.published.map((a) => a.subject)).toEqual([
      'critical test.stop-any',
      'digest of 9',
      'critical test.stop-any',
      'critical test.stop-any',
    ]);
  });

  it('reports lag against the clock while another run holds the lease, and fails two periods past its deadline', async () => {
    const { state, run, clock } = setup();
    await run(NOW);
    await state.acquireLease({
      owner: 'stuck',
      nowMs: NOW,
      durationMs: 10 * HOUR,
      expectedEndMs: NOW + 4 * MINUTE_MS,
    });
    const early = await run(NOW + 5 * MINUTE_MS);
    expect(early.status).toBe('skipped-lease-held');
    expect(early.regions[0]!.lagMs).toBe(5 * MINUTE_MS);
    const late = await run(NOW + 15 * MINUTE_MS);
    expect(late.status).toBe('incomplete');
    expect(late.lease?.problem).toMatch(/held by stuck, 11 min past its own deadline/);
    expect(late.regions[0]!.lagMs).toBe(15 * MINUTE_MS);
    expect(clock.now).toBe(NOW + 15 * MINUTE_MS);
  });

  it('renews its lease as it works, and stops its regions once another run has taken it', async () => {
    const { source, state, run, clock } = setup({ maxPagesPerRun: 1000 });
    await run(NOW);
    for (let i = 0; i < 400; i++) source.add(REGION, record(`n${i}`, 'ListBuckets', NOW + 1000 * (i + 1)));
    // Each page takes 15 s of the clock; after a minute another run takes the lease over.
    const lookup = source.lookupPage.bind(source);
    const leases: number[] = [];
    source.lookupPage = async (region, query) => {
      clock.now += 15_000;
      if (clock.now >= NOW + 5 * MINUTE_MS + 60_000 && leases.length === 0) {
        leases.push(clock.now);
        // Lapsed and taken: only possible if the holder had stopped renewing, which is what a
        // taken-over lease looks like to the holder.
        (state as unknown as { lease: unknown }).lease = undefined;
        await state.acquireLease({
          owner: 'other',
          nowMs: clock.now,
          durationMs: HOUR,
          expectedEndMs: clock.now + HOUR,
        });
      }
      return lookup(region, query);
    };
    const acquire = state.acquireLease.bind(state);
    let renewals = 0;
    state.acquireLease = async (request) => {
      if (request.owner === `run-${NOW + 5 * MINUTE_MS}`) renewals += 1;
      return acquire(request);
    };
    const report = await run(NOW + 5 * MINUTE_MS, undefined, 10 * MINUTE_MS);
    // Taken during the fourth page: renewed before the third (30 s in), lost at the renewal due
    // before the fifth (60 s in).
    expect({ renewals, outcome: report.regions[0]!.outcome, pages: report.regions[0]!.pages }).toEqual({
      renewals: 3,
      outcome: 'lease-lost',
      pages: 4,
    });
    expect(report.regions[0]!.outcome).toBe('lease-lost');
    expect(report.status).toBe('incomplete');
  });

  it('goes on past an alert SNS refuses for good, sets it aside after three refusals, and delivers every other', async () => {
    const { source, state, sink, run } = setup();
    await run(NOW);
    sink.refuse = (alert) =>
      alert.message.includes('poison')
        ? new AlertRefusedError('InvalidParameterException', 'Invalid parameter: Message')
        : undefined;
    source.add(
      REGION,
      record('poison', 'StopLogging', NOW + MINUTE_MS),
      record('fine', 'StopLogging', NOW + 2 * MINUTE_MS),
    );
    const first = await run(NOW + 5 * MINUTE_MS);
    expect(first.status).toBe('completed');
    expect(first.regions[0]!).toMatchObject({ outcome: 'caught-up', alertsRefused: 1, alertsSent: 1 });
    expect(state.cursors.get(REGION)!.processedUntilMs).toBe(NOW + 5 * MINUTE_MS);
    source.add(REGION, record('after', 'StopLogging', NOW + 6 * MINUTE_MS));
    const second = await run(NOW + 10 * MINUTE_MS);
    expect(second.outbox).toMatchObject({ refused: 1, setAside: 0, setAsideTotal: 0 });
    const third = await run(NOW + 15 * MINUTE_MS);
    expect(third.outbox).toMatchObject({ refused: 1, setAside: 1, setAsideTotal: 1 });
    expect(third.status).toBe('completed');
    expect(sink.published.map((a) => JSON.parse(a.message).default)).toEqual(
      [' fine', ' after'].map((s) => `stopped by alice${s}`),
    );
    // Refused for good, but kept: once SNS takes it (the hourly retry), it goes out once.
    sink.refuse = undefined;
    await run(NOW + 20 * MINUTE_MS);
    expect(sink.published).toHaveLength(2);
    const retried = await run(NOW + 80 * MINUTE_MS);
    expect(retried.outbox).toMatchObject({ recovered: 1, setAsideTotal: 0 });
    expect(sink.published.map((a) => JSON.parse(a.message).default).pop()).toBe('stopped by alice poison');
    await run(NOW + 140 * MINUTE_MS);
    expect(sink.published).toHaveLength(3);
  });

  it('sets aside an outbox entry it cannot read back, and goes on', async () => {
    const { source, state, sink, run } = setup();
    await run(NOW);
    state.outbox.set('garbled#x', {
      stored: { key: 'garbled#x', region: REGION, eventTimeMs: NOW, alert: undefined as never },
      claimant: 'old',
      claimedAtMs: 0,
      refusals: 0,
      retryAtMs: 0,
    });
    source.add(REGION, record('e1', 'StopLogging', NOW + MINUTE_MS));
    const report = await run(NOW + 5 * MINUTE_MS);
    expect(report.status).toBe('completed');
    expect(report.outbox).toMatchObject({ setAside: 1, setAsideTotal: 1 });
    // Named, so that the handler logs it with its alert id.
    expect(report.outbox.setAsideEntries).toEqual([{ key: 'garbled#x', reason: 'unreadable' }]);
    expect(sink.published).toHaveLength(1);
  });

  it('sends one message per finding when two runs both believe they hold the lease', async () => {
    const { source, state, sink, deps, clock } = setup({ repeatWindowMs: HOUR, maxAlertsPerRun: 3 });
    const settings: RunSettings = {
      regions: [REGION],
      overlapMs: HOUR,
      initialLookbackMs: HOUR,
      sliceMs: HOUR,
      minSeverity: 'high',
      maxPagesPerRun: 100,
      alertRetentionMs: 14 * 24 * HOUR,
      maxOutboxPerRun: 100,
      repeatWindowMs: HOUR,
      maxAlertsPerRun: 3,
      schedulePeriodMs: 5 * MINUTE_MS,
      lateAlertMs: 30 * MINUTE_MS,
    };
    // Both runs are granted the lease: a bug in owner matching, or a host with a wrong clock.
    const bypass: RunDeps = {
      ...deps,
      state: storesOf(
        Object.assign(Object.create(state), { acquireLease: async () => ({ acquired: true }) }),
      ),
      // SNS takes a moment: the other run meets the alert claimed and not yet sent.
      sink: {
        publish: async (alert) => {
          await new Promise((resolve) => setImmediate(resolve));
          return sink.publish(alert);
        },
      },
    };
    for (let i = 0; i < 20; i++) {
      source.add(
        REGION,
        stopBy(`s${i}`, NOW - 50 * MINUTE_MS + i * MINUTE_MS, i % 2 ? 'alice' : `user-${i}`),
      );
    }
    // Interleave the two runs page by page and call by call.
    const source2 = Object.assign(Object.create(source), {
      lookupPage: async (...args: Parameters<typeof source.lookupPage>) => {
        await new Promise((resolve) => setImmediate(resolve));
        return source.lookupPage(...args);
      },
    });
    clock.now = NOW;
    const [a, b] = await Promise.all([
      runOnce(bypass, settings, { runId: 'a', windowEndMs: NOW, deadlineMs: NOW + MINUTE_MS }),
      runOnce({ ...bypass, source: source2 }, settings, {
        runId: 'b',
        windowEndMs: NOW,
        deadlineMs: NOW + MINUTE_MS,
      }),
    ]);
    clock.now = NOW + HOUR + 5 * MINUTE_MS;
    await runOnce(deps, settings, { runId: 'c', windowEndMs: clock.now, deadlineMs: clock.now + MINUTE_MS });
    const counts = new Map<string, number>();
    for (const alert of sink.published) {
      for (const id of (JSON.parse(alert.message).default as string).split(/[ ,]/)) {
        if (/^s\d+$/.test(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
    expect(counts.size).toBe(20);
    expect(a.regions[0]!.alertsHeldElsewhere + b.regions[0]!.alertsHeldElsewhere).toBeGreaterThan(0);
  });
});

describe("a run's own notices (the organization's blind alerts)", () => {
  const notice = (id: string): Finding => {
    const parsed = normalizeRecord({
      eventID: id,
      eventName: 'StopLogging',
      eventSource: 'cloudtrail.amazonaws.com',
      eventTime: new Date(NOW - MINUTE_MS).toISOString(),
      awsRegion: REGION,
      recipientAccountId: '444455556666',
      userIdentity: { type: 'AWSService', invokedBy: 'trailwatch.internal' },
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    return new Engine([stopLogging]).evaluate(parsed.event).findings[0]!;
  };
  const input = (runId: string, at = NOW) => ({
    runId,
    windowEndMs: at,
    deadlineMs: at + 60_000,
    notices: [notice('n1')],
  });

  it('delivers them once, reads no region, and does not send the same id again', async () => {
    const { sink, deps, settings, source } = setup({ regions: [] });
    const first = await runOnce(deps, settings, input('a'));
    expect(first.status).toBe('completed');
    expect(first.regions.map((r) => [r.region, r.alertsSent])).toEqual([['notices', 1]]);
    expect(sink.published).toHaveLength(1);
    const again = await runOnce(deps, settings, input('b', NOW + 5 * MINUTE_MS));
    expect(again.regions[0]!.alertsAlreadySent).toBe(1);
    expect(sink.published).toHaveLength(1);
    expect(source.queries).toHaveLength(0);
  });

  it('keeps one SNS could not take in the outbox, and a later run delivers it', async () => {
    const { sink, deps, settings, clock } = setup({ regions: [] });
    sink.failing = new Error('SNS down');
    const failed = await runOnce(deps, settings, input('a'));
    expect(failed.status).toBe('incomplete');
    expect(failed.regions[0]!.outcome).toBe('publish-failed');
    sink.failing = undefined;
    clock.now = NOW + 5 * MINUTE_MS;
    const later = await runOnce(deps, settings, {
      runId: 'b',
      windowEndMs: clock.now,
      deadlineMs: clock.now + 60_000,
    });
    expect(later.outbox.delivered + later.outbox.recovered).toBe(1);
    expect(sink.published).toHaveLength(1);
  });
});
