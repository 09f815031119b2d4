// DeleteUserPermissionsBoundary / DeleteRolePermissionsBoundary: the ceiling on a user's or role's
// permissions taken away.

import { roleName } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const isRole = (e: TrailEvent): boolean => e.eventName === 'DeleteRolePermissionsBoundary';

const target = (e: TrailEvent): string => (isRole(e) ? param(e, 'roleName') : param(e, 'userName'));

/** The caller lifted its own ceiling: an IAM user on itself, or a role session on its own role. */
function isSelf(e: TrailEvent): boolean {
  const name = target(e);
  if (name === '') return false;
  if (isRole(e)) return roleName(e.actor.sessionIssuerArn || e.actor.arn) === name;
  return e.actor.type === 'IAMUser' && e.actor.userName === name;
}

/** High; a failed attempt medium; one step lower when an AWS service made the call for the principal. */
const severity = (e: TrailEvent): Severity => lowerFor(byOutcome(e, 'high'), viaAwsService(e));

export default defineRule({
  id: 'iam.permissions-boundary-removed',
  title: 'IAM permissions boundary removed',
  description:
    'A principal removed the permissions boundary of an IAM user (DeleteUserPermissionsBoundary) or ' +
    'role (DeleteRolePermissionsBoundary). High; a failed attempt is medium, a call an AWS service ' +
    'made for the principal (invokedBy, such as a CloudFormation stack) one step lower, and calls by ' +
    'AWS itself are not matched. The alert says when the caller removed its own boundary.',
  whyItMatters:
    'A boundary caps what a user or role can do whatever policies it holds; teams use it to let ' +
    'developers create roles safely. Removing it lets every attached policy take full effect: a ' +
    'one-call privilege escalation, most direct when a principal removes its own.',
  runbook:
    'Confirm the change with the owner of the user or role. If it is not expected, put the boundary ' +
    'back (PutUserPermissionsBoundary, PutRolePermissionsBoundary), review what the principal did ' +
    'without it, and find out how the caller got iam:Delete*PermissionsBoundary.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html',
  mitre: ['TA0004:T1098', 'TA0005:T1562'],
  eventNames: ['DeleteUserPermissionsBoundary', 'DeleteRolePermissionsBoundary'],
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const kind = isRole(e) ? 'role' : 'IAM user';
    const self = isSelf(e) ? ' (their own)' : '';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to remove' : 'removed'} the permissions boundary of ${kind} ` +
      `${show(target(e), 64)}${self} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup('iam.permissions-boundary-removed', e.recipientAccountId, isRole(e) ? 'role' : 'user', target(e)),
});
