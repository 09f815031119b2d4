// The rule catalogue. One import per rule file, listed by id; the registry test keeps it honest.
import { byId, type Rule, type RuleMetadata } from '../core/rule';
import { firstSeen } from './anomalies/first-seen';
import { writeVolume } from './anomalies/write-volume';
import { RULES as cisMonitoring } from './catalog/cis-monitoring';
import { RULES as defenceEvasion } from './catalog/defence-evasion';
import { RULES as exposureExecution } from './catalog/exposure-execution';
import { RULES as persistence } from './catalog/persistence';
import cloudtrailLoggingStopped from './cloudtrail-logging-stopped';
import cloudtrailTrailDeleted from './cloudtrail-trail-deleted';
import ec2InstancesLaunched from './ec2-instances-launched';
import iamAccessKeyCreated from './iam-access-key-created';
import iamUserPolicyAttached from './iam-user-policy-attached';
import s3BucketPolicyChanged from './s3-bucket-policy-changed';
import signinConsoleLogin from './signin-console-login';
import stsRoleAssumed from './sts-role-assumed';
import { THRESHOLD_RULES } from './thresholds';

export { firstSeen, THRESHOLD_RULES, writeVolume };

const SEED: readonly Rule[] = [
  cloudtrailLoggingStopped,
  cloudtrailTrailDeleted,
  ec2InstancesLaunched,
  iamAccessKeyCreated,
  iamUserPolicyAttached,
  s3BucketPolicyChanged,
  signinConsoleLogin,
  stsRoleAssumed,
];

export const RULES: readonly Rule[] = Object.freeze(
  [...SEED, ...cisMonitoring, ...defenceEvasion, ...persistence, ...exposureExecution].sort(byId),
);

/**
 * Every detection's metadata: the event rules, the threshold rules and the two anomaly checks.
 * What alerts can name, and what suppressions may name.
 */
export const DETECTIONS: readonly RuleMetadata[] = Object.freeze([
  ...RULES,
  ...THRESHOLD_RULES,
  firstSeen,
  writeVolume,
]);
