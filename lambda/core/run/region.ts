// One region within a run: slices of its window, pages of each slice, and the cursor moved only
// past what is scored and delivered (or kept in the outbox).
import type { RuleFailure } from '../engine';
import type { FirstSeenTracker } from '../first-seen';
import { CursorConflictError, type LookupPage, type RegionCursor } from '../ports';
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
    let firstOfRun = true;
    for (;;) {
      const slice = nextSlice(cursor, input.windowEndMs, settings, firstOfRun);
      firstOfRun = false;
      if (slice === undefined) {
        this.r.outcome = 'caught-up';
        break;
      }
      const read = await this.readSlice(slice);
      const next = read.complete
        ? completeSlice(cursor, slice)
        : interruptSlice(cursor, slice, read.oldestSeenMs, read.nextToken);
      // The done part of a resumed slice was read in an earlier run, perhaps before some of its
      // late events were visible: once the slice is finished, re-read the overlap before it.
      if (read.complete && slice.resumed) firstOfRun = true;
      // Every page counted in `read` is scored and its alerts delivered or kept in the outbox (a
      // page whose delivery failed is not counted), so the cursor may record it whatever stopped
      // the slice.
      try {
        if (changed(cursor, next)) cursor = await deps.state.runs.saveCursor(next, cursor);
      } catch (error) {
        return this.fail(
          error instanceof CursorConflictError ? 'cursor-conflict' : 'state-failed',
          error,
          cursor,
        );
      }
      if (read.failure) return this.fail(read.failure.outcome, read.failure.error, cursor);
    }
    return this.finish(cursor);
  }

  /** Reads one slice page by page. Stops early on a failure, the page cap or the time budget. */
  private async readSlice(slice: Slice): Promise<SliceRead> {
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
        if (t !== undefined && Number.isFinite(t) && (oldestSeenMs === undefined || t < oldestSeenMs)) {
          oldestSeenMs = t;
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
    JSON.stringify(before.inProgress ?? null) !== JSON.stringify(after.inProgress ?? null)
  );
}
