// The resource-based policy of a Bedrock resource set or removed: who outside the resource's own
// account may use a custom model, or another shared Bedrock resource.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isAwsItself, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { otherAccountsAllowed, policyGrantsPublicPrincipal } from '../common/policy-documents';
import { lower } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

const ID = 'bedrock.resource-policy-changed';

const policyOf = (e: TrailEvent): unknown =>
  e.eventName === 'PutResourcePolicy' ? e.requestParameters.resourcePolicy : undefined;

/** Who a new policy lets in beyond the account: 'anyone', the other accounts, or '' for neither. */
function grantee(e: TrailEvent): string {
  const policy = policyOf(e);
  if (policy === undefined) return '';
  if (policyGrantsPublicPrincipal(policy)) return 'anyone';
  const accounts = otherAccountsAllowed(policy, homeAccount(e)).map((a) => show(a, 16));
  return accounts.length === 0 ? '' : `account ${firstFew(accounts)}`;
}

/**
 * Medium for a policy set or removed; high when the new policy lets in anyone or another account.
 * A refused call is low: one denied attempt is a small thing, and repeated ones are what the
 * access-denied thresholds count. One step lower when an AWS service made the call.
 */
function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'low';
  const base: Severity = grantee(e) === '' ? 'medium' : 'high';
  return viaAwsService(e) ? lower(base) : base;
}

const resource = (e: TrailEvent): string => param(e, 'resourceArn');

export default defineRule({
  id: ID,
  title: 'Bedrock resource policy set or deleted',
  description:
    'A principal set (PutResourcePolicy) or removed (DeleteResourcePolicy) the resource-based policy ' +
    'of an Amazon Bedrock resource, such as a custom model. Medium; high when the new policy grants ' +
    'anyone or another account; low when the call was refused. One step lower when an AWS service made ' +
    'the call; AWS acting through a service-linked role is not matched. Public policies of other ' +
    'services are resource-policy.made-public.',
  whyItMatters:
    'A resource policy decides who outside the account may use a resource. Granting another account ' +
    'access to a custom model hands over a model trained on the organisation’s data, and lets it be ' +
    'used on the account’s bill; removing a policy can cut off the teams that rely on it. A refused ' +
    'attempt shows someone trying.',
  runbook:
    'Read the policy in the alert’s event (resourcePolicy) and confirm the grant with the model’s owner. ' +
    'If it is not expected, restore the previous policy or delete it, and review what the granted ' +
    'accounts invoked and the caller’s other calls.',
  reference: 'https://docs.aws.amazon.com/bedrock/latest/APIReference/API_PutResourcePolicy.html',
  mitre: ['TA0003:T1098', 'TA0010:T1537'],
  eventNames: ['PutResourcePolicy', 'DeleteResourcePolicy'],
  eventSources: ['bedrock.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const put = e.eventName === 'PutResourcePolicy';
    const did = failed(e) ? `tried to ${put ? 'set' : 'delete'}` : put ? 'set' : 'deleted';
    const who = grantee(e);
    return (
      `${actorLabel(e)} ${did} the resource policy of ${show(resource(e), 160)}` +
      `${who === '' ? '' : `, granting ${who},`} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, resource(e)),
});
