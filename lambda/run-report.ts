// What the Lambda functions make of a run: the window it reads up to, the summary it returns,
// and the log lines of its report (findings, problems, set-aside alerts, the run summary).
import { formatError, type RunReport } from './core/run';
import { logJson } from './log';

/**
 * The window ends at the invocation's scheduled time (EventBridge's `time`), so a retried
 * invocation covers the same window. Without one, or with a time in the future, it ends at the
 * wall clock; so it does with a time more than two schedule periods old, which only a retry long
 * after the fact or a schedule target with a constant input sends: reading up to a fixed time
 * would leave the detector reading nothing new while it reports itself healthy.
 */
export function windowEnd(
  event: unknown,
  wallNowMs: number,
  schedulePeriodMs: number,
): { endMs: number; staleScheduledMs?: number } {
  const time = typeof event === 'object' && event !== null ? (event as { time?: unknown }).time : undefined;
  const scheduled = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  if (!Number.isFinite(scheduled) || scheduled > wallNowMs) return { endMs: wallNowMs };
  if (wallNowMs - scheduled > 2 * schedulePeriodMs) return { endMs: wallNowMs, staleScheduledMs: scheduled };
  return { endMs: scheduled };
}

export interface RunSummary {
  readonly runId: string;
  readonly status: RunReport['status'];
  readonly windowEnd: string;
  readonly durationMs: number;
  readonly regions: readonly string[];
  readonly pages: number;
  readonly events: number;
  /** Counted but not parsed: no rule looks at them. */
  readonly unwatchedEvents: number;
  readonly unparseableEvents: number;
  readonly ruleFailures: number;
  readonly findingsBySeverity: RunReport['totals']['findingsBySeverity'];
  readonly alertsSent: number;
  readonly digestsSent: number;
  /** Repeats folded into a group this run; they go out in its summary. */
  readonly alertsFolded: number;
  /** Alerts set aside in the table (refused for good by SNS, or unreadable), after this run. */
  readonly alertsSetAside: number;
}

export function summarize(report: RunReport): RunSummary {
  return {
    runId: report.runId,
    status: report.status,
    windowEnd: new Date(report.windowEndMs).toISOString(),
    durationMs: report.durationMs,
    regions: report.regions.map((r) => r.region),
    pages: report.totals.pages,
    events: report.totals.events,
    unwatchedEvents: report.totals.unwatchedEvents,
    unparseableEvents: report.totals.unparseableEvents,
    ruleFailures: report.totals.ruleFailures,
    findingsBySeverity: report.totals.findingsBySeverity,
    alertsSent: report.totals.alertsSent,
    digestsSent: report.totals.digestsSent,
    alertsFolded: report.totals.alertsFolded,
    alertsSetAside: report.outbox.setAsideTotal,
  };
}

export function logReport(report: RunReport): void {
  for (const finding of report.findings) logJson('info', 'finding', { ...finding });
  for (const problem of report.problems) logJson('warn', problem.kind, { ...problem });
  // Each names the alert (`eventId#ruleId`) kept under `pk = aside` in the table.
  for (const entry of report.outbox.setAsideEntries) logJson('error', 'alert set aside', { ...entry });
  // An output's failure does not fail the run (retrying the run would not help it): this line and
  // its age alarm say so.
  for (const output of report.outputs) {
    if (output.error) logJson('error', 'output failing', { ...output, error: formatError(output.error) });
  }
  logJson(report.status === 'incomplete' ? 'error' : 'info', 'run summary', {
    ...summarize(report),
    outbox: { ...report.outbox, setAsideEntries: undefined },
    repeats: report.repeats,
    ...(report.outputs.length > 0
      ? { outputs: report.outputs.map((o) => ({ ...o, oldestAgeMs: finiteOrNull(o.oldestAgeMs) })) }
      : {}),
    ...(report.lease ? { lease: report.lease } : {}),
    regionDetails: report.regions.map((r) => ({
      ...r,
      cursorBefore: isoOrNull(r.cursorBeforeMs),
      cursorAfter: isoOrNull(r.cursorAfterMs),
    })),
  });
}

export function problemsOf(report: RunReport): string[] {
  const problems = report.regions
    .filter(
      (r) =>
        r.error !== undefined ||
        !['caught-up', 'page-limit', 'time-budget', 'skipped-lease-held'].includes(r.outcome),
    )
    .map((r) => `${r.region}: ${r.outcome}${r.error ? ` (${formatError(r.error)})` : ''}`);
  if (report.repeats.error) problems.unshift(`repeats: ${formatError(report.repeats.error)}`);
  if (report.outbox.error) problems.unshift(`outbox: ${formatError(report.outbox.error)}`);
  if (report.lease?.problem) problems.unshift(`lease: ${report.lease.problem}`);
  return problems;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function isoOrNull(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
