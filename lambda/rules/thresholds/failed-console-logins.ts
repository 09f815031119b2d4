// Failed console sign-ins, counted per source IP (password spraying) and per user (brute force).
// CIS AWS Foundations, CloudWatch.6: "Ensure a log metric filter and alarm exist for AWS Management
// Console authentication failures".
import { str } from '../../core/event';
import { defineThresholdRule, type ThresholdRuleDefinition } from '../../core/threshold';
import type { TrailEvent } from '../../core/types';

const FIFTEEN_MINUTES = 15 * 60_000;

const consoleLoginFailed = (e: TrailEvent): boolean => str(e.responseElements.ConsoleLogin) === 'Failure';

const shared: Omit<ThresholdRuleDefinition, 'id' | 'title' | 'description' | 'keyLabel' | 'key'> = {
  whyItMatters:
    'Repeated failed sign-ins are how passwords are guessed: many users tried from one address is ' +
    'password spraying, many attempts on one user is brute force. A success right after is a ' +
    'likely account takeover.',
  runbook:
    'Look up the source address (owner, geography, known VPN or office). Check for a successful ' +
    'ConsoleLogin from the same address or for the same users after the failures; if there is one, ' +
    'treat the user as compromised: reset the password, revoke sessions and keys, review its ' +
    'activity. Make sure every IAM user with a password has MFA; block the address if it is hostile.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html#cloudwatch-6',
  mitre: ['TA0006:T1110.003', 'TA0006:T1110.001'],
  cis: ['CloudWatch.6'],
  eventNames: ['ConsoleLogin'],
  eventSources: ['signin.amazonaws.com'],
  severity: 'high',
  threshold: 5,
  windowMs: FIFTEEN_MINUTES,
  counting: 'failed console sign-ins',
  matches: consoleLoginFailed,
};

export const failedConsoleLoginsByIp = defineThresholdRule({
  ...shared,
  id: 'signin.failed-console-logins',
  title: 'Failed console sign-ins from one address',
  description:
    'At least 5 failed console sign-ins from the same source IP address within a 15-minute window ' +
    '(password spraying or brute force).',
  keyLabel: 'from source IP',
  key: (e) => e.sourceIPAddress,
});

export const failedConsoleLoginsByUser = defineThresholdRule({
  ...shared,
  id: 'signin.failed-console-logins-per-user',
  title: 'Failed console sign-ins for one user',
  description:
    'At least 5 failed console sign-ins for the same user name within a 15-minute window, from any ' +
    'addresses (brute force, possibly distributed). Unknown user names are all recorded by ' +
    'CloudTrail as HIDDEN_DUE_TO_SECURITY_REASONS and so count together.',
  keyLabel: 'for user',
  key: (e) => e.actor.userName || e.actor.arn,
});
