// ConsoleLogin: every console sign-in, federated or not, and failed sign-ins of any kind.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isFederatedSignIn, isInstanceCredential } from '../common/actors';
import { signInFailed } from '../common/outcome';
import { dedup, origin, show } from '../common/text';

const isRoot = (e: TrailEvent): boolean => e.actor.type === 'Root';

/**
 * "No MFA" is only meaningful for IAM users: federated sign-ins always carry MFAUsed "No"
 * because the identity provider, not AWS, checked the second factor.
 */
const iamUserWithoutMfa = (e: TrailEvent): boolean =>
  e.actor.type === 'IAMUser' && !isFederatedSignIn(e) && str(e.additionalEventData.MFAUsed) === 'No';

/**
 * A failed sign-in, and a successful one by anyone but root, a password-only IAM user or an EC2
 * instance's role, is medium: recorded and shown (a sign-in is how a console intrusion starts), paged
 * only at minSeverity medium. An instance's credentials have no reason to open the console: someone
 * took them off the instance and turned them into a browser session (GetSigninToken), so it is high.
 */
function severity(e: TrailEvent): Severity {
  if (signInFailed(e)) return 'medium';
  if (isRoot(e) || iamUserWithoutMfa(e) || isInstanceCredential(e)) return 'high';
  return 'medium';
}

export default defineRule({
  id: 'signin.console-login',
  title: 'Console sign-in',
  description:
    'A console sign-in, of any kind. High for a successful root sign-in, an IAM user signing in ' +
    'without MFA, or a sign-in with an EC2 instance’s role credentials (a session named after the ' +
    'instance, i-..., or delivered by the instance metadata service); medium for every other sign-in: ' +
    'IAM users with MFA, federated sign-ins (IAM ' +
    'Identity Center, SAML, web identity, switch-role, federation tokens) and every failed sign-in. ' +
    'Federated sign-ins are never called "without MFA": their MFA lives in the identity provider, ' +
    'and CloudTrail records MFAUsed "No" for them.',
  whyItMatters:
    'A console sign-in is the first step of most console intrusions. Root should never be used day ' +
    'to day, and a password-only IAM user is one phished password from compromise; other sign-ins ' +
    'are kept as the record of who entered the console, from where.',
  runbook:
    'Ask the person behind the user or session whether they signed in from that address (for a ' +
    "federated sign-in, the identity provider's sign-in log names the person and their MFA). For root, confirm " +
    'with the account owner and check for other root activity. For an IAM user without MFA, ' +
    'enforce MFA (or move the person to IAM Identity Center). Repeated failures: check for ' +
    'password spraying from the same source address.',
  reference:
    'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html',
  mitre: ['TA0001:T1078.004'],
  cis: ['CloudWatch.3', 'CloudWatch.6'],
  eventNames: ['ConsoleLogin'],
  eventSources: ['signin.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => {
    const who = isRoot(e) ? `Root user of account ${show(e.actor.accountId, 16)}` : actorLabel(e);
    if (signInFailed(e)) return `${who} failed to sign in to the console ${origin(e)}.`;
    const mfa = iamUserWithoutMfa(e)
      ? ' without MFA'
      : isInstanceCredential(e)
        ? ' with an EC2 instance’s role credentials'
        : isFederatedSignIn(e)
          ? ' through federation'
          : str(e.additionalEventData.MFAUsed) === 'Yes'
            ? ' with MFA'
            : '';
    return `${who} signed in to the console${mfa} ${origin(e)} (user agent ${show(e.userAgent, 120)}).`;
  },
  dedupKey: (e) =>
    dedup('signin.console-login', e.actor.arn || e.actor.userName, signInFailed(e) ? 'failure' : 'success'),
});
