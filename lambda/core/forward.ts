// The outputs' queues in pure terms: which outputs an alert goes to, what each keeps of it, the
// order entries are delivered in (most severe first), and when a failed delivery is tried again.
import { MACHINE_PROTOCOLS } from './alert/fit';
import type { ForwardItem, OutputSelection, StoredAlert } from './ports';
import { atLeast, isSeverity, SEVERITIES, type Severity, severityRank } from './types';

/** Entries one run delivers at most per output; the rest wait for the next run, most severe first. */
export const FORWARD_PER_RUN = 200;

/** A failed delivery is tried again at the next run; one refused for good, after this long at most. */
export const FORWARD_MAX_BACKOFF_MS = 60 * 60 * 1000;

/**
 * What an output keeps of an alert: its machine document (the body SNS sends to HTTPS
 * subscribers), severity and event time. Throws when the rendered message carries no document,
 * which the renderers never produce.
 */
export function forwardItemOf(stored: StoredAlert): ForwardItem {
  let document: unknown;
  try {
    document = (JSON.parse(stored.alert.message) as Record<string, unknown>)[MACHINE_PROTOCOLS[0]];
  } catch {
    document = undefined;
  }
  if (typeof document !== 'string' || document === '') {
    throw new Error(`alert ${stored.key.slice(0, 200)} has no machine document to forward`);
  }
  const severity = stored.alert.attributes.severity?.value;
  return {
    key: stored.key,
    severity: severity !== undefined && isSeverity(severity) ? severity : 'critical',
    eventTimeMs: stored.eventTimeMs,
    document,
  };
}

/** The outputs that take an alert of this severity. */
export function outputsFor(outputs: readonly OutputSelection[], severity: Severity): OutputSelection[] {
  return outputs.filter((output) => atLeast(severity, output.minSeverity));
}

/** The entry's sort key in its output's queue: critical sorts first, then high, and so on. */
export function forwardSlot(severity: Severity, key: string): string {
  return `${SEVERITIES.length - 1 - severityRank(severity)}#${key}`;
}

/**
 * When a failed delivery is due again. A transient failure: at the next run. A permanent refusal
 * (the bus deleted, Security Hub disabled, a document the service rejects): after 2, 4, 8 ...
 * minutes, at most an hour, so a fixed cause is picked up soon and a lasting one costs little.
 */
export function nextForwardTryMs(nowMs: number, attempts: number, permanent: boolean): number {
  if (!permanent) return nowMs;
  return nowMs + Math.min(FORWARD_MAX_BACKOFF_MS, 2 ** Math.min(attempts, 20) * 60_000);
}
