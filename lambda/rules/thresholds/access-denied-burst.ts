// Calls refused for lack of permission, counted per principal: someone probing what a credential
// can do. CIS AWS Foundations, CloudWatch.2: "Ensure a log metric filter and alarm exist for
// unauthorized API calls".

import { principalKey } from '../../core/principal';
import { defineThresholdRule, type ThresholdRuleDefinition } from '../../core/threshold';

const FIFTEEN_MINUTES = 15 * 60_000;

/** CIS filters on `AccessDenied*` and `*UnauthorizedOperation`; these are the codes CloudTrail records. */
export const ACCESS_DENIED_CODES = [
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'Client.UnauthorizedOperation',
] as const;

const shared: Omit<ThresholdRuleDefinition, 'id' | 'title' | 'description' | 'severity' | 'threshold'> = {
  whyItMatters:
    'A stolen credential is first used to find out what it may do: a run of refused calls from one ' +
    'principal is that reconnaissance (or a broken deployment that should be fixed anyway).',
  runbook:
    'Identify the principal and who or what uses it. Look at the refused calls (event names, ' +
    'services, source addresses, user agent): a script enumerating many services is reconnaissance. ' +
    'If the use is not expected, deactivate the access key or revoke the role sessions and review ' +
    'what the principal did succeed in doing.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html#cloudwatch-2',
  mitre: ['TA0007:T1580', 'TA0007:T1087.004'],
  cis: ['CloudWatch.2'],
  eventNames: [],
  errorCodes: ACCESS_DENIED_CODES,
  windowMs: FIFTEEN_MINUTES,
  counting: 'refused (access denied) calls',
  keyLabel: 'by',
  matches: (e) => (ACCESS_DENIED_CODES as readonly string[]).includes(e.errorCode),
  // A role counts once across its sessions: spreading the calls over session names does not dilute them.
  key: principalKey,
};

export const accessDeniedBurst = defineThresholdRule({
  ...shared,
  id: 'iam.access-denied-burst',
  title: 'Burst of access-denied calls',
  description:
    'At least 10 calls refused with AccessDenied or UnauthorizedOperation for the same principal ' +
    '(a role counts as one whatever its session names; an IAM Identity Center role once per person) ' +
    'within a 15-minute window.',
  severity: 'medium',
  threshold: 10,
});

/** The same count, escalated: its own counter, so each level fires once. */
export const accessDeniedFlood = defineThresholdRule({
  ...shared,
  id: 'iam.access-denied-flood',
  title: 'Flood of access-denied calls',
  description:
    'At least 50 calls refused with AccessDenied or UnauthorizedOperation for the same principal ' +
    '(a role counts as one whatever its session names; an IAM Identity Center role once per person) ' +
    'within a 15-minute window: sustained enumeration.',
  severity: 'high',
  threshold: 50,
});
