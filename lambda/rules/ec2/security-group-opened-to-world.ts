// AuthorizeSecurityGroupIngress / ModifySecurityGroupRules: an ingress rule open to the internet.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { JsonObject, Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { child, itemsOf, listOf, param } from '../common/json';
import {
  coversEveryAddress,
  hasPorts,
  isAllTraffic,
  isDangerous,
  type Opening,
  openingOf,
} from '../common/network';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** An ingress permission: an opening and the CIDRs it admits. */
interface Permission extends Opening {
  readonly cidrs: readonly string[];
}

function permission(protocol: unknown, from: unknown, to: unknown, cidrs: unknown[]): Permission {
  return {
    ...openingOf(protocol, from, to),
    cidrs: cidrs.map((c) => str(c).trim()).filter((c) => c !== ''),
  };
}

/** AuthorizeSecurityGroupIngress: `ipPermissions.items[]`, or the flat legacy form (`cidrIp`, ports). */
function fromAuthorize(rp: JsonObject): Permission[] {
  const list = itemsOf(child(rp, 'ipPermissions')).map((item) =>
    permission(child(item, 'ipProtocol'), child(item, 'fromPort'), child(item, 'toPort'), [
      ...itemsOf(child(item, 'ipRanges')).map((r) => child(r, 'cidrIp')),
      ...itemsOf(child(item, 'ipv6Ranges')).map((r) => child(r, 'cidrIpv6')),
    ]),
  );
  const legacy = child(rp, 'cidrIp');
  if (legacy !== undefined) {
    list.push(permission(child(rp, 'ipProtocol'), child(rp, 'fromPort'), child(rp, 'toPort'), [legacy]));
  }
  return list;
}

/** ModifySecurityGroupRules: `ModifySecurityGroupRulesRequest.SecurityGroupRule[].SecurityGroupRule`. */
function fromModify(rp: JsonObject): Permission[] {
  const request = child(rp, 'ModifySecurityGroupRulesRequest');
  return listOf(child(request, 'SecurityGroupRule')).map((wrapper) => {
    const rule = child(wrapper, 'SecurityGroupRule') ?? wrapper;
    return permission(child(rule, 'IpProtocol'), child(rule, 'FromPort'), child(rule, 'ToPort'), [
      child(rule, 'CidrIpv4'),
      child(rule, 'CidrIpv6'),
    ]);
  });
}

function worldPermissions(e: TrailEvent): Permission[] {
  const all =
    e.eventName === 'ModifySecurityGroupRules'
      ? fromModify(e.requestParameters)
      : fromAuthorize(e.requestParameters);
  return all.filter((p) => p.cidrs.some(coversEveryAddress));
}

function severity(e: TrailEvent): Severity {
  const dangerous = worldPermissions(e).some(isDangerous);
  // ModifySecurityGroupRules does not say whether the rule is ingress or egress.
  const worst: Severity = !dangerous
    ? 'low'
    : e.eventName === 'ModifySecurityGroupRules'
      ? 'high'
      : 'critical';
  return byOutcome(e, worst);
}

function describe(p: Permission): string {
  const cidr = p.cidrs.find(coversEveryAddress) ?? '';
  if (isAllTraffic(p)) return `all traffic from ${show(cidr, 48)}`;
  if (!hasPorts(p)) return `protocol ${show(p.protocol, 16, '?')} from ${show(cidr, 48)}`;
  const [low, high] = p.ports;
  const ports = low === high ? `port ${low}` : `ports ${low}-${high}`;
  return `${show(p.protocol, 8)} ${ports} from ${show(cidr, 48)}`;
}

const groupId = (e: TrailEvent): string =>
  param(e, 'groupId') || str(child(child(e.requestParameters, 'ModifySecurityGroupRulesRequest'), 'GroupId'));

export default defineRule({
  id: 'ec2.security-group-opened-to-world',
  title: 'Security group opened to the internet',
  description:
    'A principal added (AuthorizeSecurityGroupIngress) or modified (ModifySecurityGroupRules) a ' +
    'security group rule for 0.0.0.0/0 or ::/0. Critical for all traffic or a range that includes ' +
    'an administration or database port (SSH, RDP, Telnet, FTP, SMB, WinRM, VNC, MySQL, PostgreSQL, ' +
    'SQL Server, Oracle, Redis, MongoDB, Elasticsearch, Memcached, Docker); high instead of critical ' +
    'for ModifySecurityGroupRules, whose record does not say ingress or egress; low for other ports ' +
    '(web traffic is normal). Failed calls are one step lower. Rules for narrower ranges, prefix lists ' +
    'or other groups, and calls by AWS itself, are not matched; egress rules are out of scope.',
  whyItMatters:
    'An administration or database port open to the whole internet is found by scanners within ' +
    'minutes and brute-forced or exploited soon after; it is also how intruders keep a way back in.',
  runbook:
    'Confirm the rule with the owner of the group. If it is not expected, revoke it ' +
    '(RevokeSecurityGroupIngress), check which instances and interfaces use the group, and look for ' +
    'logins and connections to them since the change (VPC Flow Logs, OS logs).',
  reference: 'https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html',
  mitre: ['TA0005:T1562.007', 'TA0001:T1133'],
  // The opening pages here; the plain "rule changed" record of the same call would repeat it.
  supersedes: ['ec2.security-group-changed'],
  eventNames: ['AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules'],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e) && worldPermissions(e).length > 0,
  explain: (e) => {
    const open = worldPermissions(e);
    const worst = open.find(isDangerous) ?? open[0];
    const what = worst ? describe(worst) : 'traffic from the internet';
    const more = open.length > 1 ? ` (and ${open.length - 1} more rule(s))` : '';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to allow' : 'allowed'} ${what}${more} in security group ` +
      `${show(groupId(e), 40)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('ec2.security-group-opened-to-world', e.recipientAccountId, e.awsRegion, groupId(e)),
});
