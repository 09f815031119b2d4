// CreateLoginProfile / UpdateLoginProfile: a console password set, for oneself or for someone else;
// ChangePassword: an IAM user changing their own password.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { isTrue, param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const targetUser = (e: TrailEvent): string => param(e, 'userName');

/**
 * The caller set its own password: no target (the API then means the caller), an IAM user naming
 * itself, or a role session named after the target user (people who sign in through a role named
 * after them). The session name is the caller's choice, so this only lowers high to medium.
 */
function isSelf(e: TrailEvent): boolean {
  const target = targetUser(e);
  if (target === '') return true;
  const { type, userName } = e.actor;
  return (type === 'IAMUser' || type === 'AssumedRole' || type === 'FederatedUser') && userName === target;
}

/** A helpdesk reset: an existing password replaced and the user forced to choose a new one at sign-in. */
const isForcedReset = (e: TrailEvent): boolean =>
  e.eventName === 'UpdateLoginProfile' && isTrue(e.requestParameters.passwordResetRequired);

/** ChangePassword: the signed-in IAM user replaces their own password, knowing the old one. */
const isOwnChange = (e: TrailEvent): boolean => e.eventName === 'ChangePassword';

function severity(e: TrailEvent): Severity {
  if (isOwnChange(e)) return failed(e) ? 'info' : 'low';
  if (isSelf(e)) return byOutcome(e, 'medium');
  return byOutcome(e, isForcedReset(e) ? 'medium' : 'high');
}

export default defineRule({
  id: 'iam.login-profile-created',
  title: 'Console password set for an IAM user',
  description:
    'A principal created or changed an IAM user’s console password (CreateLoginProfile, ' +
    'UpdateLoginProfile). High when it is set for another user; medium for the caller’s own ' +
    'password, and for a reset of another user’s password that forces a new one at sign-in (the ' +
    'helpdesk pattern). Failed attempts are one step lower. A user changing their own password with ' +
    'the old one (ChangePassword) is low, info when it failed (usually the password policy refusing ' +
    'the new one). Calls by AWS itself are not matched.',
  whyItMatters:
    'Setting a password for somebody else’s user gives the caller a console sign-in as that user: ' +
    'a quiet takeover of an existing identity, or a console door added to a service user. A changed ' +
    'password is context: whoever holds a stolen console session can lock the owner out with it.',
  runbook:
    'Ask the owner of the target user whether they asked for the change. If not, delete the login ' +
    'profile (DeleteLoginProfile) or reset it, require MFA, review the console sign-ins of the user ' +
    'since the change, and rotate the caller credentials.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html',
  mitre: ['TA0003:T1098.001', 'TA0004:T1098'],
  eventNames: ['CreateLoginProfile', 'UpdateLoginProfile', 'ChangePassword'],
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    if (isOwnChange(e)) {
      return `${actorLabel(e)} ${failed(e) ? 'tried to change' : 'changed'} their own console password ${origin(e)}${outcome(e)}.`;
    }
    const verb = e.eventName === 'UpdateLoginProfile' ? 'changed' : 'created';
    const whose = isSelf(e) ? 'their own user' : `IAM user ${show(targetUser(e), 64)}`;
    const reset = isForcedReset(e) ? ' (reset required at next sign-in)' : '';
    return (
      `${actorLabel(e)} ${failed(e) ? `tried to set` : verb} the console password of ${whose}${reset} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup(
      'iam.login-profile-created',
      e.recipientAccountId,
      targetUser(e) || e.actor.arn || e.actor.userName,
    ),
});
