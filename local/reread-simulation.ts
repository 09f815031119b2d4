// Event history as an account under load sees it, on virtual time, driving the real core (`runOnce`)
// through a schedule: events become visible late (a delay per event), each LookupEvents page takes
// the half second the API's 2 requests a second allow, and every read is recorded. The bench
// measures read amplification, capacity and late-alert times with it; the property tests check
// the re-read guarantee against it. State is in memory: the state adapters are proven elsewhere.
import { MemoryStateStore } from '../lambda/adapters/memory-state';
import { composeRunSettings } from '../lambda/compose';
import { Engine } from '../lambda/core/engine';
import type { EventSource, LookupEventRecord, LookupPage, LookupQuery } from '../lambda/core/ports';
import { storesOf } from '../lambda/core/ports';
import { type RunReport, type RunSettings, runOnce } from '../lambda/core/run';
import { emptySuppressions } from '../lambda/core/suppression';
import type { RenderedAlert } from '../lambda/core/types';
import { MINUTE_MS } from '../lambda/core/window';

export { mulberry32 as seeded } from './net';

export interface SimulatedEvent {
  readonly id: string;
  readonly timeMs: number;
  readonly visibleAtMs: number;
}

/** The API's pace: 2 requests a second per region. */
export const PAGE_MS = 500;

/** One region's Event history: newest first, 50 a page, only what is visible at the virtual now. */
export class SimulatedHistory implements EventSource {
  /** Oldest first, for binary search. */
  private readonly events: SimulatedEvent[];
  /** Virtual wall clock: a page advances it by PAGE_MS. */
  nowMs: number;
  pages = 0;
  /** Event id -> the virtual time of its first read. */
  readonly firstRead = new Map<string, number>();
  /** Every query, for the tests that look at what was read when. */
  readonly reads: Array<{ startMs: number; endMs: number; atMs: number }> = [];

  constructor(events: readonly SimulatedEvent[], startMs: number) {
    this.events = [...events].sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : 1));
    this.nowMs = startMs;
  }

  async lookupPage(_region: string, query: LookupQuery): Promise<LookupPage> {
    this.nowMs += PAGE_MS;
    this.pages += 1;
    const at = this.nowMs;
    this.reads.push({ startMs: query.startMs, endMs: query.endMs, atMs: at });
    // The token is the index below which the next page starts (same query bounds).
    let i = query.nextToken ? Number(query.nextToken) : upperBound(this.events, query.endMs) - 1;
    const out: LookupEventRecord[] = [];
    for (; i >= 0 && out.length < 50; i--) {
      const e = this.events[i]!;
      if (e.timeMs < query.startMs) {
        i = -1;
        break;
      }
      if (e.visibleAtMs > at) continue;
      out.push(record(e));
      if (!this.firstRead.has(e.id)) this.firstRead.set(e.id, at);
    }
    const more = i >= 0 && this.events[i]!.timeMs >= query.startMs;
    return { events: out, nextToken: more ? String(i) : undefined };
  }
}

/** Index of the first event later than `ms`. */
function upperBound(events: readonly SimulatedEvent[], ms: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.timeMs <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function record(e: SimulatedEvent): LookupEventRecord {
  return {
    eventId: e.id,
    eventName: 'DescribeInstances',
    eventTimeMs: e.timeMs,
    readOnly: true,
    // No rule watches it: the simulation measures reading, not scoring.
    body: `{"eventID":"${e.id}","eventName":"DescribeInstances"}`,
  };
}

/**
 * The delay mix of the benchmark: 90% of events visible within 5 minutes, 9% within 15, 1% up to
 * the overlap (uniform within each band; the first band from 30 seconds).
 */
export function delayMix(random: () => number, overlapMs: number): number {
  const band = random();
  const within = (lo: number, hi: number) => lo + random() * (hi - lo);
  if (band < 0.9) return within(0.5 * MINUTE_MS, 5 * MINUTE_MS);
  if (band < 0.99) return within(5 * MINUTE_MS, 15 * MINUTE_MS);
  return within(15 * MINUTE_MS, overlapMs);
}

/** Events at a steady rate over [fromMs, toMs), each with its delay. */
export function steadyEvents(
  eventsPerSecond: number,
  fromMs: number,
  toMs: number,
  delay: () => number,
  random: () => number,
): SimulatedEvent[] {
  const count = Math.round((eventsPerSecond * (toMs - fromMs)) / 1000);
  const events: SimulatedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const timeMs = Math.floor(fromMs + random() * (toMs - fromMs));
    events.push({ id: `e${i}`, timeMs, visibleAtMs: timeMs + Math.round(delay()) });
  }
  return events;
}

export interface ScheduleOptions {
  readonly events: readonly SimulatedEvent[];
  /** The first scheduled run; the cursor starts `initialLookbackMs` before it. */
  readonly startMs: number;
  /** Scheduled times of the runs, in order. */
  readonly ticks: readonly number[];
  readonly settings?: Partial<RunSettings>;
  /** A run's reading budget: from its start to its deadline. @default timeout 280 s - 20 s margin */
  readonly budgetMs?: number;
  /** A page cap for the i-th run only (a run stopped early); the settings' cap otherwise. */
  readonly pagesAt?: (i: number) => number | undefined;
}

export interface ScheduleResult {
  readonly history: SimulatedHistory;
  readonly reports: readonly RunReport[];
  readonly settings: RunSettings;
}

const REGION = 'eu-west-1';
const render = (): RenderedAlert => ({ subject: '', message: '{"default":""}', attributes: {} });

/** Runs the schedule: each tick at its time (or when the previous run ended, if later). */
export async function runSchedule(options: ScheduleOptions): Promise<ScheduleResult> {
  const history = new SimulatedHistory(options.events, options.startMs);
  const store = new MemoryStateStore();
  const settings = composeRunSettings({
    regions: [REGION],
    initialLookbackMs: 5 * MINUTE_MS,
    ...options.settings,
  });
  const clock = { nowMs: () => history.nowMs };
  const deps = {
    source: history,
    state: storesOf(store),
    sink: { publish: async () => 'id' },
    clock,
    scorers: { engine: new Engine([]) },
    render,
    renderDigest: render,
    suppressions: emptySuppressions(),
  };
  const budgetMs = options.budgetMs ?? 260_000;
  const reports: RunReport[] = [];
  for (const [i, tick] of options.ticks.entries()) {
    history.nowMs = Math.max(history.nowMs, tick);
    const cap = options.pagesAt?.(i);
    reports.push(
      await runOnce(deps, cap === undefined ? settings : { ...settings, maxPagesPerRun: cap }, {
        runId: `run-${i}`,
        windowEndMs: tick,
        deadlineMs: history.nowMs + budgetMs,
      }),
    );
  }
  return { history, reports, settings };
}

/** Scheduled times every `periodMs` over [fromMs, toMs]. */
export function everyPeriod(fromMs: number, toMs: number, periodMs: number): number[] {
  const ticks: number[] = [];
  for (let t = fromMs; t <= toMs; t += periodMs) ticks.push(t);
  return ticks;
}
