// Threshold rules: counted over fixed windows in the state table, not scored one event at a time.
// Not part of RULES (they have no per-event fixtures); the registry test checks them separately.
import { byId } from '../../core/rule';
import type { ThresholdRule } from '../../core/threshold';
import { accessDeniedBurst, accessDeniedFlood } from './access-denied-burst';
import { credentialsReadBurst } from './credentials-read-burst';
import { failedConsoleLoginsByIp, failedConsoleLoginsByUser } from './failed-console-logins';

export const THRESHOLD_RULES: readonly ThresholdRule[] = Object.freeze(
  [
    failedConsoleLoginsByIp,
    failedConsoleLoginsByUser,
    accessDeniedBurst,
    accessDeniedFlood,
    credentialsReadBurst,
  ].sort(byId),
);
