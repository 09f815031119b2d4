// What a run takes and what it reports: its settings, its dependencies (the ports), its input,
// and the report the handler logs. Pure types and their empty values.
import type { RepeatsOf } from '../alert';
import type {
  AlertOutput,
  AlertSink,
  Clock,
  EventSource,
  OutputName,
  RereadPlan,
  StateStores,
} from '../ports';
import { emptyFirstReadAges, type FirstReadAges } from '../rereads';
import { sanitize } from '../sanitize';
import type { SuppressionList } from '../suppression';
import { type Finding, type RenderedAlert, SEVERITIES, type Severity } from '../types';
import type { WindowSettings } from '../window';
import type { Scorers } from './score';

/** Odd events, rule failures and set-aside alerts listed per run at most (their counts are exact). */
export const MAX_PROBLEMS_LISTED = 100;

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
  /**
   * How soon after it becomes visible a late event is read again at most: the spacing of the
   * re-reads behind the cursor (`rereads.ts`).
   */
  readonly lateAlertMs: number;
  /**
   * Deliver the outputs' queues only in a run that recorded an alert itself (the organization's
   * dispatcher and workers: up to hundreds of runs a tick would otherwise each read every queue).
   * The detector's own run, every schedule period, delivers whatever is left.
   */
  readonly outputsAfterRecordingOnly?: boolean | undefined;
  /** Replaces the sweeps' ages: for the tests that remove one, to show what it is for. */
  readonly sweepAgesMs?: readonly number[] | undefined;
  /** Follows this re-read plan whatever the rate (the bench's "re-read the whole overlap every run"). */
  readonly fixedPlan?: RereadPlan | undefined;
}

export interface RunDeps {
  readonly source: EventSource;
  /** The lease and cursors, the alert ledger, the counters and the profiles. */
  readonly state: StateStores;
  readonly sink: AlertSink;
  /** The outputs besides SNS that are on (EventBridge, Security Hub, chat); none by default. */
  readonly outputs?: readonly AlertOutput[] | undefined;
  /** Wall clock: budgets, lease, claims and record expiry. */
  readonly clock: Clock;
  /** The event rules, and the threshold rules and anomaly checks when they are on. */
  readonly scorers: Scorers;
  readonly render: (finding: Finding, related: readonly Finding[]) => RenderedAlert;
  readonly renderDigest: (findings: readonly Finding[], repeatsOf?: RepeatsOf) => RenderedAlert;
  /** Findings a reviewed suppression list says not to alert on; they are still reported. */
  readonly suppressions: SuppressionList;
  /**
   * Told of each page's findings (event rules, threshold crossings, novelties) before they are
   * delivered: how the command line prints findings as they come.
   */
  readonly onFindings?: ((findings: readonly Finding[]) => void) | undefined;
}

export interface RunInput {
  readonly runId: string;
  /** The end of the window: the scheduled time of this invocation, never after the clock's now. */
  readonly windowEndMs: number;
  /** Wall-clock time by which the run must have stopped reading and saved its cursor. */
  readonly deadlineMs: number;
  /**
   * Findings the caller made of its own observations (a member account unread for too long),
   * delivered like a page's: recorded once, published, folded. Reported as region `notices`.
   */
  readonly notices?: readonly Finding[];
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
  /** Pages read by the sweeps behind the cursor (`rereads.ts`), out of `pages`. */
  sweepPages: number;
  /** The re-read plan this run followed: recent time read again, newest time left to settle. */
  plan?: RereadPlan;
  /**
   * Events read for the first time, by how long after their event time (minutes; `rereads.ts`):
   * events still arriving near the overlap's age say the overlap is too short.
   */
  firstReadAges: FirstReadAges;
  error?: ErrorRecord;
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
  error?: ErrorRecord;
}

/** One output's queue as this run delivered it. */
export interface OutputReport {
  output: OutputName;
  /** Entries in its queue when the run looked (at least this many when the queue is long). */
  queued: number;
  /** Entries left in it after this run's deliveries. */
  left: number;
  /** Age of the oldest entry left, against the run's clock; NaN when none is left. */
  oldestAgeMs: number;
  delivered: number;
  /** Transient failures: tried again at the next run. */
  failed: number;
  /** Permanent refusals: tried again after a backoff (at most an hour), never dropped. */
  refused: number;
  /** Entries under another run's fresh claim, left to it. */
  held: number;
  /** Due entries left for the next run: the per-run bound or the time budget was reached. */
  deferred: number;
  error?: ErrorRecord;
}

export interface RunReport {
  runId: string;
  status: 'completed' | 'incomplete' | 'skipped-lease-held';
  windowEndMs: number;
  durationMs: number;
  outbox: OutboxReport;
  /**
   * When the lease was held by another run: who, until when, and how far past its own deadline;
   * `problem` when that is so far past that the run fails.
   */
  lease?: { holder: string; untilMs: number; expectedEndMs: number; overdueMs: number; problem?: string };
  /** Repeat groups whose window ended: closed, and their summaries queued in the outbox. */
  repeats: { groupsClosed: number; summariesQueued: number; error?: ErrorRecord };
  regions: RegionReport[];
  /** The outputs besides SNS that are on, one report each. */
  outputs: OutputReport[];
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

/** An error as a report keeps it: its name and code (an AWS error's, or a Node error's), and its text. */
export interface ErrorRecord {
  readonly name: string;
  readonly code?: string;
  /** What was being done, and the error's own message; bounded and sanitised. */
  readonly message: string;
}

/** The error's name, code and message, for the report; `doing` says what failed ("re-sending x"). */
export function errorRecord(error: unknown, doing?: string): ErrorRecord {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    Code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const name = typeof e.name === 'string' ? sanitize(e.name, 100) : 'Error';
  const rawCode = e.code ?? e.Code ?? e.$metadata?.httpStatusCode;
  const code =
    typeof rawCode === 'string' || typeof rawCode === 'number' ? sanitize(String(rawCode), 100) : undefined;
  const text = typeof e.message === 'string' ? e.message : String(error);
  return {
    name,
    ...(code === undefined ? {} : { code }),
    message: sanitize(doing ? `${doing}: ${text}` : text, 500),
  };
}

/** An error as one bounded line: AWS error names are informative, stacks are not. */
export function describe(error: unknown): string {
  if (error instanceof Error) return sanitize(`${error.name}: ${error.message}`, 500);
  return sanitize(String(error), 500);
}

/** The record line form: `Name (code): message`. */
export function formatError(error: ErrorRecord): string {
  return `${error.name}${error.code ? ` (${error.code})` : ''}: ${error.message}`;
}

export function emptyRegion(region: string, cursorMs: number): RegionReport {
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
    sweepPages: 0,
    firstReadAges: emptyFirstReadAges(),
  };
}

export function emptyReport(input: RunInput): RunReport {
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
    outputs: [],
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

/** What identifies a finding in a log line or a printed row: its rule and event, sanitised. */
export function findingIdentity(
  finding: Finding,
): Pick<FindingRecord, 'ruleId' | 'severity' | 'eventId' | 'eventName' | 'eventTime' | 'actor'> {
  const { event } = finding;
  return {
    ruleId: finding.ruleId,
    severity: finding.severity,
    eventId: sanitize(event.eventId, 128),
    eventName: sanitize(event.eventName, 128),
    eventTime: sanitize(event.eventTime, 40),
    actor: sanitize(event.actor.arn || event.actor.userName || event.actor.principalId, 256),
  };
}

export function findingRecord(
  finding: Finding,
  region: string,
  alerted: boolean,
  suppressedBy?: string,
): FindingRecord {
  return {
    ...findingIdentity(finding),
    region,
    alerted,
    ...(suppressedBy ? { suppressedBy } : {}),
  };
}
