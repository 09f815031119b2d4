// AssumeRoot: short-term root credentials for a member account, through centralised root access in
// AWS Organizations, scoped by one of the AWS-managed task policies.
import { str } from '../../core/event';
import { isAccountId } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { child, param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/**
 * The task policies AssumeRoot accepts (`arn:aws:iam::aws:policy/root-task/<name>`), and how much a
 * session with each can do:
 * - IAMCreateRootUserPassword: sets a console password for the member account's root user, the way
 *   to a full, lasting root sign-in: critical.
 * - IAMDeleteRootUserCredentials: deletes the root user's password, keys, certificates and MFA
 *   devices: high (hygiene, or the removal of the owner's way back in).
 * - S3UnlockBucketPolicy, SQSUnlockQueuePolicy: delete a bucket or queue policy as root, including one
 *   that denies everyone else: high (it can remove a protective policy too).
 * - IAMAuditRootUserCredentials: reads which credentials the root user has: medium.
 * Any other or missing policy name is treated as high.
 */
const TASKS: Readonly<Record<string, Severity>> = {
  IAMCreateRootUserPassword: 'critical',
  IAMDeleteRootUserCredentials: 'high',
  S3UnlockBucketPolicy: 'high',
  SQSUnlockQueuePolicy: 'high',
  IAMAuditRootUserCredentials: 'medium',
};

/** The task policy ARN: recorded as `taskPolicyArn: { arn }`; a bare string is accepted too. */
function taskPolicyArn(e: TrailEvent): string {
  const value = child(e.requestParameters, 'taskPolicyArn');
  return str(child(value, 'arn')) || str(value);
}

/** The policy's name, the ARN's last path segment. */
const taskPolicy = (e: TrailEvent): string => taskPolicyArn(e).split('/').pop() ?? '';

/** The member account (or its root principal ARN) the session is for. */
const targetPrincipal = (e: TrailEvent): string => param(e, 'targetPrincipal', 'TargetPrincipal');

/**
 * By task policy (above): critical, high or medium. Failed: medium for what would page, low
 * otherwise; one step lower when an AWS service made the call for the principal.
 */
function severity(e: TrailEvent): Severity {
  const name = taskPolicy(e);
  const base = Object.hasOwn(TASKS, name) ? (TASKS[name] ?? 'high') : 'high';
  return lowerFor(byOutcome(e, base), viaAwsService(e));
}

export default defineRule({
  id: 'sts.root-assumed',
  title: 'Root session opened on a member account (AssumeRoot)',
  description:
    'A principal of the management account or the delegated administrator for IAM obtained short-term ' +
    'root credentials for a member account (AssumeRoot). High; critical with the ' +
    'IAMCreateRootUserPassword task policy (a console password for the root user), medium with ' +
    'IAMAuditRootUserCredentials (a read-only look at the root user’s credentials). Failed calls are ' +
    'medium when the success would page, low otherwise; a call an AWS service made for the principal ' +
    'is one step lower, and calls by AWS itself are not matched.',
  whyItMatters:
    'Centralised root access lets a few principals act as the root user of any member account for 15 ' +
    'minutes. Whoever controls one of them can recover root sign-in to an account, strip its root ' +
    'credentials, or delete bucket and queue policies that lock everyone else out.',
  runbook:
    'Confirm the session with the person who owns the calling principal and the member account. Then ' +
    'look in the member account’s trail for the calls made with the access key the response names ' +
    '(user identity type Root): a root password created, credentials deleted or a policy removed. ' +
    'Undo what was not intended, and restrict sts:AssumeRoot with service control policies.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user-privileged-task.html',
  mitre: ['TA0004:T1078.004', 'TA0003:T1098'],
  eventNames: ['AssumeRoot'],
  eventSources: ['sts.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const target = targetPrincipal(e);
    const on = isAccountId(target) ? `member account ${show(target, 16)}` : show(target, 100);
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to open' : 'opened'} a root session on ${on} with task policy ` +
      `${show(taskPolicy(e), 80, 'none')} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup('sts.root-assumed', e.recipientAccountId, targetPrincipal(e), taskPolicy(e), e.actor.arn),
});
