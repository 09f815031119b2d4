// Network ACL changes (CIS / Security Hub CloudWatch.11).
import { obj, str } from '../core/event';
import { defineRule } from '../core/rule';
import type { Severity, TrailEvent } from '../core/types';
import { actorLabel, dedup, failed, origin, outcome, param, show } from './helpers';
import { isWorldCidr, viaAwsService } from './helpers-network';

const ADMIN_PORTS = [22, 3389];

/** The ports of a TCP entry cover SSH or RDP. */
function coversAdminPort(e: TrailEvent): boolean {
  const range = obj(e.requestParameters.portRange);
  const from = Number(str(range.from));
  const to = Number(str(range.to));
  if (!Number.isFinite(from) || !Number.isFinite(to) || str(range.from) === '') return false;
  return ADMIN_PORTS.some((port) => from <= port && port <= to);
}

/**
 * The entry lets inbound traffic in from the whole internet (0.0.0.0/0 or ::/0), for every
 * protocol, or for TCP on SSH or RDP.
 */
function allowsWorldIn(e: TrailEvent): boolean {
  if (e.eventName !== 'CreateNetworkAclEntry' && e.eventName !== 'ReplaceNetworkAclEntry') return false;
  const p = e.requestParameters;
  if (str(p.ruleAction).toLowerCase() !== 'allow' || str(p.egress) !== 'false') return false;
  if (!isWorldCidr(p.cidrBlock) && !isWorldCidr(p.ipv6CidrBlock)) return false;
  const protocol = str(p.aclProtocol).toLowerCase();
  return (
    protocol === '-1' ||
    protocol === 'all' ||
    ((protocol === '6' || protocol === 'tcp') && coversAdminPort(e))
  );
}

function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'info';
  return allowsWorldIn(e) ? 'medium' : 'low';
}

const acl = (e: TrailEvent): string =>
  param(e, 'networkAclId') || param(e, 'associationId') || param(e, 'vpcId') || '';

export default defineRule({
  id: 'ec2.network-acl-changed',
  title: 'Network ACL changed',
  description:
    'A principal created, replaced or deleted a network ACL, one of its entries, or a subnet ' +
    'association. Medium for an inbound allow entry from 0.0.0.0/0 or ::/0 for all protocols, or ' +
    'for TCP on port 22 or 3389; low otherwise; failed calls are info. Calls made by AWS services ' +
    '(invokedBy, service-linked roles) are not matched.',
  whyItMatters:
    'Network ACLs are the subnet firewall, often the last layer behind security groups; an allow ' +
    'all entry from the internet removes it for the whole subnet.',
  runbook:
    'Review the entry (DescribeNetworkAcls) against the infrastructure code. If it is not expected, ' +
    'delete or replace it, ask the caller why it was made, and check VPC Flow Logs for inbound ' +
    'connections to the subnet since the change.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html',
  mitre: ['TA0005:T1562.007', 'TA0005:T1578'],
  eventNames: [
    'CreateNetworkAcl',
    'CreateNetworkAclEntry',
    'DeleteNetworkAcl',
    'DeleteNetworkAclEntry',
    'ReplaceNetworkAclEntry',
    'ReplaceNetworkAclAssociation',
  ],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: (e) => !viaAwsService(e),
  explain: (e) => {
    const open = allowsWorldIn(e)
      ? `, allowing inbound traffic from ${show(param(e, 'cidrBlock') || param(e, 'ipv6CidrBlock'), 24)}`
      : '';
    return (
      `${actorLabel(e)} called ${show(e.eventName, 48)} on network ACL ${show(acl(e), 80)}${open} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('ec2.network-acl-changed', e.recipientAccountId, e.awsRegion, acl(e)),
});
