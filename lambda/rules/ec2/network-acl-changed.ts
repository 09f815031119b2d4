// Network ACL changes (CIS / Security Hub CloudWatch.11).
import { obj, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import {
  adminPortOf,
  coversEveryAddress,
  hasPorts,
  isAllTraffic,
  isDangerous,
  type Opening,
  openingOf,
} from '../common/network';
import { failed } from '../common/outcome';
import { lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** An inbound ALLOW entry from the whole internet, as the request writes it. */
interface WorldEntry extends Opening {
  readonly cidr: string;
}

/** The entry the call writes lets inbound traffic in from 0.0.0.0/0 or ::/0 (any /0); else undefined. */
function worldEntry(e: TrailEvent): WorldEntry | undefined {
  if (e.eventName !== 'CreateNetworkAclEntry' && e.eventName !== 'ReplaceNetworkAclEntry') return undefined;
  const p = e.requestParameters;
  if (str(p.ruleAction).trim().toLowerCase() !== 'allow') return undefined;
  if (str(p.egress).trim().toLowerCase() !== 'false') return undefined;
  const cidr = [str(p.cidrBlock).trim(), str(p.ipv6CidrBlock).trim()].find(coversEveryAddress);
  if (cidr === undefined) return undefined;
  const ports = obj(p.portRange);
  return { cidr, ...openingOf(p.aclProtocol, ports.from, ports.to) };
}

/**
 * Deleting an ACL or one of its entries removes filtering a subnet relied on: a deleted deny entry lets
 * the traffic it blocked through, and an ACL can only be deleted once no subnet uses it, so its deletion
 * completes moving subnets off it (ReplaceNetworkAclAssociation) and removes its rules for good.
 */
const DELETIONS = new Set(['DeleteNetworkAcl', 'DeleteNetworkAclEntry']);

function severity(e: TrailEvent): Severity {
  const entry = worldEntry(e);
  const base: Severity =
    (entry !== undefined && isDangerous(entry)) || DELETIONS.has(e.eventName) ? 'medium' : 'low';
  return failed(e) ? lower(base) : base;
}

function describe(entry: WorldEntry): string {
  const from = `from ${show(entry.cidr, 48)}`;
  if (isAllTraffic(entry)) return `all inbound traffic ${from}`;
  if (!hasPorts(entry)) return `inbound protocol ${show(entry.protocol, 16, '?')} ${from}`;
  const [low, high] = entry.ports;
  const name = entry.protocol === '6' || entry.protocol === 'tcp' ? 'TCP' : 'UDP';
  const ports = low === high ? `port ${low}` : `ports ${low}-${high}`;
  const port = adminPortOf(entry);
  const admin = port !== undefined && low !== high ? ` (includes ${port})` : '';
  return `inbound ${name} ${ports}${admin} ${from}`;
}

const acl = (e: TrailEvent): string => param(e, 'networkAclId', 'associationId', 'vpcId') || '';

export default defineRule({
  id: 'ec2.network-acl-changed',
  title: 'Network ACL changed',
  description:
    'A principal created, replaced or deleted a network ACL, one of its entries, or a subnet ' +
    'association. Medium for an inbound allow entry from 0.0.0.0/0 or ::/0 (any /0) for all protocols, or ' +
    'for a TCP or UDP range that includes an administration or database port (the ports of ' +
    'ec2.security-group-opened-to-world: SSH, RDP, SMB, WinRM, VNC, MySQL, PostgreSQL, SQL Server, ' +
    'Redis, MongoDB, ...), and for DeleteNetworkAcl and DeleteNetworkAclEntry (a deleted deny entry ' +
    'lets through what it blocked; an ACL is deleted only once its subnets were moved off it, and its ' +
    'rules are then gone for good); low otherwise (other ports, egress and deny entries, associations). The ' +
    'security group rule rates the same opening critical because a security group admits the ' +
    'traffic itself; a network ACL only stops filtering it for the subnet (the default ACL allows ' +
    'all inbound traffic). Failed calls are one step lower (info for a low change). Calls made by ' +
    'AWS services (invokedBy, service-linked roles) are not matched.',
  whyItMatters:
    'Network ACLs are the subnet firewall, often the last layer behind security groups; an allow ' +
    'all entry from the internet removes it for the whole subnet, so one permissive security ' +
    'group is then enough to expose an administration or database port.',
  runbook:
    'Review the entry (DescribeNetworkAcls) against the infrastructure code. If it is not expected, ' +
    'delete or replace it, ask the caller why it was made, check the security groups of the ' +
    "subnet's interfaces for rules open to the internet, and check VPC Flow Logs for inbound " +
    'connections to the subnet since the change.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html',
  mitre: ['TA0005:T1562.007', 'TA0005:T1578'],
  cis: ['CloudWatch.11'],
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
    const entry = worldEntry(e);
    const open =
      entry === undefined ? '' : `; the entry ${failed(e) ? 'would allow' : 'allows'} ${describe(entry)}`;
    return (
      `${actorLabel(e)} called ${show(e.eventName, 48)} on network ACL ${show(acl(e), 80)} ` +
      `${origin(e)}${outcome(e)}${open}.`
    );
  },
  dedupKey: (e) => dedup('ec2.network-acl-changed', e.recipientAccountId, e.awsRegion, acl(e)),
});
