// VPC changes (CIS / Security Hub CloudWatch.14): VPCs, their attributes, peering and ClassicLink.
import { obj, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isForeignAccount, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

/** The other account of a peering: the requested peer owner, or the requester being accepted. */
function peerAccount(e: TrailEvent): string {
  if (e.eventName === 'CreateVpcPeeringConnection') return param(e, 'peerOwnerId');
  if (e.eventName === 'AcceptVpcPeeringConnection') {
    const connection = obj(e.responseElements.vpcPeeringConnection);
    return str(obj(connection.requesterVpcInfo).ownerId);
  }
  return '';
}

const crossAccountPeering = (e: TrailEvent): boolean => isForeignAccount(e, peerAccount(e));

function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'info';
  return crossAccountPeering(e) ? 'medium' : 'low';
}

const subject = (e: TrailEvent): string =>
  param(e, 'vpcId', 'vpcPeeringConnectionId') ||
  str(obj(e.responseElements.vpc).vpcId) ||
  param(e, 'cidrBlock') ||
  '';

export default defineRule({
  id: 'ec2.vpc-changed',
  title: 'VPC changed',
  description:
    'A principal created or deleted a VPC, changed its attributes, created, accepted, rejected or ' +
    'deleted a peering connection, or changed ClassicLink. Medium for a peering with another ' +
    'account (created towards it, or accepted from it); low otherwise; failed calls are info. Calls ' +
    'made by AWS services (invokedBy, service-linked roles) are not matched.',
  whyItMatters:
    'A peering connection joins two networks; one with an unknown account opens a path for ' +
    'lateral movement or exfiltration that no internet-facing control sees.',
  runbook:
    'Confirm the change with the network owner. For a peering with another account, check that ' +
    'the account is known; if not, delete the peering and the routes to it, and review VPC Flow ' +
    'Logs for traffic across it.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html',
  mitre: ['TA0005:T1578'],
  cis: ['CloudWatch.14'],
  eventNames: [
    'CreateVpc',
    'DeleteVpc',
    'ModifyVpcAttribute',
    'AcceptVpcPeeringConnection',
    'CreateVpcPeeringConnection',
    'DeleteVpcPeeringConnection',
    'RejectVpcPeeringConnection',
    'AttachClassicLinkVpc',
    'DetachClassicLinkVpc',
    'DisableVpcClassicLink',
    'EnableVpcClassicLink',
  ],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: (e) => !viaAwsService(e),
  explain: (e) => {
    const peer = crossAccountPeering(e) ? ` with account ${show(peerAccount(e), 16)}` : '';
    return (
      `${actorLabel(e)} called ${show(e.eventName, 48)} on ${show(subject(e), 60, 'a new VPC')}${peer} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('ec2.vpc-changed', e.recipientAccountId, e.awsRegion, e.eventName, subject(e)),
});
