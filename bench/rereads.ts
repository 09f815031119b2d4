// Item 7: how close one region gets to LookupEvents' ceiling, with the re-reads behind the cursor
// (`lambda/core/rereads.ts`) against re-reading the whole overlap every run. The real run
// (`runOnce`) is driven through a schedule on virtual time by `local/reread-simulation.ts`: each
// page takes half a second (2 requests a second), each run has the default budget (280 s timeout
// less the 20 s margin), and events become visible late: 90% within 5 minutes, 9% within 15, 1% up
// to the overlap.

import { composeRunSettings } from '../lambda/compose';
import { MINUTE_MS } from '../lambda/core/window';
import {
  delayMix,
  everyPeriod,
  runSchedule,
  type ScheduleResult,
  seeded,
  steadyEvents,
} from '../local/reread-simulation';

const PERIOD = 5 * MINUTE_MS;

export interface LoadFigures {
  readonly eventsPerSec: number;
  /** Pages read / pages of distinct events, over the steady hours. */
  readonly readAmplification: number;
  /** The largest lag at the end of a run, over the steady hours. */
  readonly maxLagMinutes: number;
  /** First read after becoming visible: 50th, 99th percentile, and the longest. */
  readonly lateAlertMinutesP50: number;
  readonly lateAlertMinutesP99: number;
  readonly lateAlertMinutesMax: number;
  /** Events never read by the end (after the schedule ran on for the overlap and more). */
  readonly unread: number;
  /**
   * Whether lag (the main cursor's, or a sweep's behind its age) stayed under two periods, the 99th
   * percentile of late alerts within the setting, and nothing was left unread.
   */
  readonly keepsUp: boolean;
  readonly plans: readonly string[];
}

export interface RereadFigures {
  readonly apiCeilingEventsPerSec: number;
  /** At the load of the target (25 a second): the adaptive schedule. */
  readonly underLoad: LoadFigures;
  /** At a small account's load (1 a second): the whole overlap re-read, as before. */
  readonly small: LoadFigures;
  readonly smallWholeOverlap: LoadFigures;
  /** The highest steady rate that keeps up, adaptive and re-reading the whole overlap. */
  readonly capacityEventsPerSec: number;
  readonly capacityWholeOverlapEventsPerSec: number;
  readonly hours: number;
}

const LATE_ALERT_MINUTES = composeRunSettings({ regions: [] }).lateAlertMs / MINUTE_MS;
const WHOLE_OVERLAP = { fixedPlan: { recentMs: 60 * MINUTE_MS, settleMs: 0 } };

export async function measureLoad(
  eventsPerSec: number,
  hours: number,
  settings: Parameters<typeof runSchedule>[0]['settings'] = {},
): Promise<LoadFigures> {
  const random = seeded(Math.round(eventsPerSec * 1000) + 7);
  const overlapMs = composeRunSettings({ regions: [] }).overlapMs;
  const start = Date.UTC(2026, 10, 1);
  const end = start + hours * 60 * MINUTE_MS;
  const events = steadyEvents(eventsPerSec, start - PERIOD, end, () => delayMix(random, overlapMs), random);
  // The schedule runs on for twice the overlap after the last event, so that everything can be read.
  const ticks = everyPeriod(start, end + 2 * overlapMs, PERIOD);
  const result = await runSchedule({ events, startMs: start, ticks, settings });
  return figures(result, events, eventsPerSec, start, end, overlapMs);
}

function figures(
  { history, reports }: ScheduleResult,
  events: ReturnType<typeof steadyEvents>,
  eventsPerSec: number,
  start: number,
  end: number,
  overlapMs: number,
): LoadFigures {
  // Steady: from an hour in to the end of the events (the first hour fills the overlap).
  const steadyFrom = start + 60 * MINUTE_MS;
  const steadyRuns = reports.filter((r) => {
    const t = r.windowEndMs;
    return t >= steadyFrom && t <= end;
  });
  const pages = steadyRuns.reduce((sum, r) => sum + r.totals.pages, 0);
  const distinctPages = (eventsPerSec * steadyRuns.length * PERIOD) / 1000 / 50;
  const late: number[] = [];
  let unread = 0;
  for (const e of events) {
    if (e.timeMs < steadyFrom || e.timeMs > end - overlapMs) continue;
    const read = history.firstRead.get(e.id);
    if (read === undefined) unread += 1;
    else late.push((read - e.visibleAtMs) / MINUTE_MS);
  }
  late.sort((a, b) => a - b);
  const at = (q: number): number => late[Math.min(late.length - 1, Math.floor(q * late.length))] ?? 0;
  const maxLagMinutes = Math.max(0, ...steadyRuns.map((r) => (r.regions[0]?.lagMs ?? 0) / MINUTE_MS));
  const plans = [
    ...new Set(steadyRuns.map((r) => planName(r.regions[0]?.plan?.recentMs, r.regions[0]?.plan?.settleMs))),
  ];
  return {
    eventsPerSec,
    readAmplification: pages / distinctPages,
    maxLagMinutes,
    lateAlertMinutesP50: at(0.5),
    lateAlertMinutesP99: at(0.99),
    lateAlertMinutesMax: late[late.length - 1] ?? 0,
    unread,
    keepsUp: unread === 0 && maxLagMinutes < (2 * PERIOD) / MINUTE_MS && at(0.99) <= LATE_ALERT_MINUTES,
    plans,
  };
}

function planName(recentMs = 0, settleMs = 0): string {
  if (recentMs >= 60 * MINUTE_MS) return 'whole overlap';
  if (recentMs > 0) return `last ${recentMs / MINUTE_MS} min + sweeps`;
  return `sweeps, ${settleMs / MINUTE_MS} min to settle`;
}

/** The highest rate, in steps of 0.5 events a second, at which the schedule keeps up. */
async function capacity(
  low: number,
  high: number,
  hours: number,
  settings: Parameters<typeof measureLoad>[2] = {},
): Promise<number> {
  let ok = low;
  let bad = high;
  while (bad - ok > 0.5) {
    const mid = Math.round(ok + bad) / 2;
    if ((await measureLoad(mid, hours, settings)).keepsUp) ok = mid;
    else bad = mid;
  }
  return ok;
}

export async function measureRereads(hours: number): Promise<RereadFigures> {
  const underLoad = await measureLoad(25, hours);
  const small = await measureLoad(1, hours);
  const smallWholeOverlap = await measureLoad(1, hours, WHOLE_OVERLAP);
  const capacityEventsPerSec = await capacity(10, 60, hours);
  const capacityWholeOverlapEventsPerSec = await capacity(1, 10, hours, WHOLE_OVERLAP);
  return {
    apiCeilingEventsPerSec: 100,
    underLoad,
    small,
    smallWholeOverlap,
    capacityEventsPerSec,
    capacityWholeOverlapEventsPerSec,
    hours,
  };
}
