// Threshold rules: counted over fixed windows in the state table, not scored one event at a time.
// Not part of RULES (they have no per-event fixtures); the registry test checks them separately.
import { byId } from '../../core/rule';
import type { ThresholdRule } from '../../core/threshold';
import { accessDeniedBurst, accessDeniedFlood } from './access-denied-burst';
import { bedrockInvocationBurst } from './bedrock-invocation-burst';
import { bedrockModelsListedThenInvoked } from './bedrock-models-listed-then-invoked';
import { credentialsReadBurst } from './credentials-read-burst';
import { failedConsoleLoginsByIp, failedConsoleLoginsByUser } from './failed-console-logins';
import { instanceCredentialsManyNetworks } from './instance-credentials-many-networks';
import { s3BucketPostureSweep } from './s3-bucket-posture-sweep';
import { s3BulkObjectDeletions, s3BulkObjectReads, s3ManyBucketsRead } from './s3-data-access';
import { servicequotasQuotaSweep } from './servicequotas-quota-sweep';

export const THRESHOLD_RULES: readonly ThresholdRule[] = Object.freeze(
  [
    failedConsoleLoginsByIp,
    failedConsoleLoginsByUser,
    accessDeniedBurst,
    accessDeniedFlood,
    credentialsReadBurst,
    bedrockInvocationBurst,
    bedrockModelsListedThenInvoked,
    instanceCredentialsManyNetworks,
    s3BucketPostureSweep,
    servicequotasQuotaSweep,
    s3BulkObjectReads,
    s3BulkObjectDeletions,
    s3ManyBucketsRead,
  ].sort(byId),
);
