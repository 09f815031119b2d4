// One scheduled run: lease -> repeat summaries -> outbox -> per region: slices -> events ->
// findings -> alerts -> cursor. Pure orchestration over the ports: no SDK, no environment, and
// time only from the Clock.
import type {
  AlertSink,
  ClaimResult,
  Clock,
  EventSource,
  FoldResult,
  LeaseHolder,
  LookupEventRecord,
  PendingAlert,
  RegionCursor,
  StateStore,
  StoredAlert,
} from '../ports';
import { CursorConflictError } from '../ports';
import type { RepeatsOf } from './alert';
import type { Engine, Evaluation, RuleFailure } from './engine';
import { parseCloudTrailEvent, parseRecordHead } from './event';
import { type FirstSeen, FirstSeenTracker, type Observation } from './first-seen';
import { claimAt, claimLapsed, LEASE_MS, LeaseKeeper, LeaseLostError, PUBLISH_WITHIN_MS } from './lease';
import { alertKeyOf, findingsOf, memberOf, repeatGroupOf, summaryKeyOf } from './repeats';
import { sanitize } from './sanitize';
import type { SuppressionList } from './suppression';
import type { ThresholdCandidates, ThresholdEngine, ThresholdHit } from './threshold';
import { atLeast, type Finding, type RenderedAlert, SEVERITIES, type Severity } from './types';
import {
  completeSlice,
  initialCursor,
  interruptSlice,
  lagMs,
  nextSlice,
  type Slice,
  type WindowSettings,
} from './window';

export interface RunSettings extends WindowSettings {
  readonly regions: readonly string[];
  /** Findings at or above this severity are published; the rest are only reported. */
  readonly minSeverity: Severity;
  /** Per region and run: a ceiling on LookupEvents pages (and so on cost and duration). */
  readonly maxPagesPerRun: number;
  /** How long idempotency records live (DynamoDB TTL); must exceed overlap + the longest delay. */
  readonly alertRetentionMs: number;
  /** Pending alerts re-sent at the start of a run, at most. */
  readonly maxOutboxPerRun: number;
  /**
   * Individual messages per run. Past it, the rest of a page's alerts go out as one digest, so a
   * burst pages once instead of N times.
   */
  readonly maxAlertsPerRun: number;
  /**
   * Repeats of a finding (the same rule, subject and actor, no more severe than the first) within
   * this fixed window are folded: the first is alerted at once, the rest go out as one summary at
   * the first run after the window has ended. 0 turns folding off.
   */
  readonly repeatWindowMs: number;
  /** How often the schedule runs: a lease held this long past its holder's deadline is reported. */
  readonly schedulePeriodMs: number;
}

export interface RunDeps {
  readonly source: EventSource;
  readonly state: StateStore;
  readonly sink: AlertSink;
  /** Wall clock: budgets, lease and record expiry. */
  readonly clock: Clock;
  readonly engine: Engine;
  readonly render: (finding: Finding, related: readonly Finding[]) => RenderedAlert;
  readonly renderDigest: (findings: readonly Finding[], repeatsOf?: RepeatsOf) => RenderedAlert;
  /** Findings a reviewed suppression list says not to alert on; they are still reported. */
  readonly suppressions: SuppressionList;
  /** Threshold rules, counted once per event in the state table; none when absent. */
  readonly thresholds?: ThresholdEngine | undefined;
  /** First-seen detections over principal profiles in the state table; none when absent. */
  readonly firstSeen?: FirstSeen | undefined;
}

export interface RunInput {
  readonly runId: string;
  /** The end of the window: the scheduled time of this invocation, never after the clock's now. */
  readonly windowEndMs: number;
  /** Wall-clock time by which the run must have stopped reading and saved its cursor. */
  readonly deadlineMs: number;
}

export type RegionOutcome =
  | 'caught-up'
  | 'page-limit'
  | 'time-budget'
  | 'lookup-failed'
  | 'publish-failed'
  | 'state-failed'
  | 'cursor-conflict'
  | 'lease-lost'
  | 'skipped-outbox-blocked'
  | 'skipped-lease-held';

export interface RegionReport {
  region: string;
  outcome: RegionOutcome;
  pages: number;
  events: number;
  duplicateEvents: number;
  /** Read and counted but left unparsed: no rule looks at their name or body (see `scoreRecord`). */
  unwatchedEvents: number;
  unparseableEvents: number;
  findings: number;
  /** Findings at or above the threshold that a suppression entry kept from alerting. */
  suppressed: number;
  /** Findings delivered, individually or inside a digest. */
  alertsSent: number;
  /** Findings folded into a repeat group by this run (delivered later, in its summary). */
  alertsFolded: number;
  digestsSent: number;
  alertsAlreadySent: number;
  /** Alerts recorded and claimed by another run that is still within its claim: it publishes them. */
  alertsHeldElsewhere: number;
  /** Alerts SNS refused for good this run: kept in the outbox, set aside after a few refusals. */
  alertsRefused: number;
  cursorBeforeMs: number;
  cursorAfterMs: number;
  /** How far the fully processed time trails the clock (not the window end: that may be stale). */
  lagMs: number;
  error?: string;
}

export interface FindingRecord {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly eventId: string;
  readonly eventName: string;
  readonly eventTime: string;
  readonly region: string;
  readonly actor: string;
  readonly alerted: boolean;
  /** The suppression entry that kept it from alerting, if any. */
  readonly suppressedBy?: string;
  /** Folded into its repeat group: it goes out in the group's summary, not on its own. */
  readonly folded?: true;
}

export interface ProblemRecord {
  readonly kind: 'unparseable-event' | 'rule-failed';
  readonly region: string;
  readonly eventId: string;
  readonly ruleId?: string;
  readonly reason: string;
}

export interface OutboxReport {
  pendingFound: number;
  delivered: number;
  /** Transient failures (SNS unavailable, throttled): the drain stopped there. */
  failed: number;
  /** Entries under another run's fresh claim, left to it. */
  held: number;
  /** Permanent refusals counted this run. */
  refused: number;
  /** Entries set aside this run (refused too often, or unreadable). */
  setAside: number;
  /** Set-aside entries delivered on their hourly retry. */
  recovered: number;
  /** Entries set aside in the table after this run (a gauge for the AlertsSetAside alarm). */
  setAsideTotal: number;
  /** The entries set aside this run, with why (bounded list; `setAside` is exact). */
  setAsideEntries: Array<{ key: string; reason: string }>;
  error?: string;
}

export interface RunReport {
  runId: string;
  status: 'completed' | 'incomplete' | 'skipped-lease-held';
  windowEndMs: number;
  durationMs: number;
  outbox: OutboxReport;
  /** When the lease was held by another run: who, until when, and how far past its own deadline. */
  lease?: { holder: string; untilMs: number; expectedEndMs: number; overdueMs: number; error?: string };
  /** Repeat groups whose window ended: closed, and their summaries queued in the outbox. */
  repeats: { groupsClosed: number; summariesQueued: number; error?: string };
  regions: RegionReport[];
  totals: {
    pages: number;
    events: number;
    unwatchedEvents: number;
    unparseableEvents: number;
    ruleFailures: number;
    findingsBySeverity: Record<Severity, number>;
    alertsSent: number;
    digestsSent: number;
    alertsFolded: number;
  };
  /** Every finding, alerted or not, so thresholds can be changed without losing history. */
  findings: FindingRecord[];
  /** Bounded list of odd events and rule failures (the counts above are exact). */
  problems: ProblemRecord[];
}

const MAX_PROBLEMS_LISTED = 100;
/** Counter writes in flight at once while counting a page's threshold hits. */
const COUNT_CONCURRENCY = 10;

/** Outbox entries a run sets aside after this many permanent refusals by SNS. */
export const MAX_REFUSALS = 3;
/** Set-aside alerts are retried this often, a few per run, until SNS takes them. */
export const SET_ASIDE_RETRY_MS = 60 * 60_000;
const SET_ASIDE_RETRIES_PER_RUN = 10;

/** What every part of one run shares: its identity, its lease and its clock. */
class RunContext {
  /** Alerts SNS refused for good in this run: not tried again until a later run. */
  readonly refusedKeys = new Set<string>();

  constructor(
    readonly deps: RunDeps,
    readonly settings: RunSettings,
    readonly input: RunInput,
    readonly report: RunReport,
    readonly lease: LeaseKeeper,
  ) {}

  now(): number {
    return this.deps.clock.nowMs();
  }

  /** Renews the lease when due, then returns a claim made now. Throws LeaseLostError. */
  async claim() {
    await this.lease.keep();
    return claimAt(this.input.runId, this.now());
  }
}

export async function runOnce(deps: RunDeps, settings: RunSettings, input: RunInput): Promise<RunReport> {
  const startedAt = deps.clock.nowMs();
  const report = emptyReport(input);
  const lease = await deps.state.acquireLease({
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
    new LeaseKeeper(deps.state, input.runId, () => deps.clock.nowMs(), input.deadlineMs, startedAt),
  );
  try {
    const budget: AlertBudget = { remaining: settings.maxAlertsPerRun };
    // Summaries first: they are queued in the outbox, which the drain then delivers.
    await queueRepeatSummaries(run);
    const outboxClear = await drainOutbox(run, budget);
    const seen = new Set<string>();
    // One per run: profiles are read once and shared by the regions.
    const tracker = deps.firstSeen?.enabled ? new FirstSeenTracker(deps.state, deps.firstSeen) : undefined;
    report.regions = await Promise.all(
      settings.regions.map((region) =>
        outboxClear
          ? new RegionRun(run, region, seen, budget, tracker).run()
          : idleRegion(deps, region, 'skipped-outbox-blocked'),
      ),
    );
    await countSetAside(run);
  } finally {
    await deps.state.releaseLease(input.runId).catch(() => undefined);
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

/** Outcomes that are normal operation: the next run simply continues. */
function isHealthy(outcome: RegionOutcome): boolean {
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
      report.lease.error =
        `the run lease is held by ${report.lease.holder}, ${Math.round(overdueMs / 60_000)} min past ` +
        'its own deadline: no region is read until it lapses or is released';
    }
  }
  report.durationMs = deps.clock.nowMs() - startedAt;
  return report;
}

/** A region this run does not read: its cursor and its lag against the clock, for the lag alarm. */
async function idleRegion(deps: RunDeps, region: string, outcome: RegionOutcome): Promise<RegionReport> {
  const cursor = await deps.state.getCursor(region).catch(() => undefined);
  const at = cursor?.processedUntilMs ?? Number.NaN;
  return {
    ...emptyRegion(region, at),
    outcome,
    lagMs: cursor ? lagMs(cursor, deps.clock.nowMs()) : Number.NaN,
  };
}

/** An alert this run has claimed and is to publish. */
interface Due {
  readonly stored: StoredAlert;
  readonly finding: Finding;
  /** When this run's claim on it was made (its clock). */
  readonly claimedAtMs: number;
}

/** Individual messages left in this run, shared by the outbox and every region. */
interface AlertBudget {
  remaining: number;
}

/** True for a refusal that sending again unchanged cannot fix (see AlertRefusedError). */
export function isRefusal(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'AlertRefusedError';
}

/**
 * Counts a permanent refusal of the alert and sets it aside once it has been refused
 * MAX_REFUSALS times. Returns true when it was set aside.
 */
async function refused(run: RunContext, key: string, error: unknown): Promise<boolean> {
  const reason = describe(error);
  run.refusedKeys.add(key);
  const refusals = await run.deps.state.recordRefusal(key, reason, run.now());
  run.report.outbox.refused += 1;
  if (refusals < MAX_REFUSALS) return false;
  await setAside(run, key, reason);
  return true;
}

async function setAside(run: RunContext, key: string, reason: string): Promise<void> {
  await run.deps.state.setAside(key, reason, run.now(), run.now() + SET_ASIDE_RETRY_MS);
  run.report.outbox.setAside += 1;
  if (run.report.outbox.setAsideEntries.length < MAX_PROBLEMS_LISTED) {
    run.report.outbox.setAsideEntries.push({ key: sanitize(key, 200), reason: sanitize(reason, 500) });
  }
}

/**
 * Re-sends alerts that an earlier run recorded but could not deliver, within the run's budget of
 * individual messages; the rest are found again by the regions' re-read and go out in a digest.
 * An entry under another run's fresh claim is left to that run. A permanent refusal is counted on
 * the entry and the drain goes on; an entry refused MAX_REFUSALS times, or unreadable, is set
 * aside. False if SNS fails transiently (or the table does): the regions then wait for it.
 */
async function drainOutbox(run: RunContext, budget: AlertBudget): Promise<boolean> {
  const { deps, settings, report } = run;
  try {
    const pending = await deps.state.listPending(settings.maxOutboxPerRun);
    report.outbox.pendingFound = pending.length;
    for (const entry of pending) {
      if (entry.alert === undefined) {
        await setAside(run, entry.key, entry.unreadable ?? 'unreadable');
        continue;
      }
      if (!claimLapsed(claimAt(run.input.runId, run.now()), entry.claimant, entry.claimedAtMs)) {
        report.outbox.held += 1;
        continue;
      }
      if (budget.remaining <= 0) break;
      const claim = await deps.state.reclaimAlert(entry.key, await run.claim());
      if (claim !== 'resumed') {
        if (claim === 'held') report.outbox.held += 1;
        continue;
      }
      budget.remaining -= 1;
      const outcome = await send(run, entry);
      if (outcome === 'failed') return false;
      if (outcome === 'sent') report.outbox.delivered += 1;
    }
    await retrySetAside(run);
    return true;
  } catch (error) {
    report.outbox.failed += 1;
    report.outbox.error = `${error instanceof LeaseLostError ? '' : 'the outbox: '}${describe(error)}`;
    return false;
  }
}

/** Publishes one outbox entry this run has claimed: 'sent', 'refused' (counted) or 'failed'. */
async function send(run: RunContext, entry: PendingAlert): Promise<'sent' | 'refused' | 'failed'> {
  try {
    const messageId = await run.deps.sink.publish(entry.alert!);
    await run.deps.state.markSent(entry.key, messageId, run.now());
    return 'sent';
  } catch (error) {
    if (isRefusal(error)) {
      await refused(run, entry.key, error);
      return 'refused';
    }
    run.report.outbox.failed += 1;
    run.report.outbox.error = `re-sending ${sanitize(entry.key, 200)} failed: ${describe(error)}`;
    return 'failed';
  }
}

/**
 * Retries a few set-aside alerts whose hour has come (taking one pushes its next retry an hour
 * on, so two runs never retry the same one): a key re-enabled or a policy fixed, and they go out.
 */
async function retrySetAside(run: RunContext): Promise<void> {
  const due = await run.deps.state.takeSetAsideDue(
    run.now(),
    run.now() + SET_ASIDE_RETRY_MS,
    SET_ASIDE_RETRIES_PER_RUN,
  );
  for (const entry of due) {
    if (entry.alert === undefined) continue;
    await run.lease.keep();
    try {
      const messageId = await run.deps.sink.publish(entry.alert);
      await run.deps.state.markSent(entry.key, messageId, run.now());
      run.report.outbox.recovered += 1;
    } catch (error) {
      // Still refused, or SNS unavailable: it stays aside and is tried again in an hour.
      if (!isRefusal(error)) return;
    }
  }
}

/** The number of set-aside alerts, for the AlertsSetAside metric; a failed count is reported. */
async function countSetAside(run: RunContext): Promise<void> {
  try {
    run.report.outbox.setAsideTotal = await run.deps.state.countSetAside();
  } catch (error) {
    run.report.outbox.setAsideTotal = Number.NaN;
    run.report.outbox.error ??= `counting set-aside alerts failed: ${describe(error)}`;
  }
}

/** Event times for sorting: an event without one goes last. */
function timeOrder(ms: number): number {
  return Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER;
}

/** Repeat groups closed per run, at most; the rest wait for the next run. */
const MAX_REPEAT_GROUPS_PER_RUN = 25;

/**
 * Closes the repeat groups whose window has ended and queues each group's summary in the outbox,
 * in the same transaction as the group's removal; the drain then sends it in this same run. A
 * repeat that becomes visible after its group closed leads a group of its own and is alerted at
 * once, so nothing waits for the overlap: a folded finding goes out at most one window and two
 * schedule periods after it became visible.
 */
async function queueRepeatSummaries(run: RunContext): Promise<void> {
  const { deps, settings, input, report } = run;
  if (settings.repeatWindowMs <= 0) return;
  try {
    const ended = await deps.state.listEndedRepeats(input.windowEndMs, MAX_REPEAT_GROUPS_PER_RUN);
    for (const group of ended) {
      const findings = findingsOf(group);
      const summary: StoredAlert | undefined =
        findings.length === 0
          ? undefined
          : {
              key: summaryKeyOf(group),
              region: findings[0]!.event.awsRegion,
              eventTimeMs: group.windowEndMs,
              alert: deps.renderDigest(findings, {
                leadAlertKey: group.leadAlertKey,
                windowStartMs: group.windowStartMs,
                windowEndMs: group.windowEndMs,
              }),
            };
      await deps.state.closeRepeatGroup(group, summary, await run.claim());
      report.repeats.groupsClosed += 1;
      if (summary) report.repeats.summariesQueued += 1;
    }
  } catch (error) {
    report.repeats.error = `closing repeat groups failed: ${describe(error)}`;
  }
}

class RegionRun {
  private readonly r: RegionReport;
  private readonly scorers: Scorers;
  private readonly deps: RunDeps;
  private readonly settings: RunSettings;
  private readonly input: RunInput;
  private readonly report: RunReport;

  constructor(
    private readonly ctx: RunContext,
    private readonly region: string,
    /** Event ids already scored in this run, across regions and slices. */
    private readonly seen: Set<string>,
    private readonly budget: AlertBudget,
    private readonly tracker: FirstSeenTracker | undefined,
  ) {
    ({ deps: this.deps, settings: this.settings, input: this.input, report: this.report } = ctx);
    this.r = emptyRegion(region, Number.NaN);
    // First-seen observations only when this run judges them (the checks are on).
    this.scorers = {
      engine: this.deps.engine,
      thresholds: this.deps.thresholds,
      firstSeen: tracker && this.deps.firstSeen,
    };
  }

  async run(): Promise<RegionReport> {
    let cursor: RegionCursor;
    try {
      cursor =
        (await this.deps.state.getCursor(this.region)) ??
        initialCursor(this.region, this.input.windowEndMs, this.settings);
    } catch (error) {
      return this.fail('state-failed', error, Number.NaN);
    }
    this.r.cursorBeforeMs = cursor.processedUntilMs;
    let firstOfRun = true;
    for (;;) {
      const slice = nextSlice(cursor, this.input.windowEndMs, this.settings, firstOfRun);
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
        if (changed(cursor, next)) cursor = await this.deps.state.saveCursor(next, cursor);
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
  private async readSlice(slice: Slice): Promise<{
    complete: boolean;
    oldestSeenMs: number | undefined;
    /** The token for the page not yet read, when the slice stopped early. */
    nextToken?: string | undefined;
    failure?: { outcome: RegionOutcome; error?: unknown };
  }> {
    let nextToken = slice.nextToken;
    let oldestSeenMs: number | undefined;
    let tokenRetried = false;
    for (;;) {
      if (this.r.pages >= this.settings.maxPagesPerRun) {
        return { complete: false, oldestSeenMs, nextToken, failure: { outcome: 'page-limit' } };
      }
      if (this.deps.clock.nowMs() >= this.input.deadlineMs) {
        return { complete: false, oldestSeenMs, nextToken, failure: { outcome: 'time-budget' } };
      }
      try {
        await this.ctx.lease.keep();
      } catch (error) {
        return { complete: false, oldestSeenMs, nextToken, failure: { outcome: 'lease-lost', error } };
      }
      let page: Awaited<ReturnType<EventSource['lookupPage']>>;
      try {
        page = await this.deps.source.lookupPage(this.region, {
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
        return { complete: false, oldestSeenMs, nextToken, failure: { outcome: 'lookup-failed', error } };
      }
      this.r.pages += 1;
      const scored = this.score(page.events);
      let crossed: Finding[];
      let novel: Finding[];
      try {
        crossed = await this.count(scored.hits);
        novel =
          this.tracker && scored.observations.length > 0
            ? await this.tracker.judge(scored.observations, this.deps.clock.nowMs())
            : [];
      } catch (error) {
        // Nothing of the page is published: it is read again, and counting and profiles are idempotent.
        return { complete: false, oldestSeenMs, nextToken, failure: { outcome: 'state-failed', error } };
      }
      // Oldest first: a page comes newest first, but a repeat group should be led by its earliest event.
      const found = [...scored.findings, ...crossed, ...novel].sort(
        (a, b) => timeOrder(a.event.eventTimeMs) - timeOrder(b.event.eventTimeMs),
      );
      const published = await this.publish(found);
      if (published !== undefined) {
        // The page whose alert failed is not done: resume from its own token next time.
        return { complete: false, oldestSeenMs, nextToken, failure: published };
      }
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

  private score(records: readonly LookupEventRecord[]): {
    findings: Finding[];
    hits: ThresholdHit[];
    observations: Observation[];
  } {
    const findings: Finding[] = [];
    const hits: ThresholdHit[] = [];
    const observations: Observation[] = [];
    for (const record of records) {
      this.r.events += 1;
      const id = record.eventId ?? '';
      if (id && this.seen.has(id)) {
        this.r.duplicateEvents += 1;
        continue;
      }
      if (id) this.seen.add(id);
      const scored = scoreRecord(record, this.scorers);
      if (scored.kind === 'unwatched') {
        this.r.unwatchedEvents += 1;
        continue;
      }
      if (scored.kind === 'unparseable') {
        this.r.unparseableEvents += 1;
        this.problem({
          kind: 'unparseable-event',
          region: this.region,
          eventId: scored.eventId,
          reason: scored.reason,
        });
        continue;
      }
      if (scored.evaluation) {
        for (const failure of scored.evaluation.failures) this.ruleFailed(failure);
        findings.push(...scored.evaluation.findings);
      }
      if (scored.counted) {
        for (const failure of scored.counted.failures) this.ruleFailed(failure);
        hits.push(...scored.counted.hits);
      }
      if (scored.observation) observations.push(scored.observation);
    }
    return { findings, hits, observations };
  }

  /**
   * Counts each threshold hit once (re-reads find it already counted) and returns a finding for
   * each event that brought its counter to the threshold. Throws if the state table fails.
   */
  private async count(hits: readonly ThresholdHit[]): Promise<Finding[]> {
    const thresholds = this.deps.thresholds;
    if (thresholds === undefined || hits.length === 0) return [];
    const findings: Finding[] = [];
    for (let i = 0; i < hits.length; i += COUNT_CONCURRENCY) {
      const batch = hits.slice(i, i + COUNT_CONCURRENCY);
      const results = await Promise.all(
        batch.map((hit) =>
          this.deps.state.countOnce(hit.counter, hit.event.eventId, this.deps.clock.nowMs(), hit.member),
        ),
      );
      batch.forEach((hit, j) => {
        const finding = thresholds.verdict(hit, results[j]!);
        if (finding) findings.push(finding);
      });
    }
    return findings;
  }

  /**
   * Delivers the page's alerts; returns the failure that stopped it, if any. Each alert is first
   * recorded under this run's claim (idempotency record + outbox), then published individually
   * while the run's budget lasts; the rest of the page goes out as one digest message. An alert
   * another run has claimed and is still sending is left to it; one SNS refuses for good stays in
   * the outbox (set aside after MAX_REFUSALS), and the region goes on.
   */
  private async publish(
    findings: readonly Finding[],
  ): Promise<{ outcome: RegionOutcome; error: unknown } | undefined> {
    const due: Due[] = [];
    for (const finding of findings) {
      const atThreshold = atLeast(finding.severity, this.settings.minSeverity);
      const suppression = atThreshold
        ? this.deps.suppressions.match(finding, this.deps.clock.nowMs())
        : undefined;
      const alerted = atThreshold && suppression === undefined;
      this.r.findings += 1;
      if (suppression) this.r.suppressed += 1;
      this.report.totals.findingsBySeverity[finding.severity] += 1;
      if (!alerted) {
        this.report.findings.push(findingRecord(finding, this.region, false, suppression?.id));
        continue;
      }
      try {
        const entry = await this.record(finding, findings);
        if (entry) due.push(entry);
      } catch (error) {
        return { outcome: error instanceof LeaseLostError ? 'lease-lost' : 'state-failed', error };
      }
    }
    // A digest of one is just an alert: keep it individual. Regions share the budget, so it may
    // already be spent (or overspent) when this page is delivered.
    const left = Math.max(0, this.budget.remaining);
    const individually = due.length - left <= 1 ? due.length : left;
    for (const one of due.slice(0, individually)) {
      this.budget.remaining -= 1;
      const failure = await this.deliver(one.stored.alert, [one]);
      if (failure) return failure;
    }
    const rest = due.slice(individually);
    if (rest.length > 0) {
      const failure = await this.deliver(this.deps.renderDigest(rest.map((d) => d.finding)), rest, true);
      if (failure) return failure;
    }
    return undefined;
  }

  /**
   * Folds the finding into its repeat group or records its alert under this run's claim. Returns
   * the alert when this run is to publish it.
   */
  private async record(finding: Finding, page: readonly Finding[]): Promise<Due | undefined> {
    // What folding learnt of the finding's alert record, so that it is not read again to claim it.
    let recorded: FoldResult | undefined;
    if (this.settings.repeatWindowMs > 0) {
      const fold = await this.deps.state.foldRepeat(
        repeatGroupOf(finding, this.settings.repeatWindowMs),
        memberOf(finding),
        this.deps.clock.nowMs(),
      );
      if (fold === 'folded' || fold === 'folded-before') {
        if (fold === 'folded') this.r.alertsFolded += 1;
        this.report.findings.push({ ...findingRecord(finding, this.region, true), folded: true });
        return undefined;
      }
      if (fold !== 'publish') recorded = fold;
    }
    this.report.findings.push(findingRecord(finding, this.region, true));
    if (recorded === 'sent' || recorded === 'set-aside') {
      this.r.alertsAlreadySent += 1;
      return undefined;
    }
    const related = page.filter(
      (other) => other !== finding && sameActor(other, finding) && atLeast(other.severity, 'low'),
    );
    const key = alertKeyOf(finding);
    // Refused for good moments ago (the outbox drain, or another region): its next try is a later run's.
    if (this.ctx.refusedKeys.has(key)) return undefined;
    const stored: StoredAlert = {
      key,
      region: this.region,
      eventTimeMs: finding.event.eventTimeMs,
      alert: this.deps.render(finding, related),
    };
    const claim = await this.ctx.claim();
    const result: ClaimResult =
      recorded === 'pending'
        ? await this.deps.state.reclaimAlert(stored.key, claim)
        : await this.deps.state.claimAlert(stored, claim);
    if (result === 'claimed' || result === 'resumed') return { stored, finding, claimedAtMs: claim.nowMs };
    if (result === 'held') this.r.alertsHeldElsewhere += 1;
    else this.r.alertsAlreadySent += 1;
    return undefined;
  }

  /**
   * Publishes one message for alerts this run has claimed, and marks them sent. A claim older than
   * PUBLISH_WITHIN_MS is renewed first; alerts whose claim another run has taken over meanwhile
   * are left to it.
   */
  private async deliver(
    alert: RenderedAlert,
    items: readonly Due[],
    digest = false,
  ): Promise<{ outcome: RegionOutcome; error: unknown } | undefined> {
    let mine: readonly Due[];
    try {
      mine = await this.freshen(items);
    } catch (error) {
      return { outcome: error instanceof LeaseLostError ? 'lease-lost' : 'state-failed', error };
    }
    if (mine.length === 0) return undefined;
    // Renewed claims on only part of a digest: the digest lists only those.
    const message =
      mine.length === items.length
        ? alert
        : digest
          ? this.deps.renderDigest(mine.map((d) => d.finding))
          : alert;
    let messageId: string;
    try {
      messageId = await this.deps.sink.publish(message);
    } catch (error) {
      if (!isRefusal(error)) {
        // The alerts stay in the outbox; the cursor stays before their events.
        return { outcome: 'publish-failed', error };
      }
      try {
        for (const item of mine) await refused(this.ctx, item.stored.key, error);
      } catch (stateError) {
        return { outcome: 'state-failed', error: stateError };
      }
      // Kept in the outbox: the next runs retry them, then set them aside. The region goes on.
      this.r.alertsRefused += mine.length;
      return undefined;
    }
    try {
      for (const item of mine) {
        await this.deps.state.markSent(item.stored.key, messageId, this.deps.clock.nowMs());
      }
    } catch (error) {
      return { outcome: 'state-failed', error };
    }
    this.r.alertsSent += mine.length;
    if (digest) this.r.digestsSent += 1;
    return undefined;
  }

  /** The items whose claim is still this run's, each renewed if it is older than PUBLISH_WITHIN_MS. */
  private async freshen(items: readonly Due[]): Promise<Due[]> {
    const mine: Due[] = [];
    for (const item of items) {
      if (this.deps.clock.nowMs() - item.claimedAtMs <= PUBLISH_WITHIN_MS) {
        mine.push(item);
        continue;
      }
      const claim = await this.ctx.claim();
      const result = await this.deps.state.reclaimAlert(item.stored.key, claim);
      if (result === 'resumed') mine.push({ ...item, claimedAtMs: claim.nowMs });
      else if (result === 'held') this.r.alertsHeldElsewhere += 1;
    }
    return mine;
  }

  private ruleFailed(failure: RuleFailure): void {
    this.report.totals.ruleFailures += 1;
    this.problem({
      kind: 'rule-failed',
      region: this.region,
      eventId: failure.eventId,
      ruleId: failure.ruleId,
      reason: failure.message,
    });
  }

  private problem(problem: ProblemRecord): void {
    if (this.report.problems.length < MAX_PROBLEMS_LISTED) this.report.problems.push(problem);
  }

  private fail(outcome: RegionOutcome, error: unknown, cursor: RegionCursor | number): RegionReport {
    this.r.outcome = outcome;
    if (error !== undefined) this.r.error = describe(error);
    return typeof cursor === 'number' ? this.r : this.finish(cursor, outcome);
  }

  private finish(cursor: RegionCursor, outcome: RegionOutcome = this.r.outcome): RegionReport {
    this.r.outcome = outcome;
    this.r.cursorAfterMs = cursor.processedUntilMs;
    // Against the clock, not the window end: a stale scheduled time must not hide a region that stands still.
    this.r.lagMs = lagMs(cursor, this.deps.clock.nowMs());
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

function sameActor(a: Finding, b: Finding): boolean {
  const ka = a.event.actor.arn || a.event.actor.principalId;
  return ka !== '' && ka === (b.event.actor.arn || b.event.actor.principalId);
}

function findingRecord(
  finding: Finding,
  region: string,
  alerted: boolean,
  suppressedBy?: string,
): FindingRecord {
  const { event } = finding;
  return {
    ruleId: finding.ruleId,
    severity: finding.severity,
    eventId: sanitize(event.eventId, 128),
    eventName: sanitize(event.eventName, 128),
    eventTime: sanitize(event.eventTime, 40),
    region,
    actor: sanitize(event.actor.arn || event.actor.userName || event.actor.principalId, 256),
    alerted,
    ...(suppressedBy ? { suppressedBy } : {}),
  };
}

/** What scores events: the event rules, the threshold rules and the first-seen checks. */
export interface Scorers {
  readonly engine: Engine;
  readonly thresholds?: ThresholdEngine | undefined;
  readonly firstSeen?: FirstSeen | undefined;
}

/** One record as a run scores it; the state work (counting, profiles) comes after, per page. */
export type ScoredRecord =
  | { readonly kind: 'unwatched' }
  | { readonly kind: 'unparseable'; readonly eventId: string; readonly reason: string }
  | {
      readonly kind: 'scored';
      /** Undefined when only a first-seen profile needed the event (its head was parsed). */
      readonly evaluation: Evaluation | undefined;
      readonly counted: ThresholdCandidates | undefined;
      readonly observation: Observation | undefined;
    };

const UNWATCHED: ScoredRecord = Object.freeze({ kind: 'unwatched' });

/**
 * What a run does with each record, and what the bench measures. An event no rule can match is
 * counted and left unparsed: most of a trail (reads nobody watches) is, and skipping its
 * `JSON.parse` is most of the scoring cost; a malformed body there goes unreported, since no rule
 * would have looked at it. An event only a first-seen profile needs is parsed up to its request
 * (`parseRecordHead`). `parseAll` parses and scores every event (the bench's floor).
 */
export function scoreRecord(record: LookupEventRecord, scorers: Scorers, parseAll = false): ScoredRecord {
  const { engine, thresholds, firstSeen } = scorers;
  const watch = parseAll ? 'rules' : watchOf(record, engine, thresholds, firstSeen);
  if (watch === 'none') return UNWATCHED;
  const parsed =
    watch === 'rules' ? parseCloudTrailEvent(record.body, record) : parseRecordHead(record.body, record);
  if (!parsed.ok) return { kind: 'unparseable', eventId: parsed.eventId, reason: parsed.reason };
  const rules = watch === 'rules';
  return {
    kind: 'scored',
    evaluation: rules ? engine.evaluate(parsed.event) : undefined,
    counted: rules ? thresholds?.candidates(parsed.event) : undefined,
    observation: firstSeen?.observe(parsed.event),
  };
}

/**
 * Who needs the event: 'rules' (an event or threshold rule: parse it whole), 'first-seen' (only a
 * profile: its head is enough, see `parseRecordHead`), or 'none' (count it, leave it unparsed).
 */
type Watch = 'none' | 'rules' | 'first-seen';

function watchOf(
  record: Pick<LookupEventRecord, 'eventName' | 'body' | 'readOnly'>,
  engine: Engine,
  thresholds: ThresholdEngine | undefined,
  firstSeen: FirstSeen | undefined,
): Watch {
  if (engine.watches(record.eventName, record.body)) return 'rules';
  if (thresholds?.watches(record.eventName, record.body) === true) return 'rules';
  return firstSeen?.watches(record) === true ? 'first-seen' : 'none';
}

function emptyRegion(region: string, cursorMs: number): RegionReport {
  return {
    region,
    outcome: 'caught-up',
    pages: 0,
    events: 0,
    duplicateEvents: 0,
    unwatchedEvents: 0,
    unparseableEvents: 0,
    findings: 0,
    suppressed: 0,
    alertsSent: 0,
    alertsFolded: 0,
    digestsSent: 0,
    alertsAlreadySent: 0,
    alertsHeldElsewhere: 0,
    alertsRefused: 0,
    cursorBeforeMs: cursorMs,
    cursorAfterMs: cursorMs,
    lagMs: Number.NaN,
  };
}

function emptyReport(input: RunInput): RunReport {
  return {
    runId: input.runId,
    status: 'completed',
    windowEndMs: input.windowEndMs,
    durationMs: 0,
    outbox: {
      pendingFound: 0,
      delivered: 0,
      failed: 0,
      held: 0,
      refused: 0,
      setAside: 0,
      recovered: 0,
      // Counted at the end of a run that held the lease; unknown otherwise.
      setAsideTotal: Number.NaN,
      setAsideEntries: [],
    },
    repeats: { groupsClosed: 0, summariesQueued: 0 },
    regions: [],
    totals: {
      pages: 0,
      events: 0,
      unwatchedEvents: 0,
      unparseableEvents: 0,
      ruleFailures: 0,
      findingsBySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>,
      alertsSent: 0,
      digestsSent: 0,
      alertsFolded: 0,
    },
    findings: [],
    problems: [],
  };
}

/** An error as one bounded line: AWS error names are informative, stacks are not. */
export function describe(error: unknown): string {
  if (error instanceof Error) return sanitize(`${error.name}: ${error.message}`, 500);
  return sanitize(String(error), 500);
}
