// The re-read schedule behind the cursor: its pure parts, then the guarantee itself, driven through
// the real run (`runOnce`) against a simulated Event history whose events arrive late.
import fc from 'fast-check';
import {
  afterMainRead,
  alignRereads,
  choosePlan,
  countFirstReads,
  emptyFirstReadAges,
  fullPlan,
  initialRereads,
  type RereadSettings,
  sweepAges,
  sweepSlice,
} from '../../lambda/core/rereads';
import { MINUTE_MS } from '../../lambda/core/window';
import { everyPeriod, runSchedule, type SimulatedEvent } from '../../local/reread-simulation';

const MIN = MINUTE_MS;
const DEFAULTS: RereadSettings = {
  overlapMs: 60 * MIN,
  lateAlertMs: 30 * MIN,
  schedulePeriodMs: 5 * MIN,
  sliceMs: 60 * MIN,
};
const T0 = Date.UTC(2026, 10, 1);

describe('sweep ages', () => {
  it('spaces the re-reads by the lateness bound in whole periods, the last at the overlap', () => {
    expect(sweepAges(DEFAULTS)).toEqual([30 * MIN, 60 * MIN]);
    expect(sweepAges({ ...DEFAULTS, lateAlertMs: 20 * MIN })).toEqual([20 * MIN, 40 * MIN, 60 * MIN]);
    expect(sweepAges({ ...DEFAULTS, lateAlertMs: 23 * MIN })).toEqual([20 * MIN, 40 * MIN, 60 * MIN]);
    // A bound below the schedule's period cannot be kept tighter than every run.
    expect(sweepAges({ ...DEFAULTS, lateAlertMs: 2 * MIN, overlapMs: 15 * MIN })).toEqual([
      5 * MIN,
      10 * MIN,
      15 * MIN,
    ]);
    expect(sweepAges({ ...DEFAULTS, lateAlertMs: 90 * MIN })).toEqual([60 * MIN]);
  });

  it('never leaves a gap wider than the bound, and always ends at the overlap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 5, max: 24 * 60 }),
        fc.integer({ min: 1, max: 24 * 60 }),
        (period, overlap, late) => {
          const settings = {
            ...DEFAULTS,
            schedulePeriodMs: period * MIN,
            overlapMs: overlap * MIN,
            lateAlertMs: late * MIN,
          };
          const ages = sweepAges(settings);
          expect(ages[ages.length - 1]).toBe(overlap * MIN);
          const bound = Math.max(period, Math.floor(late / period) * period) * MIN;
          [0, ...ages].slice(1).forEach((age, i) => {
            expect(age - ([0, ...ages][i] ?? 0)).toBeLessThanOrEqual(bound);
            expect(age).toBeGreaterThan([0, ...ages][i]!);
          });
        },
      ),
    );
  });
});

describe('the plan', () => {
  const budget = 520;
  it('re-reads the whole overlap while that costs at most half the budget', () => {
    // 65 minutes at 3 events a second: 234 pages.
    expect(choosePlan(3 * 60, budget, DEFAULTS)).toEqual(fullPlan(DEFAULTS));
  });
  it('goes back to a plan that reads more only once it clears the line by a fifth', () => {
    const recent = { recentMs: 5 * MIN, settleMs: 0 };
    // 4 events a second: the whole overlap costs 313 pages, past half the budget (260).
    expect(choosePlan(4 * 60, budget, DEFAULTS, fullPlan(DEFAULTS))).toEqual(recent);
    // 3 a second: 235 pages. Within the line for a region on it, not for one coming back to it
    // (208); 2.5 a second (196 pages) comes back.
    expect(choosePlan(3 * 60, budget, DEFAULTS, fullPlan(DEFAULTS))).toEqual(fullPlan(DEFAULTS));
    expect(choosePlan(3 * 60, budget, DEFAULTS, recent)).toEqual(recent);
    expect(choosePlan(2.5 * 60, budget, DEFAULTS, recent)).toEqual(fullPlan(DEFAULTS));
  });

  it('then the last period and the sweeps, then the sweeps alone after a period to settle', () => {
    expect(choosePlan(10 * 60, budget, DEFAULTS)).toEqual({ recentMs: 5 * MIN, settleMs: 0 });
    expect(choosePlan(25 * 60, budget, DEFAULTS)).toEqual({ recentMs: 0, settleMs: 5 * MIN });
  });
});

describe('sweeps and the main read', () => {
  it('a main read of the whole overlap carries every sweep with it: nothing is read twice', () => {
    const state = initialRereads(T0, DEFAULTS);
    const now = T0 + 5 * MIN;
    const slice = { startMs: T0 - 60 * MIN, endMs: now, completesAtMs: now, resumed: false };
    const after = afterMainRead(state, slice, now + 1000);
    for (const sweep of after.sweeps) {
      expect(sweepSlice(sweep, now, now, DEFAULTS)).toBeUndefined();
    }
  });

  it('a sweep reads only what has reached its age, and never past the main cursor', () => {
    const [young] = initialRereads(T0, DEFAULTS).sweeps;
    const slice = sweepSlice(young!, T0 + 10 * MIN, T0 + 40 * MIN, DEFAULTS)!;
    expect(slice).toMatchObject({ startMs: T0 - 30 * MIN, endMs: T0 + 10 * MIN });
    expect(sweepSlice(young!, T0 - 40 * MIN, T0 + 40 * MIN, DEFAULTS)).toBeUndefined();
  });

  it('a main read does not move a sweep whose place it did not cover', () => {
    const state = initialRereads(T0, DEFAULTS);
    const slice = { startMs: T0, endMs: T0 + 5 * MIN, completesAtMs: T0 + 5 * MIN, resumed: false };
    expect(afterMainRead(state, slice, T0 + 120 * MIN)).toEqual(state);
  });

  it('new settings keep every sweep place that is still meaningful and never skip time', () => {
    const state = { ...initialRereads(T0, DEFAULTS), eventsPerMinute: 600 };
    const tighter = alignRereads(state, T0 + 30 * MIN, { ...DEFAULTS, lateAlertMs: 20 * MIN });
    expect(tighter.sweeps.map((s) => s.ageMs)).toEqual([20 * MIN, 40 * MIN, 60 * MIN]);
    // The 60-minute sweep keeps its place; the new ones start no later than the oldest kept place.
    expect(tighter.sweeps[2]).toEqual(state.sweeps[1]);
    for (const sweep of tighter.sweeps) expect(sweep.untilMs).toBeLessThanOrEqual(T0 - 30 * MIN);
    expect(tighter.eventsPerMinute).toBe(600);
  });
});

/** Every event read after it became visible; for each, how long after. */
function readAfterVisible(events: readonly SimulatedEvent[], firstRead: ReadonlyMap<string, number>) {
  const unread = events.filter((e) => !firstRead.has(e.id));
  const late = events.map((e) => (firstRead.get(e.id) ?? Number.POSITIVE_INFINITY) - e.visibleAtMs);
  return { unread, late };
}

describe('the guarantee, through the real run', () => {
  const settingsArb = fc.record({
    overlapMin: fc.constantFrom(15, 30, 60),
    lateMin: fc.constantFrom(5, 10, 20, 30),
  });

  it('reads every event after it became visible, whatever the schedule, the delays and the stops', async () => {
    await fc.assert(
      fc.asyncProperty(
        settingsArb,
        fc.array(
          fc.record({
            atSec: fc.integer({ min: 0, max: 4 * 3600 }),
            delayFrac: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          { minLength: 1, maxLength: 120 },
        ),
        // Runs: each skipped, late, or stopped early by a small page cap or budget.
        fc.array(
          fc.record({
            skip: fc.boolean(),
            lateSec: fc.integer({ min: 0, max: 600 }),
            pages: fc.integer({ min: 1, max: 4 }),
          }),
          {
            minLength: 48,
            maxLength: 48,
          },
        ),
        fc.integer({ min: 0, max: 2000 }),
        async ({ overlapMin, lateMin }, points, runs, extraPerHour) => {
          const overlapMs = overlapMin * MIN;
          const events: SimulatedEvent[] = points.map((p, i) => ({
            id: `p${i}`,
            timeMs: T0 + p.atSec * 1000,
            // Up to the overlap, inclusive: the longest delay the guarantee covers.
            visibleAtMs: T0 + p.atSec * 1000 + Math.round(p.delayFrac * overlapMs),
          }));
          // A steady background so that pages fill and stops fall inside slices.
          for (let i = 0; i < extraPerHour * 4; i++) {
            const timeMs = T0 + Math.floor((i * 3600_000) / extraPerHour);
            events.push({ id: `b${i}`, timeMs, visibleAtMs: timeMs + (i % 7) * MIN });
          }
          const faulty = runs.flatMap((r, i) =>
            r.skip ? [] : [{ at: T0 + i * 5 * MIN + r.lateSec * 1000, pages: r.pages }],
          );
          // Then on-time runs with their full budget until everything had time to be read.
          const tail = everyPeriod(T0 + 4 * 3600_000, T0 + 4 * 3600_000 + overlapMs + 3 * 3600_000, 5 * MIN);
          const { history } = await runScheduleWithStops(events, faulty, tail, {
            overlapMs,
            lateAlertMs: lateMin * MIN,
          });
          expect(readAfterVisible(events, history.firstRead).unread.map((e) => e.id)).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);

  it('with runs on time and within capacity, reads every late event within the bound plus a run’s reading time', async () => {
    await fc.assert(
      fc.asyncProperty(
        settingsArb,
        fc.array(
          fc.record({
            atSec: fc.integer({ min: 0, max: 2 * 3600 }),
            delayFrac: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          { minLength: 1, maxLength: 200 },
        ),
        fc.double({ min: 0, max: 0.8, noNaN: true }),
        async ({ overlapMin, lateMin }, points, load) => {
          const overlapMs = overlapMin * MIN;
          const settings = { overlapMs, lateAlertMs: lateMin * MIN, initialLookbackMs: 5 * MIN };
          const events: SimulatedEvent[] = points.map((p, i) => ({
            id: `p${i}`,
            timeMs: T0 + p.atSec * 1000,
            visibleAtMs: T0 + p.atSec * 1000 + Math.round(p.delayFrac * overlapMs),
          }));
          // Background load, up to 80% of what the sweeps can read in a run's 520 pages.
          const reads = 1 + sweepAges({ ...DEFAULTS, ...settings }).length;
          const perSecond = (load * 520 * 50) / (300 * reads);
          const n = Math.floor(perSecond * 2 * 3600);
          for (let i = 0; i < n; i++) {
            const timeMs = T0 + Math.floor((i * 2 * 3600_000) / n);
            events.push({ id: `b${i}`, timeMs, visibleAtMs: timeMs + 60_000 });
          }
          const ticks = everyPeriod(T0, T0 + 2 * 3600_000 + overlapMs + 3600_000, 5 * MIN);
          const { history } = await runSchedule({ events, startMs: T0, ticks, settings });
          const mine = events.filter((e) => e.id.startsWith('p'));
          const { unread, late } = readAfterVisible(mine, history.firstRead);
          expect(unread).toEqual([]);
          // The bound in whole periods (as the sweeps space it), plus the longest a run reads.
          const bound = Math.max(5, Math.floor(lateMin / 5) * 5) * MIN + 260_000;
          expect(Math.max(...late)).toBeLessThanOrEqual(bound);
        },
      ),
      { numRuns: 20 },
    );
  }, 300_000);
});

describe('what each re-read is for', () => {
  // A busy region (20 events a second: the sweeps alone re-read) and three late events.
  const busy = (): SimulatedEvent[] => {
    const events: SimulatedEvent[] = [];
    const n = 20 * 3 * 3600;
    for (let i = 0; i < n; i++) {
      const timeMs = T0 + Math.floor((i * 3 * 3600_000) / n);
      events.push({ id: `b${i}`, timeMs, visibleAtMs: timeMs + 60_000 });
    }
    const at = T0 + 90 * MIN;
    events.push(
      { id: 'twenty-minutes-late', timeMs: at, visibleAtMs: at + 20 * MIN },
      { id: 'fifty-minutes-late', timeMs: at + 1000, visibleAtMs: at + 1000 + 50 * MIN },
      { id: 'an-hour-late', timeMs: at + 2000, visibleAtMs: at + 2000 + 60 * MIN },
    );
    return events;
  };
  const late = ['twenty-minutes-late', 'fifty-minutes-late', 'an-hour-late'];
  const ticks = everyPeriod(T0, T0 + 5 * 3600_000, 5 * MIN);

  it('reads every late event with the default sweeps', async () => {
    const { history, reports } = await runSchedule({ events: busy(), startMs: T0, ticks });
    expect(late.filter((id) => !history.firstRead.has(id))).toEqual([]);
    // Two hours in, the region is busy: the sweeps alone re-read, after a period to settle.
    expect(reports[24]!.regions[0]!.plan).toEqual({ recentMs: 0, settleMs: 5 * MIN });
    expect(reports.reduce((sum, r) => sum + r.regions[0]!.sweepPages, 0)).toBeGreaterThan(0);
  });

  it('misses the events later than the last sweep when the read after the overlap is removed', async () => {
    const { history } = await runSchedule({
      events: busy(),
      startMs: T0,
      ticks,
      settings: { sweepAgesMs: [30 * MIN] },
    });
    expect(late.filter((id) => !history.firstRead.has(id))).toEqual(['fifty-minutes-late', 'an-hour-late']);
  });
});

/** Faulty runs (each with a page cap of a few pages), then on-time runs with the full budget. */
function runScheduleWithStops(
  events: SimulatedEvent[],
  faulty: ReadonlyArray<{ at: number; pages: number }>,
  tail: readonly number[],
  settings: { overlapMs: number; lateAlertMs: number },
) {
  return runSchedule({
    events,
    startMs: T0,
    ticks: [...faulty.map((f) => f.at), ...tail],
    // The first run, however late, starts reading before the first event.
    settings: { ...settings, initialLookbackMs: 6 * 60 * MIN },
    pagesAt: (i) => (i < faulty.length ? faulty[i]!.pages : undefined),
  });
}

describe('how late events are first read', () => {
  it('counts each event once, at the read that first sees it, from whole minutes read again', () => {
    const ages = emptyFirstReadAges();
    const minute = Math.floor(T0 / MIN);
    // The first read covers minute 0 whole and minute 1 in part: all 5 events are first reads.
    let kept = countFirstReads(
      undefined,
      { startMs: T0, endMs: T0 + 90_000, atMs: T0 + 2 * MIN },
      new Map([
        [minute, 3],
        [minute + 1, 2],
      ]),
      T0 - 60 * MIN,
      ages,
    );
    expect(ages).toEqual({ '5': 5, '15': 0, '30': 0, '60': 0, more: 0 });
    // Twenty minutes later both minutes are read whole: 1 and 3 events arrived since.
    kept = countFirstReads(
      kept,
      { startMs: T0 - MIN, endMs: T0 + 5 * MIN, atMs: T0 + 22 * MIN },
      new Map([
        [minute, 4],
        [minute + 1, 5],
      ]),
      T0 - 60 * MIN,
      ages,
    );
    expect(ages).toEqual({ '5': 5, '15': 0, '30': 4, '60': 0, more: 0 });
    // A read of part of a minute seen before tells nothing new; minutes past the overlap are forgotten.
    kept = countFirstReads(
      kept,
      { startMs: T0 + 30_000, endMs: T0 + 5 * MIN, atMs: T0 + 23 * MIN },
      new Map([[minute, 9]]),
      T0 + MIN,
      ages,
    );
    expect(ages).toEqual({ '5': 5, '15': 0, '30': 4, '60': 0, more: 0 });
    expect(kept[String(minute)]).toBeUndefined();
    expect(kept[String(minute + 1)]).toBe(5);
  });

  it('reports the delay mix of a run through the schedule', async () => {
    const events: SimulatedEvent[] = [];
    for (let i = 0; i < 600; i++) {
      const timeMs = T0 + i * 6000;
      const delay = i % 10 === 0 ? 25 * MIN : 2 * MIN;
      events.push({ id: `e${i}`, timeMs, visibleAtMs: timeMs + delay });
    }
    const { reports } = await runSchedule({
      events,
      startMs: T0,
      ticks: everyPeriod(T0, T0 + 3 * 3600_000, 5 * MIN),
    });
    const total = emptyFirstReadAges();
    for (const r of reports)
      for (const [band, n] of Object.entries(r.regions[0]!.firstReadAges))
        total[band as keyof typeof total] += n;
    // Each event is counted once; the 60 that arrived 25 minutes late are first read 25 to 35 minutes after their time.
    expect(Object.values(total).reduce((a, b) => a + b, 0)).toBe(600);
    expect(total['30'] + total['60']).toBe(60);
  });
});
