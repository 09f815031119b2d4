// The start of a run: repeat groups whose window has ended are closed into summaries, then the
// outbox (alerts recorded but not yet accepted by SNS) is drained. Also what a permanent refusal
// by SNS does to an alert, wherever it happens.
import { claimAt, claimLapsed, LeaseLostError } from '../lease';
import type { PendingAlert, StoredAlert } from '../ports';
import { findingsOf, summaryKeyOf } from '../repeats';
import { sanitize } from '../sanitize';
import type { RunContext } from './context';
import { describe, errorRecord, MAX_PROBLEMS_LISTED } from './types';

/** Outbox entries a run sets aside after this many permanent refusals by SNS. */
export const MAX_REFUSALS = 3;
/** Set-aside alerts are retried this often, a few per run, until SNS takes them. */
export const SET_ASIDE_RETRY_MS = 60 * 60_000;
const SET_ASIDE_RETRIES_PER_RUN = 10;
/** Repeat groups closed per run, at most; the rest wait for the next run. */
const MAX_REPEAT_GROUPS_PER_RUN = 25;

/** True for a refusal that sending again unchanged cannot fix (see AlertRefusedError). */
export function isRefusal(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'AlertRefusedError';
}

/**
 * Counts a permanent refusal of the alert and sets it aside once it has been refused
 * MAX_REFUSALS times. Returns true when it was set aside.
 */
export async function refused(run: RunContext, key: string, error: unknown): Promise<boolean> {
  const reason = describe(error);
  run.refusedKeys.add(key);
  const refusals = await run.deps.state.ledger.recordRefusal(key, reason, run.now());
  run.report.outbox.refused += 1;
  if (refusals < MAX_REFUSALS) return false;
  await setAside(run, key, reason);
  return true;
}

async function setAside(run: RunContext, key: string, reason: string): Promise<void> {
  await run.deps.state.ledger.setAside(key, reason, run.now(), run.now() + SET_ASIDE_RETRY_MS);
  run.report.outbox.setAside += 1;
  if (run.report.outbox.setAsideEntries.length < MAX_PROBLEMS_LISTED) {
    run.report.outbox.setAsideEntries.push({ key: sanitize(key, 200), reason: sanitize(reason, 500) });
  }
}

/**
 * Closes the repeat groups whose window has ended and queues each group's summary in the outbox,
 * in the same transaction as the group's removal; the drain then sends it in this same run. A
 * repeat that becomes visible after its group closed leads a group of its own and is alerted at
 * once, so nothing waits for the overlap: a folded finding goes out at most one window and two
 * schedule periods after it became visible.
 */
export async function queueRepeatSummaries(run: RunContext): Promise<void> {
  const { deps, settings, input, report } = run;
  if (settings.repeatWindowMs <= 0) return;
  try {
    const ended = await deps.state.ledger.listEndedRepeats(input.windowEndMs, MAX_REPEAT_GROUPS_PER_RUN);
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
      await deps.state.ledger.closeRepeatGroup(group, summary, await run.claim());
      report.repeats.groupsClosed += 1;
      if (summary) report.repeats.summariesQueued += 1;
    }
  } catch (error) {
    report.repeats.error = errorRecord(error, 'closing repeat groups');
  }
}

/**
 * Re-sends alerts that an earlier run recorded but could not deliver, within the run's budget of
 * individual messages; the rest are found again by the regions' re-read and go out in a digest.
 * An entry under another run's fresh claim is left to that run. A permanent refusal is counted on
 * the entry and the drain goes on; an entry refused MAX_REFUSALS times, or unreadable, is set
 * aside. False if SNS fails transiently (or the table does): the regions then wait for it.
 */
export async function drainOutbox(run: RunContext): Promise<boolean> {
  const { deps, settings, report, budget } = run;
  try {
    const pending = await deps.state.ledger.listPending(settings.maxOutboxPerRun);
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
      const claim = await deps.state.ledger.reclaimAlert(entry.key, await run.claim());
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
    report.outbox.error = errorRecord(error, error instanceof LeaseLostError ? undefined : 'the outbox');
    return false;
  }
}

/** Publishes one outbox entry this run has claimed: 'sent', 'refused' (counted) or 'failed'. */
async function send(run: RunContext, entry: PendingAlert): Promise<'sent' | 'refused' | 'failed'> {
  try {
    const messageId = await run.deps.sink.publish(entry.alert!);
    await run.deps.state.ledger.markSent(entry.key, messageId, run.now());
    return 'sent';
  } catch (error) {
    if (isRefusal(error)) {
      await refused(run, entry.key, error);
      return 'refused';
    }
    run.report.outbox.failed += 1;
    run.report.outbox.error = errorRecord(error, `re-sending ${sanitize(entry.key, 200)}`);
    return 'failed';
  }
}

/**
 * Retries a few set-aside alerts whose hour has come (taking one pushes its next retry an hour
 * on, so two runs never retry the same one): a key re-enabled or a policy fixed, and they go out.
 */
async function retrySetAside(run: RunContext): Promise<void> {
  const due = await run.deps.state.ledger.takeSetAsideDue(
    run.now(),
    run.now() + SET_ASIDE_RETRY_MS,
    SET_ASIDE_RETRIES_PER_RUN,
  );
  for (const entry of due) {
    if (entry.alert === undefined) continue;
    await run.lease.keep();
    try {
      const messageId = await run.deps.sink.publish(entry.alert);
      await run.deps.state.ledger.markSent(entry.key, messageId, run.now());
      run.report.outbox.recovered += 1;
    } catch (error) {
      // Still refused, or SNS unavailable: it stays aside and is tried again in an hour.
      if (!isRefusal(error)) return;
    }
  }
}

/** The number of set-aside alerts, for the AlertsSetAside metric; a failed count is reported. */
export async function countSetAside(run: RunContext): Promise<void> {
  try {
    run.report.outbox.setAsideTotal = await run.deps.state.ledger.countSetAside();
  } catch (error) {
    run.report.outbox.setAsideTotal = Number.NaN;
    run.report.outbox.error ??= errorRecord(error, 'counting set-aside alerts');
  }
}
