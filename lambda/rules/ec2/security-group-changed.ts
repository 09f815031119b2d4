// Security group changes (CIS / Security Hub CloudWatch.10). Groups opened to the internet on
// admin ports are another rule's finding; this one keeps the routine trail of changes.
import { obj, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/**
 * Calls that let more traffic in or out: a new ingress or egress rule, or a rule rewritten in place
 * (ModifySecurityGroupRules can widen a rule as far as a new one).
 */
const WIDENING = new Set([
  'AuthorizeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
  'ModifySecurityGroupRules',
]);

/** Medium for a rule added or rewritten, low for removals and group creation or deletion; failed one step lower. */
function severity(e: TrailEvent): Severity {
  const base: Severity = WIDENING.has(e.eventName) ? 'medium' : 'low';
  return failed(e) ? lower(base) : base;
}

/** The group: its id, or the name of a new group (with the id AWS gave it, when recorded). */
function group(e: TrailEvent): string {
  const nested = obj(e.requestParameters.ModifySecurityGroupRulesRequest);
  return (
    param(e, 'groupId') || str(nested.GroupId) || str(e.responseElements.groupId) || param(e, 'groupName')
  );
}

export default defineRule({
  id: 'ec2.security-group-changed',
  title: 'Security group changed',
  description:
    'A principal created or deleted a security group, or added, removed or modified its rules. Medium ' +
    'when a rule is added (AuthorizeSecurityGroupIngress, AuthorizeSecurityGroupEgress) or rewritten in ' +
    'place (ModifySecurityGroupRules): each lets new traffic reach or leave the instances behind the ' +
    'group. Low for revokes and for creating or deleting a group, which admit nothing by themselves; a ' +
    'failed call is one step lower. Calls made by AWS services for their own groups (invokedBy, ' +
    'service-linked roles such as EKS, ELB or EMR) are not matched. A group opened to the internet on ' +
    'admin ports is ec2.security-group-opened-to-world, rated on its own.',
  whyItMatters:
    'Security groups are the instance firewall; a changed rule can expose a workload or open a ' +
    'path for lateral movement, and the change history is what an investigation needs.',
  runbook:
    'Review the rule change (DescribeSecurityGroupRules) against the infrastructure code. If it ' +
    'is not expected, revert it and ask the caller why it was made; look for instances that use ' +
    'the group and for connections since the change in VPC Flow Logs.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html',
  mitre: ['TA0005:T1578', 'TA0005:T1562.007'],
  cis: ['CloudWatch.10'],
  eventNames: [
    'AuthorizeSecurityGroupIngress',
    'AuthorizeSecurityGroupEgress',
    'RevokeSecurityGroupIngress',
    'RevokeSecurityGroupEgress',
    'CreateSecurityGroup',
    'DeleteSecurityGroup',
    'ModifySecurityGroupRules',
  ],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: (e) => !viaAwsService(e),
  explain: (e) =>
    `${actorLabel(e)} called ${show(e.eventName, 48)} on security group ${show(group(e), 80)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('ec2.security-group-changed', e.recipientAccountId, e.awsRegion, group(e)),
});
