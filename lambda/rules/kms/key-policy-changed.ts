// PutKeyPolicy: the resource policy that decides who can use and manage a KMS key.
import { defineRule, type RuleContext } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { otherAccountsAllowed, policyGrantsPublicPrincipal } from '../common/policy-documents';
import { kmsKeyId, targetsOwnKey } from '../common/resources';
import { dedup, origin, outcome, show } from '../common/text';

const isPublic = (e: TrailEvent): boolean => policyGrantsPublicPrincipal(e.requestParameters.policy);

/** Accounts other than the key's own that the policy lets in (`*` for "any account"). */
const otherAccounts = (e: TrailEvent): string[] =>
  otherAccountsAllowed(e.requestParameters.policy, homeAccount(e));

function severity(e: TrailEvent, context: RuleContext): Severity {
  if (failed(e)) return 'low';
  if (isPublic(e) || targetsOwnKey(e, context)) return 'high';
  if (otherAccounts(e).length > 0) return viaAwsService(e) ? 'medium' : 'high';
  return viaAwsService(e) ? 'low' : 'medium';
}

export default defineRule({
  id: 'kms.key-policy-changed',
  title: 'KMS key policy changed',
  description:
    'A principal replaced the key policy of a KMS key. High when the new policy allows anyone ' +
    '(Principal "*" without a condition pinning the caller), names another account (or any ' +
    "account), or the key is trailwatch's own; medium otherwise. A call made through an AWS " +
    "service (CloudFormation) is one step lower, except for a public policy or trailwatch's key. " +
    'Failed calls are low. Deny statements and conditions on named accounts are not weighed.',
  whyItMatters:
    'The key policy is the only gate on a KMS key; letting another account in lets it decrypt ' +
    'every snapshot, secret or object protected by the key, or lock the owner out of it.',
  runbook:
    'Read the new policy (GetKeyPolicy) and confirm each outside account with the key owner. If it ' +
    'is not expected, put back the previous policy, review kms:Decrypt and kms:CreateGrant calls ' +
    "from the added accounts, and restrict the caller's kms:PutKeyPolicy right.",
  reference: 'https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html',
  mitre: ['TA0003:T1098', 'TA0010:T1537'],
  eventNames: ['PutKeyPolicy'],
  eventSources: ['kms.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e, context) => {
    const own = targetsOwnKey(e, context) ? "trailwatch's own KMS key" : 'KMS key';
    const others = otherAccounts(e);
    const exposure = isPublic(e)
      ? ', allowing anyone'
      : others.length > 0
        ? `, allowing account ${show(others.slice(0, 3).join(', '), 60)}${others.length > 3 ? ' and others' : ''}`
        : '';
    return (
      `${actorLabel(e)} changed the key policy of ${own} ${show(param(e, 'keyId'), 140)}${exposure} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('kms.key-policy-changed', e.recipientAccountId, e.awsRegion, kmsKeyId(e)),
});
