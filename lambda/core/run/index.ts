// One scheduled run: lease -> repeat summaries -> outbox -> per region: slices -> events ->
// findings -> alerts -> cursor. Pure orchestration over the ports: no SDK, no environment, and
// time only from the Clock.
import { FirstSeenTracker } from '../first-seen';
import { LEASE_MS, LeaseKeeper } from '../lease';
import type { LeaseHolder } from '../ports';
import { sanitize } from '../sanitize';
import type { Finding } from '../types';
import { lagMs } from '../window';
import { RunContext } from './context';
import { PageDelivery } from './delivery';
import { drainOutputs } from './forward';
import { countSetAside, drainOutbox, queueRepeatSummaries } from './outbox';
import { RegionRun } from './region';
import {
  emptyRegion,
  emptyReport,
  errorRecord,
  type RegionOutcome,
  type RegionReport,
  type RunDeps,
  type RunInput,
  type RunReport,
  type RunSettings,
} from './types';

export { isRefusal, MAX_REFUSALS, SET_ASIDE_RETRY_MS } from './outbox';
export {
  emptyPage,
  type ScoredPage,
  type ScoredRecord,
  type Scorers,
  scoreEvent,
  scorePage,
  scoreRecord,
  settlePage,
} from './score';
export * from './types';

/** The report's pseudo-region of `RunInput.notices`. */
export const NOTICES_REGION = 'notices';

export async function runOnce(deps: RunDeps, settings: RunSettings, input: RunInput): Promise<RunReport> {
  const startedAt = deps.clock.nowMs();
  const report = emptyReport(input);
  const lease = await deps.state.runs.acquireLease({
    owner: input.runId,
    nowMs: startedAt,
    durationMs: LEASE_MS,
    expectedEndMs: input.deadlineMs,
  });
  if (!lease.acquired) return skippedRun(deps, settings, report, lease.holder, startedAt);
  const run = new RunContext(
    deps,
    settings,
    input,
    report,
    new LeaseKeeper(deps.state.runs, input.runId, () => deps.clock.nowMs(), input.deadlineMs, startedAt),
  );
  try {
    // Summaries first: they are queued in the outbox, which the drain then delivers.
    await queueRepeatSummaries(run);
    const outboxClear = await drainOutbox(run);
    const seen = new Set<string>();
    // One per run: profiles are read once and shared by the regions.
    const firstSeen = deps.scorers.firstSeen;
    const tracker = firstSeen?.enabled ? new FirstSeenTracker(deps.state.profiles, firstSeen) : undefined;
    // Recorded even when the outbox is blocked: they wait there like any undelivered alert.
    const notices = input.notices?.length ? [await deliverNotices(run, input.notices)] : [];
    report.regions = [
      ...notices,
      ...(await Promise.all(
        settings.regions.map((region) =>
          outboxClear
            ? new RegionRun(run, region, seen, tracker).run()
            : idleRegion(deps, region, 'skipped-outbox-blocked'),
        ),
      )),
    ];
    await countSetAside(run);
    // Last, so that this run's alerts go out with it; an output's failure is its own (its alarm).
    await drainOutputs(run);
  } finally {
    await deps.state.runs.releaseLease(input.runId).catch(() => undefined);
  }
  for (const r of report.regions) {
    report.totals.pages += r.pages;
    report.totals.events += r.events;
    report.totals.unwatchedEvents += r.unwatchedEvents;
    report.totals.unparseableEvents += r.unparseableEvents;
    report.totals.alertsSent += r.alertsSent;
    report.totals.digestsSent += r.digestsSent;
    report.totals.alertsFolded += r.alertsFolded;
  }
  report.totals.alertsSent += report.outbox.delivered + report.outbox.recovered;
  const healthy =
    report.outbox.failed === 0 &&
    report.outbox.error === undefined &&
    report.repeats.error === undefined &&
    report.regions.every((r) => isHealthy(r.outcome));
  report.status = healthy ? 'completed' : 'incomplete';
  report.durationMs = deps.clock.nowMs() - startedAt;
  return report;
}

/** The caller's own findings, delivered as one page of a pseudo-region `notices` (no cursor, no lag). */
async function deliverNotices(run: RunContext, notices: readonly Finding[]): Promise<RegionReport> {
  const r = emptyRegion(NOTICES_REGION, Number.NaN);
  const failure = await new PageDelivery(run, NOTICES_REGION, r).deliver(notices);
  if (failure) {
    r.outcome = failure.outcome;
    r.error = errorRecord(failure.error);
  }
  return r;
}

/** Outcomes that are normal operation: the next run simply continues. */
export function isHealthy(outcome: RegionOutcome): boolean {
  return outcome === 'caught-up' || outcome === 'page-limit' || outcome === 'time-budget';
}

/**
 * Another run holds the lease. Each region's lag is still measured against the clock, so a lease
 * that is never given up shows on the lag alarm; one held more than two schedule periods past its
 * holder's own deadline fails the invocation (the errors alarm), since no healthy run holds it so long.
 */
async function skippedRun(
  deps: RunDeps,
  settings: RunSettings,
  report: RunReport,
  holder: LeaseHolder | undefined,
  startedAt: number,
): Promise<RunReport> {
  report.status = 'skipped-lease-held';
  report.regions = await Promise.all(
    settings.regions.map((region) => idleRegion(deps, region, 'skipped-lease-held')),
  );
  if (holder) {
    const overdueMs = startedAt - holder.expectedEndMs;
    report.lease = {
      holder: sanitize(holder.owner, 128),
      untilMs: holder.untilMs,
      expectedEndMs: holder.expectedEndMs,
      overdueMs,
    };
    if (overdueMs > 2 * settings.schedulePeriodMs) {
      report.status = 'incomplete';
      report.lease.problem =
        `the run lease is held by ${report.lease.holder}, ${Math.round(overdueMs / 60_000)} min past ` +
        'its own deadline: no region is read until it lapses or is released';
    }
  }
  report.durationMs = deps.clock.nowMs() - startedAt;
  return report;
}

/** A region this run does not read: its cursor and its lag against the clock, for the lag alarm. */
async function idleRegion(deps: RunDeps, region: string, outcome: RegionOutcome): Promise<RegionReport> {
  const cursor = await deps.state.runs.getCursor(region).catch(() => undefined);
  const at = cursor?.processedUntilMs ?? Number.NaN;
  return {
    ...emptyRegion(region, at),
    outcome,
    lagMs: cursor ? lagMs(cursor, deps.clock.nowMs()) : Number.NaN,
  };
}
