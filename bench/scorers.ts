// The scorers a deployed detector runs with at its defaults: the whole catalogue, the threshold
// rules and every first-seen and write-volume check, for the benchmarks to score events with.
import { Engine } from '../lambda/core/engine';
import { FIRST_SEEN_DIMENSIONS, FirstSeen } from '../lambda/core/first-seen';
import type { Scorers } from '../lambda/core/run';
import { ThresholdEngine } from '../lambda/core/threshold';
import { firstSeen, RULES, THRESHOLD_RULES, writeVolume } from '../lambda/rules';

export function deployedScorers(): Required<{ [K in keyof Scorers]: NonNullable<Scorers[K]> }> {
  return {
    engine: new Engine(RULES),
    thresholds: new ThresholdEngine(THRESHOLD_RULES),
    firstSeen: new FirstSeen(
      firstSeen,
      { dimensions: FIRST_SEEN_DIMENSIONS, learningMs: 7 * 86_400_000 },
      writeVolume,
    ),
  };
}
