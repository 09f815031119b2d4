// UpdateAssumeRolePolicy that keeps the role inside the account: who may assume it changed all the
// same. Trusts opened outside the account are iam.role-trust-opened, which replaces this finding.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import {
  actorLabel,
  computeCredentialNote,
  isAwsItself,
  isComputeCredential,
  viaAwsService,
} from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'iam.role-trust-changed';

const role = (e: TrailEvent): string => param(e, 'roleName');

/**
 * Low; medium when a server's own credentials (an EC2 instance, a Lambda function) rewrote the
 * trust: a stolen server role that lets itself assume a more powerful role has escalated, though
 * infrastructure code running on EC2 does this too. Refused: low; one step lower when an AWS
 * service made the call for the principal.
 */
function severity(e: TrailEvent): Severity {
  const base: Severity = isComputeCredential(e) ? 'medium' : 'low';
  return lowerFor(byOutcome(e, base), viaAwsService(e));
}

export default defineRule({
  id: ID,
  title: 'Role trust policy changed',
  description:
    'A principal replaced a role’s trust policy (UpdateAssumeRolePolicy), keeping it to principals of ' +
    'the account and AWS services. Low: deployments rewrite trust policies, so this is the record of ' +
    'who may now assume the role; medium when the caller is a server’s own role (EC2 instance ' +
    'credentials, or a Lambda execution role as its user agent shows), named in the alert. Refused ' +
    'attempts are low; ' +
    'one step lower when an AWS service made the call for the principal; calls by AWS itself are not ' +
    'matched. A trust that lets principals outside the account in is iam.role-trust-opened, whose ' +
    'finding replaces this one. The rule reads the new document only: it cannot tell what was removed.',
  whyItMatters:
    'Adding oneself to a powerful role’s trust policy is a privilege escalation that needs no new ' +
    'policy: the foothold user or role simply assumes the role from then on, and the change hides ' +
    'among routine deployment edits.',
  runbook:
    'Read the role’s trust policy and permissions (GetRole, ListAttachedRolePolicies). Check that each ' +
    'trusted principal is expected to assume the role; if not, restore the previous trust policy from ' +
    'the deployment’s source, revoke the role’s active sessions, and review AssumeRole calls for the ' +
    'role since the change.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAssumeRolePolicy.html',
  mitre: ['TA0004:T1098.003', 'TA0003:T1098.003'],
  eventNames: ['UpdateAssumeRolePolicy'],
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to change' : 'changed'} the trust policy of role ` +
      `${show(role(e), 64)}${computeCredentialNote(e)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, role(e)),
});
