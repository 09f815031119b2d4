// AWS Organizations changes: accounts joining or leaving, the OU tree, and the policies (SCPs
// above all) that guard member accounts. LeaveOrganization is a defence-evasion rule.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { judgeWeakening } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** Policy types whose removal takes guardrails off member accounts. */
const GUARDRAIL_TYPES = new Set(['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY']);

/** The AWS managed allow-all SCP: detaching it restricts, it does not loosen. */
const FULL_ACCESS_SCP = 'p-fullawsaccess';

/**
 * Guardrails removed, or an account taken out of the organisation. DetachPolicy and DeletePolicy
 * do not record the policy type, so every policy counts (tag and backup policies included).
 */
function removesGuardrails(e: TrailEvent): boolean {
  switch (e.eventName) {
    case 'DetachPolicy':
      return param(e, 'policyId').toLowerCase() !== FULL_ACCESS_SCP;
    case 'DeletePolicy':
      return true;
    case 'DisablePolicyType': {
      const type = param(e, 'policyType');
      return type === '' || GUARDRAIL_TYPES.has(type);
    }
    case 'RemoveAccountFromOrganization':
    case 'DeleteOrganization':
      return true;
    default:
      return false;
  }
}

function severity(e: TrailEvent): Severity {
  return judgeWeakening(e, removesGuardrails(e));
}

/** What the call is about: the policy, account, OU, handshake or new name. */
function subject(e: TrailEvent): string {
  return param(
    e,
    'policyId',
    'accountId',
    'organizationalUnitId',
    'handshakeId',
    'policyType',
    'name',
    'accountName',
    'email',
  );
}

function detail(e: TrailEvent): string {
  const target = param(e, 'targetId', 'destinationParentId', 'rootId');
  return target ? ` (target ${show(target, 64)})` : '';
}

export default defineRule({
  id: 'organizations.changed',
  title: 'AWS Organizations changed',
  description:
    'A principal changed the organisation: accounts created, invited, moved or removed, handshakes ' +
    'accepted or declined, OUs created, renamed or deleted, policies created, updated, attached, ' +
    'detached or deleted, policy types enabled or disabled, or the organisation deleted. High when ' +
    'guardrails come off (DetachPolicy other than FullAWSAccess, DeletePolicy, DisablePolicyType ' +
    'of SCPs or RCPs: the policy type of a detached or deleted policy is not recorded, so any ' +
    'policy counts), RemoveAccountFromOrganization or DeleteOrganization; medium otherwise. One ' +
    'step lower when an AWS service made the call (Control Tower, CloudFormation StackSets); failed ' +
    'calls are low, medium when they tried to remove guardrails. LeaveOrganization is not covered ' +
    '(a defence-evasion rule).',
  whyItMatters:
    'Service control policies are the limits no one in a member account can exceed; removing them, ' +
    'or removing an account from the organisation, frees that account from every central control.',
  runbook:
    'Confirm the change with the owners of the management account. If it is not expected, ' +
    're-attach or recreate the policy, move the account back to its OU, and restrict organizations:* ' +
    "rights to a break-glass role; review the caller's other calls in the management account and " +
    'what the affected accounts did without their guardrails.',
  reference: 'https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html',
  mitre: ['TA0005:T1666', 'TA0005:T1484', 'TA0004:T1484'],
  eventNames: [
    'AcceptHandshake',
    'AttachPolicy',
    'CreateAccount',
    'CreateOrganizationalUnit',
    'CreatePolicy',
    'DeclineHandshake',
    'DeleteOrganization',
    'DeleteOrganizationalUnit',
    'DeletePolicy',
    'DetachPolicy',
    'DisablePolicyType',
    'EnablePolicyType',
    'InviteAccountToOrganization',
    'MoveAccount',
    'RemoveAccountFromOrganization',
    'UpdatePolicy',
    'UpdateOrganizationalUnit',
  ],
  eventSources: ['organizations.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} called ${show(e.eventName, 48)} on ${show(subject(e), 120, 'the organization')}` +
    `${detail(e)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('organizations.changed', e.recipientAccountId, e.eventName, subject(e)),
});
