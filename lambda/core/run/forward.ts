// Delivering the outputs' queues (EventBridge, Security Hub, chat), each on its own: entries were
// recorded with their alerts, so an output that fails holds neither the cursor, nor SNS, nor
// another output. Most severe first, a batch at a time, each entry claimed so that two runs (the
// organization's workers) never send it twice; a delivered entry is removed, a failed one deferred.
import { FORWARD_PER_RUN, nextForwardTryMs } from '../forward';
import { LeaseLostError } from '../lease';
import type { AlertOutput, ForwardResult, PendingForward } from '../ports';
import { sanitize } from '../sanitize';
import type { RunContext } from './context';
import { errorRecord, type OutputReport } from './types';

/**
 * The outputs are delivered after the regions, which stop reading at the run's deadline; this much
 * of the safety margin behind it is theirs, so that one batch still goes out after a busy read.
 */
export const OUTPUT_GRACE_MS = 10_000;

export async function drainOutputs(run: RunContext): Promise<void> {
  const recordedAny = run.recorded > 0 || run.report.repeats.summariesQueued > 0;
  if (run.settings.outputsAfterRecordingOnly === true && !recordedAny) return;
  const outputs = run.deps.outputs ?? [];
  run.report.outputs = await Promise.all(outputs.map((output) => drainOutput(run, output)));
}

async function drainOutput(run: RunContext, output: AlertOutput): Promise<OutputReport> {
  const r: OutputReport = {
    output: output.name,
    queued: 0,
    left: 0,
    oldestAgeMs: Number.NaN,
    delivered: 0,
    failed: 0,
    refused: 0,
    held: 0,
    deferred: 0,
  };
  const ledger = run.deps.state.ledger;
  const stopAtMs = run.input.deadlineMs + OUTPUT_GRACE_MS;
  try {
    const listing = await ledger.listForward(output.name, run.now(), FORWARD_PER_RUN);
    r.queued = listing.queued;
    r.left = listing.queued;
    r.oldestAgeMs = ageOf(run, listing.oldestCreatedMs);
    const delivered = new Set<string>();
    const size = Math.max(1, output.batchSize);
    for (let at = 0; at < listing.due.length; at += size) {
      if (run.now() >= stopAtMs) {
        r.deferred += listing.due.length - at;
        break;
      }
      const batch: PendingForward[] = [];
      for (const entry of listing.due.slice(at, at + size)) {
        const claimed = await ledger.claimForward(output.name, entry.slot, await run.claim());
        if (claimed === 'claimed') batch.push(entry);
        else if (claimed === 'held') r.held += 1;
      }
      if (batch.length === 0) continue;
      if (!(await sendBatch(run, output, batch, r, delivered))) {
        // The service as a whole failed: the rest waits for the next run rather than fail the same way.
        r.deferred += Math.max(0, listing.due.length - at - size);
        break;
      }
    }
    // What is left: the entries not due, and the due ones not delivered.
    r.left = listing.queued - delivered.size;
    const undelivered = listing.due.filter((entry) => !delivered.has(entry.slot)).map((e) => e.createdAtMs);
    // Math.min of nothing is Infinity, which ageOf reads as none left.
    r.oldestAgeMs = ageOf(run, Math.min(...[...undelivered, listing.oldestNotDueMs].filter(Number.isFinite)));
  } catch (error) {
    r.error = errorRecord(
      error,
      error instanceof LeaseLostError ? undefined : `delivering to ${output.name}`,
    );
  }
  return r;
}

function ageOf(run: RunContext, createdAtMs: number): number {
  return Number.isFinite(createdAtMs) ? run.now() - createdAtMs : Number.NaN;
}

/** Sends one claimed batch and records each entry's outcome; false when the call as a whole failed. */
async function sendBatch(
  run: RunContext,
  output: AlertOutput,
  batch: readonly PendingForward[],
  r: OutputReport,
  delivered: Set<string>,
): Promise<boolean> {
  const ledger = run.deps.state.ledger;
  let results: readonly ForwardResult[];
  let whole = true;
  try {
    results = await output.send(batch);
  } catch (error) {
    const failure = errorRecord(error, `sending to ${output.name}`);
    r.error = failure;
    results = batch.map(() => ({ ok: false, permanent: false, reason: failure.message }));
    whole = false;
  }
  for (const [i, entry] of batch.entries()) {
    const result: ForwardResult = results[i] ?? {
      ok: false,
      permanent: false,
      reason: `${output.name} answered ${results.length} results for ${batch.length} entries`,
    };
    if (result.ok) {
      await ledger.completeForward(output.name, entry.slot);
      r.delivered += 1;
      delivered.add(entry.slot);
      continue;
    }
    const now = run.now();
    const reason = sanitize(result.reason, 500);
    await ledger.deferForward(
      output.name,
      entry.slot,
      reason,
      now,
      nextForwardTryMs(now, entry.attempts + 1, result.permanent),
    );
    if (result.permanent) {
      r.refused += 1;
      r.error ??= {
        name: 'OutputRefused',
        message: sanitize(`${output.name} refused ${entry.key}: ${reason}`, 500),
      };
    } else {
      r.failed += 1;
    }
  }
  return whole;
}
