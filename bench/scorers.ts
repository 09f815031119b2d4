// The scorers a deployed detector runs with at its defaults (compose.ts): the whole catalogue, the
// threshold rules and every first-seen and write-volume check, for the benchmarks to score with.
import { composeScorers } from '../lambda/compose';
import type { Scorers } from '../lambda/core/run';

export function deployedScorers(): Required<{ [K in keyof Scorers]: NonNullable<Scorers[K]> }> {
  const { engine, thresholds, firstSeen } = composeScorers();
  if (thresholds === undefined || firstSeen === undefined)
    throw new Error('the default scorers are stateful');
  return { engine, thresholds, firstSeen };
}
