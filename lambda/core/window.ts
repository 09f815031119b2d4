// Cursor and window arithmetic. Pure: every time is passed in.
//
// A region's cursor says "every event with eventTime <= processedUntilMs has been scored and
// its alerts delivered". Event history is late (minutes, sometimes 45+), so each run re-reads
// an overlap before the cursor; events seen twice are harmless because alerts are keyed by
// (eventId, ruleId). A backlog is cut into slices of at most `sliceMs` of new time, oldest
// first, so the cursor can advance slice by slice. LookupEvents returns a slice newest first;
// when a run must stop inside a slice, everything newer than the oldest event seen so far is
// done, so the slice shrinks to [startMs, oldestSeenMs] and the next run resumes there with
// fresh parameters (a NextToken is only valid for the parameters it was issued with).
import type { RegionCursor, SliceProgress } from './ports';

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
/** Event history keeps 90 days; asking for older times is an error. Keep a margin of a minute. */
export const EVENT_HISTORY_MS = 90 * DAY_MS - MINUTE_MS;

export interface WindowSettings {
  /** How far before the cursor each run looks again, for late events. */
  readonly overlapMs: number;
  /** On the first run, how far back to start. */
  readonly initialLookbackMs: number;
  /** The most new time one slice covers. */
  readonly sliceMs: number;
}

/** One LookupEvents query range, inclusive at both ends, whole seconds. */
export interface Slice {
  readonly startMs: number;
  readonly endMs: number;
  /** Where the cursor goes when the slice is finished. */
  readonly completesAtMs: number;
  readonly resumed: boolean;
  /** Continue the same query from here (set only when resuming an unnarrowable slice). */
  readonly nextToken?: string | undefined;
}

/** The cursor a region starts from when it has none yet. */
export function initialCursor(region: string, nowMs: number, settings: WindowSettings): RegionCursor {
  const lookback = Math.min(settings.initialLookbackMs, EVENT_HISTORY_MS);
  return { region, processedUntilMs: floorSecond(nowMs - lookback), version: 0 };
}

/**
 * The next slice to read, or undefined when the region is caught up to `nowMs`.
 * `firstOfRun`: re-read the overlap before the cursor. Due on a run's first slice, and after a
 * resumed slice completes: its done part was read in an earlier run, so its late events are only
 * known to have been visible then. The overlap is enough: that earlier run's window end was at
 * least the slice's end, so whatever it could not see yet is within the overlap of the cursor.
 * Every slice starts at most one overlap before the cursor, so no old start is ever carried on.
 */
export function nextSlice(
  cursor: RegionCursor,
  nowMs: number,
  settings: WindowSettings,
  firstOfRun: boolean,
): Slice | undefined {
  const oldestAllowed = ceilSecond(nowMs - EVENT_HISTORY_MS);
  if (cursor.inProgress) {
    const { startMs, endMs, sliceEndMs, nextToken } = cursor.inProgress;
    const clamped = startMs < oldestAllowed;
    return {
      startMs: Math.max(startMs, oldestAllowed),
      endMs: Math.max(endMs, oldestAllowed),
      completesAtMs: sliceEndMs,
      resumed: true,
      // A token is bound to the bounds it came with; clamping them makes it useless.
      nextToken: clamped ? undefined : nextToken,
    };
  }
  const from = cursor.processedUntilMs;
  const end = floorSecond(Math.min(nowMs, from + settings.sliceMs));
  // Nothing new since the cursor (e.g. a retried invocation of the same schedule): the next
  // scheduled run re-reads the overlap anyway.
  if (end <= from) return undefined;
  const start = firstOfRun ? from - settings.overlapMs : from;
  return {
    startMs: Math.max(floorSecond(start), oldestAllowed),
    endMs: Math.max(end, oldestAllowed),
    completesAtMs: end,
    resumed: false,
  };
}

/** The cursor after a slice was read to its end and every alert in it delivered. */
export function completeSlice(cursor: RegionCursor, slice: Slice): Omit<RegionCursor, 'version'> {
  return {
    region: cursor.region,
    processedUntilMs: Math.max(cursor.processedUntilMs, slice.completesAtMs),
    ...(cursor.rereads ? { rereads: cursor.rereads } : {}),
  };
}

/**
 * The cursor after a slice was read only partly: events newer than `oldestSeenMs` are done.
 * Events at exactly `oldestSeenMs` may continue on the next page, so that second is re-read.
 * When that would not shrink the slice (everything read so far shares its newest second), the
 * slice keeps its bounds and the page token, which stays valid for the same parameters: a run
 * always makes progress, however many events share one second.
 */
export function interruptSlice(
  cursor: RegionCursor,
  slice: Slice,
  oldestSeenMs: number | undefined,
  nextToken?: string,
): Omit<RegionCursor, 'version'> {
  const inProgress = narrowedProgress(slice, oldestSeenMs, nextToken) ?? cursor.inProgress;
  return {
    region: cursor.region,
    processedUntilMs: cursor.processedUntilMs,
    ...(inProgress ? { inProgress } : {}),
    ...(cursor.rereads ? { rereads: cursor.rereads } : {}),
  };
}

/**
 * What remains of a slice read newest first and stopped early (`interruptSlice`; the sweeps behind
 * the cursor use it too): the part older than `oldestSeenMs`, or the same bounds with the page
 * token when that would not shrink it; undefined when nothing new is known (keep what was).
 */
export function narrowedProgress(
  slice: Slice,
  oldestSeenMs: number | undefined,
  nextToken?: string,
): SliceProgress | undefined {
  const narrowedEnd =
    oldestSeenMs === undefined ? slice.endMs : Math.max(slice.startMs, ceilSecond(oldestSeenMs));
  if (narrowedEnd < slice.endMs) {
    return { startMs: slice.startMs, endMs: narrowedEnd, sliceEndMs: slice.completesAtMs };
  }
  if (nextToken !== undefined) {
    return { startMs: slice.startMs, endMs: slice.endMs, sliceEndMs: slice.completesAtMs, nextToken };
  }
  return undefined;
}

/**
 * How far behind `nowMs` the region's fully processed time is: the main cursor's lag, or a sweep's
 * behind the age it keeps (`rereads.ts`), whichever is more. A sweep that falls behind leaves late
 * events unread for longer than promised: that is blindness too.
 */
export function lagMs(
  cursor: Pick<RegionCursor, 'processedUntilMs' | 'inProgress' | 'rereads'>,
  nowMs: number,
): number {
  let lag = nowMs - cursor.processedUntilMs;
  for (const sweep of cursor.rereads?.sweeps ?? []) lag = Math.max(lag, nowMs - sweep.ageMs - sweep.untilMs);
  return Math.max(0, lag);
}

export function floorSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

export function ceilSecond(ms: number): number {
  return Math.ceil(ms / 1000) * 1000;
}
