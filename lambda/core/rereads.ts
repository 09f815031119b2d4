// Which parts of the overlap a run reads again, and when. Pure: every time is passed in.
//
// The guarantee: an event with eventTime t that becomes visible at t + d, d <= overlap, is read by
// some lookup made after it became visible. Re-reading the whole overlap every run (65 minutes of
// history for 5 new minutes at the defaults) gives it, at a read amplification of 13. Here each
// point of time is read by the run that first reaches it (the main cursor, `window.ts`) and then by
// a few sweeps: trailing cursors, each reading the time that has just reached its age. Their ages
// are spaced at most `lateAlertMs` apart and the last one is the overlap, so:
//   - an event visible at v is read by the next sweep to pass, at most lateAlertMs after v (plus
//     the time a run takes to reach that sweep);
//   - every point is read once more after the whole overlap has passed: nothing visible late is
//     missed.
// With the defaults (overlap 60, lateAlertMinutes 30) the ages are 30 and 60 minutes: a point is
// read three times. How much of the recent past the main read also covers (`recentMs`) and how
// long it lets the newest events settle first (`settleMs`) is a plan chosen from the region's
// measured event rate and the run's page budget: a region whose overlap fits easily re-reads all of
// it every run, exactly as without sweeps (and the sweeps then have nothing left to read).
import type { RereadPlan, RereadState, SweepCursor } from './ports';
import { floorSecond, narrowedProgress, type Slice } from './window';

export interface RereadSettings {
  /** The longest visibility delay the detector guarantees to catch. */
  readonly overlapMs: number;
  /** How soon after it becomes visible a late event must be read. */
  readonly lateAlertMs: number;
  /** The schedule's period: reads happen at most this often. */
  readonly schedulePeriodMs: number;
  /** The most time one slice covers. */
  readonly sliceMs: number;
  /** Replaces the sweeps' ages (tests that remove one, to show what it is for). */
  readonly sweepAgesMs?: readonly number[] | undefined;
}

/** LookupEvents returns at most 50 events a page. */
export const EVENTS_PER_PAGE = 50;

/**
 * The sweeps' ages: multiples of the step (the lateness bound rounded down to whole schedule
 * periods, so that on-time runs read each point exactly that far apart), the last one the overlap.
 */
export function sweepAges(settings: RereadSettings): number[] {
  if (settings.sweepAgesMs !== undefined) return [...settings.sweepAgesMs];
  const period = Math.max(1000, settings.schedulePeriodMs);
  const step = Math.max(period, Math.floor(settings.lateAlertMs / period) * period);
  const ages: number[] = [];
  for (let age = step; age < settings.overlapMs; age += step) ages.push(age);
  ages.push(settings.overlapMs);
  return ages;
}

/** Re-reading the whole overlap every run: the plan of a region whose window fits. */
export function fullPlan(settings: RereadSettings): RereadPlan {
  return { recentMs: settings.overlapMs, settleMs: 0 };
}

/**
 * Where the sweeps of a cursor without re-read state start. Such a cursor was kept by runs that
 * re-read the whole overlap, so a point older than the cursor by a sweep's age was read at that age.
 */
export function initialRereads(processedUntilMs: number, settings: RereadSettings): RereadState {
  return {
    sweeps: sweepAges(settings).map((ageMs) => ({ ageMs, untilMs: floorSecond(processedUntilMs - ageMs) })),
    plan: fullPlan(settings),
  };
}

/**
 * The sweeps for these settings, keeping what was done: a sweep whose age is unchanged keeps its
 * place; a new age starts where the previous run's reads leave it known read (as `initialRereads`
 * says, from the main cursor). Changing the settings never skips a point.
 */
export function alignRereads(
  state: RereadState | undefined,
  processedUntilMs: number,
  settings: RereadSettings,
): RereadState {
  const fresh = initialRereads(processedUntilMs, settings);
  if (state === undefined) return fresh;
  const byAge = new Map(state.sweeps.map((sweep) => [sweep.ageMs, sweep]));
  // A sweep of a new age must not start after one that was younger's place: the older sweeps kept
  // nothing for it, so the oldest kept place is the safe start.
  const oldestKept = Math.min(...state.sweeps.map((s) => s.untilMs), Number.POSITIVE_INFINITY);
  return {
    sweeps: fresh.sweeps.map(
      (sweep) =>
        byAge.get(sweep.ageMs) ?? {
          ageMs: sweep.ageMs,
          untilMs: Math.min(sweep.untilMs, oldestKept),
        },
    ),
    plan: state.plan,
    ...(state.eventsPerMinute !== undefined ? { eventsPerMinute: state.eventsPerMinute } : {}),
    ...(state.counts !== undefined ? { counts: state.counts } : {}),
  };
}

/** The time one sweep still has to read: up to its age, and never past the main cursor. */
export function sweepSlice(
  sweep: SweepCursor,
  mainUntilMs: number,
  nowMs: number,
  settings: RereadSettings,
): Slice | undefined {
  if (sweep.inProgress) {
    const { startMs, endMs, sliceEndMs, nextToken } = sweep.inProgress;
    return { startMs, endMs, completesAtMs: sliceEndMs, resumed: true, nextToken };
  }
  const target = floorSecond(Math.min(nowMs - sweep.ageMs, mainUntilMs));
  const from = sweep.untilMs;
  const end = Math.min(target, from + settings.sliceMs);
  if (end <= from) return undefined;
  // Inclusive bounds: the second at `from` was read already, and is read again (one second).
  return { startMs: from, endMs: end, completesAtMs: end, resumed: false };
}

/** A sweep after its slice was read to the end. */
export function completeSweep(sweep: SweepCursor, slice: Slice): SweepCursor {
  return { ageMs: sweep.ageMs, untilMs: Math.max(sweep.untilMs, slice.completesAtMs) };
}

/**
 * A sweep after its slice was read in part, newest first, down to `oldestSeenMs`: what is newer is
 * done, and the rest stays to read (the same narrowing as the main cursor's, `interruptSlice`).
 */
export function interruptSweep(
  sweep: SweepCursor,
  slice: Slice,
  oldestSeenMs: number | undefined,
  nextToken?: string,
): SweepCursor {
  const inProgress = narrowedProgress(slice, oldestSeenMs, nextToken) ?? sweep.inProgress;
  return { ageMs: sweep.ageMs, untilMs: sweep.untilMs, ...(inProgress ? { inProgress } : {}) };
}

/**
 * The sweeps after the main cursor read [startMs, endMs] whole, its first page asked at
 * `readStartMs`: every point of it at least a sweep's age old by then was read at that age, so a
 * sweep whose place lies within the range moves up to there. This is what keeps a region that
 * re-reads its whole overlap from reading anything twice, and a backlog from being swept again.
 */
export function afterMainRead(state: RereadState, slice: Slice, readStartMs: number): RereadState {
  return {
    ...state,
    sweeps: state.sweeps.map((sweep) => {
      if (sweep.inProgress || sweep.untilMs < slice.startMs) return sweep;
      const reach = Math.min(slice.endMs, floorSecond(readStartMs - sweep.ageMs));
      return reach > sweep.untilMs ? { ageMs: sweep.ageMs, untilMs: reach } : sweep;
    }),
  };
}

/**
 * The next run's plan, from the region's event rate and the pages a run may read:
 * - the whole overlap every run when that costs at most half the budget (today's latency);
 * - else the last schedule period again plus the sweeps, when that fits in 70%;
 * - else the sweeps alone, the main read waiting one period for the newest events to arrive, so
 *   that most are read the first time (each point read 1 + sweeps times); no waiting when the
 *   first sweep comes one period after the main read anyway.
 * A region near a line would switch plans run after run: it moves back to a plan that reads more
 * only once that plan costs a fifth less than the line (`current`, this run's plan).
 */
export function choosePlan(
  eventsPerMinute: number,
  budgetPages: number,
  settings: RereadSettings,
  current?: RereadPlan,
): RereadPlan {
  const period = settings.schedulePeriodMs;
  const sweeps = sweepAges(settings).length;
  const pages = (spanMs: number, queries: number): number =>
    (eventsPerMinute * spanMs) / 60_000 / EVENTS_PER_PAGE + queries;
  const full = fullPlan(settings);
  const recent: RereadPlan = { recentMs: period, settleMs: 0 };
  // Settling must not delay the first read past the first sweep: an event visible at once is then
  // read within the lateness bound as well.
  const firstSweep = sweepAges(settings)[0] ?? period;
  const sweepsAlone: RereadPlan = {
    recentMs: 0,
    settleMs: Math.max(0, Math.min(period, firstSweep - period)),
  };
  const rank = (plan: RereadPlan | undefined): number =>
    plan === undefined || plan.recentMs >= full.recentMs ? 0 : plan.recentMs > 0 ? 1 : 2;
  // A plan that reads more than the current one must clear its line by a fifth.
  const margin = (rankOf: number): number => (rankOf < rank(current) ? 0.8 : 1);
  if (pages(settings.overlapMs + period, 1) <= 0.5 * budgetPages * margin(0)) return full;
  if (pages(period * (2 + sweeps), 1 + sweeps) <= 0.7 * budgetPages * margin(1)) return recent;
  return sweepsAlone;
}

/** Events per minute of event time, from what a run's main reads saw; the last figure when they saw no time. */
export function measuredRate(
  events: number,
  spanMs: number,
  previous: number | undefined,
): number | undefined {
  if (spanMs < 60_000) return previous;
  const rate = (events * 60_000) / spanMs;
  // Smoothed, so that one quiet or busy run does not swing the plan.
  return previous === undefined ? rate : 0.5 * previous + 0.5 * rate;
}

/** The age bands of the first-read histogram, in minutes: an event first read at an age of at most 5, 15, ... */
export const FIRST_READ_BANDS = [5, 15, 30, 60] as const;

/** Events first read per age band (`FIRST_READ_BANDS`, then `more`). */
export type FirstReadAges = Record<'5' | '15' | '30' | '60' | 'more', number>;

export function emptyFirstReadAges(): FirstReadAges {
  return { '5': 0, '15': 0, '30': 0, '60': 0, more: 0 };
}

/**
 * How late events are first read, from counts per minute of event time: Event history only ever
 * adds events, so a whole minute read again that now holds more events than before holds that
 * many first reads. A minute read only in part is judged only the first time (all of it is new
 * then); after that, only whole reads of it count. The age is from the middle of the minute to the
 * read. Minutes older than `forgetBeforeMs` (the overlap and two periods) are neither counted nor
 * kept: reading them first says how far behind the detector was (its lag), not how late CloudTrail
 * was. Returns the counts to keep and adds the first reads to `ages`.
 */
export function countFirstReads(
  kept: Readonly<Record<string, number>> | undefined,
  read: { readonly startMs: number; readonly endMs: number; readonly atMs: number },
  perMinute: ReadonlyMap<number, number>,
  forgetBeforeMs: number,
  ages: FirstReadAges,
): Record<string, number> {
  const next: Record<string, number> = {};
  for (const [minute, count] of Object.entries(kept ?? {})) {
    if (Number(minute) * 60_000 >= forgetBeforeMs) next[minute] = count;
  }
  const first = Math.floor(read.startMs / 60_000);
  const last = Math.floor(read.endMs / 60_000);
  for (let minute = Math.max(first, Math.ceil(forgetBeforeMs / 60_000)); minute <= last; minute++) {
    const whole = minute * 60_000 >= read.startMs && minute * 60_000 + 59_999 <= read.endMs;
    const count = perMinute.get(minute) ?? 0;
    const before = next[String(minute)];
    if (before !== undefined && !whole) continue;
    const fresh = Math.max(0, count - (before ?? 0));
    next[String(minute)] = Math.max(count, before ?? 0);
    if (fresh === 0) continue;
    const ageMin = (read.atMs - (minute * 60_000 + 30_000)) / 60_000;
    const band = FIRST_READ_BANDS.find((limit) => ageMin <= limit);
    ages[band === undefined ? 'more' : (String(band) as keyof FirstReadAges)] += fresh;
  }
  return next;
}

/**
 * Events per minute over the minutes of [fromMs, toMs] the counts hold: time old enough that
 * nearly all of its events have arrived, so that a plan that reads the newest minutes early is not
 * misled by their missing events. Undefined under ten such minutes.
 */
export function settledRate(
  counts: Readonly<Record<string, number>> | undefined,
  fromMs: number,
  toMs: number,
): number | undefined {
  let minutes = 0;
  let events = 0;
  for (const [minute, count] of Object.entries(counts ?? {})) {
    const startMs = Number(minute) * 60_000;
    if (startMs < fromMs || startMs + 60_000 > toMs) continue;
    minutes += 1;
    events += count;
  }
  return minutes >= 10 ? events / minutes : undefined;
}
