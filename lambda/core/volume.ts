// Write volume against the principal's own baseline (an Insights-like check): successful write
// calls per principal and clock hour, counted in the state table, and a finding when an hour's count
// reaches a threshold set from the principal's previous week when the hour was first seen.
//
// Counting is exact under re-reads: each hour keeps the short hashes of the events it counted, so
// the overlap's second reading adds nothing. The threshold is frozen in the hour's item, and the
// event whose batch reached it is frozen too (`crossedBy`): a re-read of that event gives the same
// finding (its alert is then already recorded), and no other event can.
import type { StateStore, WriteVolume } from './ports';
import type { RuleMetadata } from './rule';
import { sanitize } from './sanitize';
import type { Finding, Severity, TrailEvent } from './types';

export const HOUR_MS = 3_600_000;
/** How far back the baseline looks. */
export const BASELINE_HOURS = 7 * 24;
/** Hours counted per principal at most: past it a principal is too busy to judge by the hour. */
export const MAX_COUNT = 10_000;

export interface WriteVolumeDefinition extends RuleMetadata {
  /**
   * The hour's threshold from the counts of the principal's previous hours (busy hours only, in
   * no order); 0 = the hour is not judged (too little history, or too busy to judge).
   */
  readonly thresholdOf: (previousHours: readonly number[]) => number;
  readonly severity: Severity;
}

/** Events an hour counts at most: its threshold (nothing more is needed), else the baseline cap. */
export function volumeCap(threshold: number): number {
  return threshold > 0 ? Math.min(threshold, MAX_COUNT) : MAX_COUNT;
}

/** An event's 32-bit FNV-1a hash, as 8 hex digits: what an hour keeps to recognise re-reads. */
export function eventHash(eventId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    h ^= eventId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export type VolumeStore = Pick<
  StateStore,
  'getWriteVolume' | 'addWrites' | 'markVolumeCrossed' | 'writeVolumeHistory'
>;

/** One principal's write events in one hour, from one page. */
export interface HourBatch {
  readonly principal: string;
  readonly bucketStartMs: number;
  readonly events: readonly TrailEvent[];
}

/**
 * Counts a batch into its hour and returns the finding when the hour has crossed its threshold and
 * this batch holds the event that crossed it. `learnedAtMs`: hours that start before it are
 * counted (they are tomorrow's baseline) but not judged.
 */
export async function judgeHour(
  store: VolumeStore,
  definition: WriteVolumeDefinition,
  batch: HourBatch,
  learnedAtMs: number,
  nowMs: number,
  known: WriteVolume | undefined,
): Promise<{ volume: WriteVolume; finding?: Finding }> {
  const { principal, bucketStartMs } = batch;
  let volume = known ?? (await store.getWriteVolume(principal, bucketStartMs));
  if (volume === undefined) {
    const threshold =
      bucketStartMs < learnedAtMs
        ? 0
        : definition.thresholdOf(
            await store.writeVolumeHistory(
              principal,
              bucketStartMs - BASELINE_HOURS * HOUR_MS,
              bucketStartMs,
            ),
          );
    volume = { principal, bucketStartMs, threshold, count: 0, hashes: new Set() };
  }
  const cap = volumeCap(volume.threshold);
  const fresh = [...new Set(batch.events.map((e) => eventHash(e.eventId)))].filter(
    (h) => !volume!.hashes.has(h),
  );
  const room = Math.max(0, cap - volume.count);
  if (fresh.length > 0 && room > 0) {
    volume = await store.addWrites(volume, fresh.slice(0, room), nowMs);
  }
  if (volume.threshold <= 0 || volume.count < volume.threshold) return { volume };
  if (volume.crossedBy === undefined) {
    // The newest event of the batch that reached the threshold carries the finding, for good.
    const newest = [...batch.events].sort((a, b) => b.eventTimeMs - a.eventTimeMs)[0]!;
    volume = { ...volume, crossedBy: await store.markVolumeCrossed(volume, newest.eventId) };
  }
  const crossing = batch.events.find((e) => e.eventId === volume!.crossedBy);
  if (crossing === undefined) return { volume };
  return { volume, finding: findingOf(definition, principal, volume, crossing) };
}

function findingOf(
  definition: WriteVolumeDefinition,
  principal: string,
  volume: WriteVolume,
  event: TrailEvent,
): Finding {
  const hour = new Date(volume.bucketStartMs).toISOString().slice(0, 13);
  const who = sanitize(principal, 200);
  return {
    ruleId: definition.id,
    title: definition.title,
    severity: definition.severity,
    mitre: definition.mitre,
    summary:
      `${who} reached ${volume.count} successful write calls in the hour from ${hour}:00 UTC, the ` +
      `threshold set for that hour from its own previous week.`,
    runbook: definition.runbook,
    reference: definition.reference,
    dedupKey: `${definition.id}|${principal}|${volume.bucketStartMs}`,
    event,
  };
}
