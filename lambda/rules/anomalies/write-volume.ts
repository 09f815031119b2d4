// A principal writing far more than its own busiest hours of the past week: a stolen key put to
// work, a runaway script, a mass deletion. The counting is core/volume.ts; this file holds the
// threshold policy and the metadata.
import type { WriteVolumeDefinition } from '../../core/volume';
import { MAX_COUNT } from '../../core/volume';

/** An hour with fewer writes than this is never news, whatever the baseline. */
export const MIN_WRITES = 100;
/** How many times the baseline an hour must reach. */
export const FACTOR = 5;

/**
 * The baseline is the second-busiest hour of the previous week (one odd hour, a migration, does
 * not raise it); a principal that did not write at all that week has only the floor. A threshold
 * past what an hour counts means the principal is too busy to judge by the hour: 0.
 */
function thresholdOf(previousHours: readonly number[]): number {
  const busiest = [...previousHours].sort((a, b) => b - a);
  const baseline = busiest[1] ?? busiest[0] ?? 0;
  const threshold = Math.max(MIN_WRITES, FACTOR * baseline);
  return threshold > MAX_COUNT ? 0 : threshold;
}

export const writeVolume: WriteVolumeDefinition = Object.freeze({
  id: 'anomaly.write-volume',
  title: 'Principal writing far above its own baseline',
  description:
    `Successful write calls by one principal in one clock hour reaching ${FACTOR} times its ` +
    `second-busiest hour of the previous week, and at least ${MIN_WRITES}, once the principal is ` +
    'past its learning period. Medium: bulk jobs and migrations do this too; the alert says which ' +
    'hour and how many. Principals whose threshold would pass 10,000 writes an hour are not judged.',
  whyItMatters:
    'A key put to work by someone else, a compromised pipeline or a script deleting resources shows ' +
    'first as a principal doing much more than it ever does, even when no single call is alarming.',
  runbook:
    'List the principal\u2019s write calls in that hour (CloudTrail Event history, filtered by user ' +
    'name or access key). If the owner does not recognise them, revoke its sessions or deactivate ' +
    'its key, then review what it created, changed and deleted.',
  reference:
    'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-insights-events-with-cloudtrail.html',
  mitre: ['TA0040:T1496', 'TA0040:T1485'],
  eventNames: [],
  severity: 'medium',
  thresholdOf,
});
