// Item 6: noise. The findings a deployed detector would alert on (at the default minimum severity,
// thresholds and anomalies included), per million events of the corpus's routine mix, beside those
// on its risky events. Scored page by page as a run does, with the state in memory.
import { MemoryStateStore } from '../lambda/adapters/memory-state';
import { composeScorers } from '../lambda/compose';
import { FirstSeenTracker } from '../lambda/core/first-seen';
import { type Scorers, scorePage, settlePage } from '../lambda/core/run';
import { DEFAULT_MIN_SEVERITY } from '../lambda/core/settings';
import { atLeast } from '../lambda/core/types';
import type { GeneratedEvent } from './corpus';

export interface NoiseResult {
  readonly routineEvents: number;
  readonly riskyEvents: number;
  /** Findings at or above the default minimum severity on routine events, per million of them. */
  readonly routineAlertsPerMillion: number;
  readonly routineAlerts: number;
  /** The same on risky events: the true detections. */
  readonly riskyAlerts: number;
  /** Routine alerts by detection id, most first. */
  readonly routineByDetection: ReadonlyArray<readonly [string, number]>;
}

const PAGE = 50;

export async function measureNoise(
  events: readonly GeneratedEvent[],
  riskyIds: ReadonlySet<string>,
  scorers: Scorers = composeScorers(),
): Promise<NoiseResult> {
  const state = new MemoryStateStore();
  const tracker = scorers.firstSeen?.enabled ? new FirstSeenTracker(state, scorers.firstSeen) : undefined;
  const seen = new Set<string>();
  const byDetection = new Map<string, number>();
  let routineAlerts = 0;
  let riskyAlerts = 0;
  for (let i = 0; i < events.length; i += PAGE) {
    const records = events.slice(i, i + PAGE);
    const nowMs = records[records.length - 1]!.eventTimeMs;
    const page = scorePage(records, scorers, seen);
    const findings = await settlePage(page, scorers.thresholds, state, tracker, () => nowMs);
    for (const finding of findings) {
      if (!atLeast(finding.severity, DEFAULT_MIN_SEVERITY)) continue;
      if (riskyIds.has(finding.event.eventId)) {
        riskyAlerts += 1;
        continue;
      }
      routineAlerts += 1;
      byDetection.set(finding.ruleId, (byDetection.get(finding.ruleId) ?? 0) + 1);
    }
  }
  const riskyEvents = riskyIds.size;
  const routineEvents = events.length - riskyEvents;
  return {
    routineEvents,
    riskyEvents,
    routineAlertsPerMillion: (routineAlerts / routineEvents) * 1e6,
    routineAlerts,
    riskyAlerts,
    routineByDetection: [...byDetection].sort((a, b) => b[1] - a[1]),
  };
}
