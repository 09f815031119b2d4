// Network ACL changes (CIS / Security Hub CloudWatch.11).
import { obj, str } from '../core/event';
import { defineRule } from '../core/rule';
import type { Severity, TrailEvent } from '../core/types';
import { actorLabel, dedup, failed, origin, outcome, param, show } from './helpers';
import { toInt } from './helpers-exposure';
import { adminPortIn, lower, viaAwsService } from './helpers-network';

/** A CIDR with a /0 prefix covers every address, whatever its base address says. */
const isWorld = (cidr: string): boolean => /\/0$/.test(cidr);

/** An inbound ALLOW entry from the whole internet, as the request writes it. */
interface WorldEntry {
  readonly cidr: string;
  /** `aclProtocol` lower-cased: `-1` (all), `6` (TCP), `17` (UDP), another number, or a name. */
  readonly protocol: string;
  /** The port range of a TCP or UDP entry; every port when the record has no readable range. */
  readonly ports: readonly [number, number];
}

const isAllTraffic = (entry: WorldEntry): boolean => entry.protocol === '-1' || entry.protocol === 'all';
const hasPorts = (entry: WorldEntry): boolean => ['6', '17', 'tcp', 'udp'].includes(entry.protocol);

function portsOf(e: TrailEvent): [number, number] {
  const range = obj(e.requestParameters.portRange);
  const from = toInt(range.from);
  const to = toInt(range.to);
  if (from === undefined || to === undefined || from < 0 || to < 0) return [0, 65535];
  return [Math.min(from, to), Math.max(from, to)];
}

/** The entry the call writes lets inbound traffic in from 0.0.0.0/0 or ::/0 (any /0); else undefined. */
function worldEntry(e: TrailEvent): WorldEntry | undefined {
  if (e.eventName !== 'CreateNetworkAclEntry' && e.eventName !== 'ReplaceNetworkAclEntry') return undefined;
  const p = e.requestParameters;
  if (str(p.ruleAction).trim().toLowerCase() !== 'allow') return undefined;
  if (str(p.egress).trim().toLowerCase() !== 'false') return undefined;
  const cidr = [str(p.cidrBlock).trim(), str(p.ipv6CidrBlock).trim()].find(isWorld);
  if (cidr === undefined) return undefined;
  return { cidr, protocol: str(p.aclProtocol).trim().toLowerCase(), ports: portsOf(e) };
}

const adminPort = (entry: WorldEntry): number | undefined =>
  hasPorts(entry) ? adminPortIn(entry.ports[0], entry.ports[1]) : undefined;

/** All traffic, or a TCP/UDP range that includes an administration or database port. */
const isDangerous = (entry: WorldEntry): boolean => isAllTraffic(entry) || adminPort(entry) !== undefined;

function severity(e: TrailEvent): Severity {
  const entry = worldEntry(e);
  const base: Severity = entry !== undefined && isDangerous(entry) ? 'medium' : 'low';
  return failed(e) ? lower(base) : base;
}

function describe(entry: WorldEntry): string {
  const from = `from ${show(entry.cidr, 48)}`;
  if (isAllTraffic(entry)) return `all inbound traffic ${from}`;
  if (!hasPorts(entry)) return `inbound protocol ${show(entry.protocol, 16, '?')} ${from}`;
  const [low, high] = entry.ports;
  const name = entry.protocol === '6' || entry.protocol === 'tcp' ? 'TCP' : 'UDP';
  const ports = low === high ? `port ${low}` : `ports ${low}-${high}`;
  const port = adminPort(entry);
  const admin = port !== undefined && low !== high ? ` (includes ${port})` : '';
  return `inbound ${name} ${ports}${admin} ${from}`;
}

const acl = (e: TrailEvent): string =>
  param(e, 'networkAclId') || param(e, 'associationId') || param(e, 'vpcId') || '';

export default defineRule({
  id: 'ec2.network-acl-changed',
  title: 'Network ACL changed',
  description:
    'A principal created, replaced or deleted a network ACL, one of its entries, or a subnet ' +
    'association. Medium for an inbound allow entry from 0.0.0.0/0 or ::/0 (any /0) for all protocols, or ' +
    'for a TCP or UDP range that includes an administration or database port (the ports of ' +
    'ec2.security-group-opened-to-world: SSH, RDP, SMB, WinRM, VNC, MySQL, PostgreSQL, SQL Server, ' +
    'Redis, MongoDB, ...); low otherwise (other ports, egress and deny entries, deletions). The ' +
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
