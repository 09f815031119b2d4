// An IAM write made from AWS CloudShell: the browser shell that a console session opens with the
// session's own credentials.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { IAM_WRITES } from '../common/iam-event-names';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/**
 * The user agent of the AWS CLI and SDKs inside CloudShell names its execution environment:
 * `aws-cli/2.13.5 Python/3.11.4 Linux/... exec-env/CloudShell exe/x86_64.amzn.2 ...`. The user
 * agent is the caller's to choose, so this can only add a finding, never excuse a call.
 */
const CLOUDSHELL = /\bexec-env\/CloudShell\b/;

const fromCloudShell = (e: TrailEvent): boolean => CLOUDSHELL.test(e.userAgent.slice(0, 2048));

/** Medium; a failed attempt low; one step lower when an AWS service made the call for the principal. */
const severity = (e: TrailEvent): Severity => lowerFor(byOutcome(e, 'medium'), viaAwsService(e));

export default defineRule({
  id: 'iam.write-from-cloudshell',
  title: 'IAM change made from AWS CloudShell',
  description:
    'A principal made an IAM write that gives or keeps access (users, access keys and other ' +
    'credentials, console passwords, MFA, policies, roles and their trust, groups, boundaries, ' +
    'instance profiles) from AWS CloudShell, as its user agent (exec-env/CloudShell) shows. Medium; a ' +
    'failed attempt is low. The specific rules (access key created, policy attached, ...) rate the ' +
    'change itself; this one adds where it was typed. Calls by AWS itself are not matched.',
  whyItMatters:
    'CloudShell gives anyone holding a console session a ready shell with that session’s ' +
    'credentials, without keys of their own. Intruders who phish or hijack a console session use it ' +
    'to mint access keys and users that outlive the session; administrators rarely manage IAM from it.',
  runbook:
    'Ask the person behind the session whether they used CloudShell for the change. If not, revoke the ' +
    'console session (for a role, revoke its active sessions), undo the IAM change (delete keys, users ' +
    'or policies created), and review the other calls the session made from CloudShell.',
  reference: 'https://docs.aws.amazon.com/cloudshell/latest/userguide/logging-and-monitoring.html',
  mitre: ['TA0002:T1059.009', 'TA0003:T1098'],
  eventNames: IAM_WRITES,
  eventSources: ['iam.amazonaws.com'],
  prefilter: ['CloudShell'],
  severity,
  matches: (e) => !isAwsItself(e) && fromCloudShell(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to call' : 'called'} IAM ${show(e.eventName, 48)} from AWS ` +
    `CloudShell ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('iam.write-from-cloudshell', e.recipientAccountId, e.actor.arn || e.actor.principalId),
});
