// One region within a run: slices of its window, pages of each slice, and the cursor moved only
// past what is scored and delivered (or kept in the outbox).
import type { RuleFailure } from '../engine';
import type { FirstSeenTracker } from '../first-seen';
import { CursorConflictError, type LookupPage, type RegionCursor, type RereadState } from '../ports';
import {
  afterMainRead,
  alignRereads,
  choosePlan,
  completeSweep,
  countFirstReads,
  interruptSweep,
  measuredRate,
  settledRate,
  sweepSlice,
} from '../rereads';
import { completeSlice, initialCursor, interruptSlice, lagMs, nextSlice, type Slice } from '../window';
import type { RunContext } from './context';
import { PageDelivery } from './delivery';
import { type Scorers, scorePage, settlePage } from './score';
import {
  emptyRegion,
  errorRecord,
  MAX_PROBLEMS_LISTED,
  type ProblemRecord,
  type RegionOutcome,
  type RegionReport,
} from './types';

/** How a slice's reading ended. */
interface SliceRead {
  complete: boolean;
  oldestSeenMs: number | undefined;
  /** The token for the page not yet read, when the slice stopped early. */
  nextToken?: string | undefined;
  failure?: { outcome: RegionOutcome; error?: unknown };
}

export class RegionRun {
  private readonly r: RegionReport;
  private readonly scorers: Scorers;
  private readonly delivery: PageDelivery;
  private startedMs = 0;

  constructor(
    private readonly ctx: RunContext,
    private readonly region: string,
    /** Event ids already scored in this run, across regions and slices. */
    private readonly seen: Set<string>,
    private readonly tracker: FirstSeenTracker | undefined,
  ) {
    this.r = emptyRegion(region, Number.NaN);
    const { scorers } = ctx.deps;
    // First-seen observations only when this run judges them (the checks are on).
    this.scorers = { ...scorers, firstSeen: tracker && scorers.firstSeen };
    this.delivery = new PageDelivery(ctx, region, this.r);
  }

  async run(): Promise<RegionReport> {
    const { deps, input, settings } = this.ctx;
    let cursor: RegionCursor;
    try {
      cursor =
        (await deps.state.runs.getCursor(this.region)) ??
        initialCursor(this.region, input.windowEndMs, settings);
    } catch (error) {
      return this.fail('state-failed', error, Number.NaN);
    }
    this.r.cursorBeforeMs = cursor.processedUntilMs;
    this.startedMs = this.ctx.now();
    let rereads = alignRereads(cursor.rereads, cursor.processedUntilMs, settings);
    const plan = settings.fixedPlan ?? rereads.plan;
    this.r.plan = plan;
    // The main read: new time, and as much of the recent past again as the plan says.
    const mainSettings = { ...settings, overlapMs: plan.recentMs };
    const mainEndMs = input.windowEndMs - plan.settleMs;
    // What the reads saw, for the event rate the next run plans with.
    const seen = { events: 0, spanMs: 0 };
    const measure = (slice: Slice, read: SliceRead, eventsBefore: number): void => {
      const low = read.complete ? slice.startMs : (read.oldestSeenMs ?? slice.endMs);
      seen.events += this.r.events - eventsBefore;
      seen.spanMs += Math.max(0, slice.endMs - low);
    };
    let firstOfRun = true;
    for (;;) {
      const slice = nextSlice(cursor, mainEndMs, mainSettings, firstOfRun);
      firstOfRun = false;
      if (slice === undefined) break;
      const readStartMs = this.ctx.now();
      const eventsBefore = this.r.events;
      const perMinute = new Map<number, number>();
      const read = await this.readSlice(slice, perMinute);
      measure(slice, read, eventsBefore);
      if (read.complete) rereads = this.firstReads(rereads, slice, perMinute);
      const next = read.complete
        ? completeSlice(cursor, slice)
        : interruptSlice(cursor, slice, read.oldestSeenMs, read.nextToken);
      if (read.complete && !slice.resumed) rereads = afterMainRead(rereads, slice, readStartMs);
      // The done part of a resumed slice was read in an earlier run, perhaps before some of its
      // late events were visible: once the slice is finished, re-read the recent past before it.
      if (read.complete && slice.resumed) firstOfRun = true;
      // Every page counted in `read` is scored and its alerts delivered or kept in the outbox (a
      // page whose delivery failed is not counted), so the cursor may record it whatever stopped
      // the slice.
      const saved = await this.save(cursor, { ...next, rereads });
      if ('failed' in saved) return this.fail(saved.failed, saved.error, cursor);
      cursor = saved;
      if (read.failure) return this.stopped(read.failure, cursor, rereads, seen);
    }
    // The sweeps: the time that has just reached each one's age, up to the main cursor.
    for (let i = 0; i < rereads.sweeps.length; i++) {
      for (;;) {
        const sweep = rereads.sweeps[i]!;
        const slice = sweepSlice(sweep, cursor.processedUntilMs, input.windowEndMs, settings);
        if (slice === undefined) break;
        const pagesBefore = this.r.pages;
        const perMinute = new Map<number, number>();
        const read = await this.readSlice(slice, perMinute);
        this.r.sweepPages += this.r.pages - pagesBefore;
        if (read.complete) rereads = this.firstReads(rereads, slice, perMinute);
        const moved = read.complete
          ? completeSweep(sweep, slice)
          : interruptSweep(sweep, slice, read.oldestSeenMs, read.nextToken);
        rereads = { ...rereads, sweeps: rereads.sweeps.map((s, j) => (j === i ? moved : s)) };
        const saved = await this.save(cursor, { ...cursor, rereads });
        if ('failed' in saved) return this.fail(saved.failed, saved.error, cursor);
        cursor = saved;
        if (read.failure) return this.stopped(read.failure, cursor, rereads, seen);
      }
    }
    this.r.outcome = 'caught-up';
    return this.replanned(cursor, rereads, seen);
  }

  /**
   * A read stopped. A full page budget or time budget is what a busy region looks like, and the
   * plan must follow it; any other stop leaves the plan as it was.
   */
  private async stopped(
    failure: NonNullable<SliceRead['failure']>,
    cursor: RegionCursor,
    rereads: RereadState,
    seen: { events: number; spanMs: number },
  ): Promise<RegionReport> {
    if (failure.outcome === 'page-limit' || failure.outcome === 'time-budget') {
      this.r.outcome = failure.outcome;
      if (failure.error !== undefined) this.r.error = errorRecord(failure.error);
      return this.replanned(cursor, rereads, seen, failure.outcome);
    }
    return this.fail(failure.outcome, failure.error, cursor);
  }

  /** Saves the next run's plan, from the event rate this run measured and the pages a run may read. */
  private async replanned(
    cursor: RegionCursor,
    rereads: RereadState,
    seen: { events: number; spanMs: number },
    outcome: RegionOutcome = this.r.outcome,
  ): Promise<RegionReport> {
    // The busier of two views: settled time (as old as the first sweep, nearly all of its events
    // arrived) and what this run's reads saw (quick to see a rise, but short of the newest minutes'
    // late events). Either alone makes a region near a line switch plans run after run, or react
    // half an hour late to a burst.
    const { input, settings } = this.ctx;
    const firstSweepMs = rereads.sweeps[0]?.ageMs ?? settings.overlapMs;
    const settled = settledRate(
      rereads.counts,
      input.windowEndMs - settings.overlapMs,
      input.windowEndMs - firstSweepMs,
    );
    const recent = measuredRate(seen.events, seen.spanMs, rereads.eventsPerMinute);
    const eventsPerMinute =
      settled === undefined && recent === undefined ? undefined : Math.max(settled ?? 0, recent ?? 0);
    if (eventsPerMinute === undefined) return this.finish(cursor, outcome);
    const plan = choosePlan(eventsPerMinute, this.budgetPages(), settings, rereads.plan);
    const saved = await this.save(cursor, { ...cursor, rereads: { ...rereads, plan, eventsPerMinute } });
    if ('failed' in saved) return this.fail(saved.failed, saved.error, cursor);
    return this.finish(saved, outcome);
  }

  /** Counts the events this whole read saw for the first time, by age (`countFirstReads`). */
  private firstReads(
    rereads: RereadState,
    slice: Slice,
    perMinute: ReadonlyMap<number, number>,
  ): RereadState {
    const { settings, input } = this.ctx;
    const forgetBeforeMs = input.windowEndMs - settings.overlapMs - 2 * settings.schedulePeriodMs;
    const read = { startMs: slice.startMs, endMs: slice.endMs, atMs: this.ctx.now() };
    const counts = countFirstReads(rereads.counts, read, perMinute, forgetBeforeMs, this.r.firstReadAges);
    return { ...rereads, counts };
  }

  /**
   * The pages one run may read in a region: the page cap, or what a run's time allows at 2 a
   * second, from its scheduled time to its deadline (a run started late, or a retry, is not taken
   * for the usual budget).
   */
  private budgetPages(): number {
    const { input, settings } = this.ctx;
    const byTime = Math.floor(
      Math.max(0, input.deadlineMs - Math.min(input.windowEndMs, this.startedMs)) / PAGE_INTERVAL_MS,
    );
    return Math.max(1, Math.min(settings.maxPagesPerRun, byTime));
  }

  /** Saves the cursor when it changed; what failed when it could not. */
  private async save(
    cursor: RegionCursor,
    next: Omit<RegionCursor, 'version'>,
  ): Promise<RegionCursor | { failed: RegionOutcome; error: unknown }> {
    if (!changed(cursor, next)) return cursor;
    try {
      return await this.ctx.deps.state.runs.saveCursor(next, cursor);
    } catch (error) {
      return { failed: error instanceof CursorConflictError ? 'cursor-conflict' : 'state-failed', error };
    }
  }

  /** Reads one slice page by page. Stops early on a failure, the page cap or the time budget. */
  private async readSlice(slice: Slice, perMinute?: Map<number, number>): Promise<SliceRead> {
    const { deps, input, settings } = this.ctx;
    let nextToken = slice.nextToken;
    let oldestSeenMs: number | undefined;
    let tokenRetried = false;
    const stop = (outcome: RegionOutcome, error?: unknown): SliceRead => ({
      complete: false,
      oldestSeenMs,
      nextToken,
      failure: { outcome, error },
    });
    for (;;) {
      if (this.r.pages >= settings.maxPagesPerRun) return stop('page-limit');
      if (this.ctx.now() >= input.deadlineMs) return stop('time-budget');
      try {
        await this.ctx.lease.keep();
      } catch (error) {
        return stop('lease-lost', error);
      }
      let page: LookupPage;
      try {
        page = await deps.source.lookupPage(this.region, {
          startMs: slice.startMs,
          endMs: slice.endMs,
          nextToken,
        });
      } catch (error) {
        if (isInvalidToken(error) && slice.nextToken !== undefined && !tokenRetried) {
          // A token kept from an earlier run has expired: read the slice again from its newest end.
          tokenRetried = true;
          nextToken = undefined;
          continue;
        }
        return stop('lookup-failed', error);
      }
      this.r.pages += 1;
      const scored = scorePage(page.events, this.scorers, this.seen);
      this.count(scored);
      let found: Awaited<ReturnType<typeof settlePage>>;
      try {
        found = await settlePage(scored, this.scorers.thresholds, deps.state.counters, this.tracker, () =>
          this.ctx.now(),
        );
      } catch (error) {
        // Nothing of the page is published: it is read again, and counting and profiles are idempotent.
        return stop('state-failed', error);
      }
      if (found.length > 0) deps.onFindings?.(found);
      const failure = await this.delivery.deliver(found);
      // The page whose alert failed is not done: resume from its own token next time.
      if (failure !== undefined) return stop(failure.outcome, failure.error);
      // Only after every alert of the page is delivered does the page count as done.
      for (const record of page.events) {
        const t = record.eventTimeMs;
        if (t === undefined || !Number.isFinite(t)) continue;
        if (oldestSeenMs === undefined || t < oldestSeenMs) oldestSeenMs = t;
        if (perMinute) {
          const minute = Math.floor(t / 60_000);
          perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
        }
      }
      nextToken = page.nextToken;
      if (!nextToken) return { complete: true, oldestSeenMs };
    }
  }

  /** Adds a scored page's counts and problems to the region's report. */
  private count(scored: ReturnType<typeof scorePage>): void {
    this.r.events += scored.events;
    this.r.duplicateEvents += scored.duplicates;
    this.r.unwatchedEvents += scored.unwatched;
    this.r.unparseableEvents += scored.unparseable.length;
    for (const { eventId, reason } of scored.unparseable) {
      this.problem({ kind: 'unparseable-event', region: this.region, eventId, reason });
    }
    for (const failure of scored.ruleFailures) this.ruleFailed(failure);
  }

  private ruleFailed(failure: RuleFailure): void {
    this.ctx.report.totals.ruleFailures += 1;
    this.problem({
      kind: 'rule-failed',
      region: this.region,
      eventId: failure.eventId,
      ruleId: failure.ruleId,
      reason: failure.message,
    });
  }

  private problem(problem: ProblemRecord): void {
    const problems = this.ctx.report.problems;
    if (problems.length < MAX_PROBLEMS_LISTED) problems.push(problem);
  }

  private fail(outcome: RegionOutcome, error: unknown, cursor: RegionCursor | number): RegionReport {
    this.r.outcome = outcome;
    if (error !== undefined) this.r.error = errorRecord(error);
    return typeof cursor === 'number' ? this.r : this.finish(cursor, outcome);
  }

  private finish(cursor: RegionCursor, outcome: RegionOutcome = this.r.outcome): RegionReport {
    this.r.outcome = outcome;
    this.r.cursorAfterMs = cursor.processedUntilMs;
    // Against the clock, not the window end: a stale scheduled time must not hide a region that stands still.
    this.r.lagMs = lagMs(cursor, this.ctx.now());
    return this.r;
  }
}

function isInvalidToken(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'InvalidNextTokenException';
}

function changed(before: RegionCursor, after: Omit<RegionCursor, 'version'>): boolean {
  return (
    before.processedUntilMs !== after.processedUntilMs ||
    JSON.stringify(before.inProgress ?? null) !== JSON.stringify(after.inProgress ?? null) ||
    JSON.stringify(before.rereads ?? null) !== JSON.stringify(after.rereads ?? null)
  );
}

/** LookupEvents allows 2 requests a second per region. */
const PAGE_INTERVAL_MS = 500;
