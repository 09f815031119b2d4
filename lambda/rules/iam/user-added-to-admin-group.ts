// AddUserToGroup: the group decides what the user may do; an admin group means everything.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, computeCredentialNote, isAwsItself, isComputeCredential } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** Group names that conventionally hold administrators: `Admins`, `administrators`, `org-admin`, ... */
const isAdminGroup = (e: TrailEvent): boolean => /admin/i.test(param(e, 'groupName'));

/** High for an admin group, or for any group when a server's own role adds the user; low otherwise. */
const severity = (e: TrailEvent): Severity =>
  byOutcome(e, isAdminGroup(e) || isComputeCredential(e) ? 'high' : 'low');

export default defineRule({
  id: 'iam.user-added-to-admin-group',
  title: 'IAM user added to a group',
  description:
    'A principal added an IAM user to a group. High when the group name contains "admin" (Admins, ' +
    'Administrators, ...), low for other groups; high for any group when the caller is a server’s ' +
    'own role (EC2 instance credentials, or a Lambda execution role as its user agent shows: the user ' +
    'agent can only raise the rating). Failed attempts are medium when the success would be high, low ' +
    'otherwise. The rule judges the name ' +
    'only: it does not read the policies of the group, so a powerful group with a bland name is low. ' +
    'Calls by AWS itself are not matched.',
  whyItMatters:
    'Adding a user to an administrators group grants it full control without touching a single ' +
    'policy, a quiet way to escalate a foothold user or to give a backdoor user its power.',
  runbook:
    'Confirm the membership with the owner of the group. If it is not expected, remove the user ' +
    '(RemoveUserFromGroup), review what the user did since, and rotate the caller credentials.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddUserToGroup.html',
  mitre: ['TA0004:T1098.003', 'TA0003:T1098.003'],
  eventNames: ['AddUserToGroup'],
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to add' : 'added'} IAM user ${show(param(e, 'userName'), 64)} ` +
    `to group ${show(param(e, 'groupName'), 64)}${isAdminGroup(e) ? ' (an admin group)' : ''}${computeCredentialNote(e)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('iam.user-added-to-admin-group', e.recipientAccountId, param(e, 'groupName'), param(e, 'userName')),
});
