// Route table changes (CIS / Security Hub CloudWatch.13).
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'ec2.route-table-changed';

const routeTable = (e: TrailEvent): string => param(e, 'routeTableId', 'associationId', 'vpcId') || '';

/** The request fields that name a route's next hop, in the order the alert prefers them. */
const NEXT_HOP_FIELDS = [
  'gatewayId',
  'egressOnlyInternetGatewayId',
  'natGatewayId',
  'transitGatewayId',
  'vpcPeeringConnectionId',
  'networkInterfaceId',
  'instanceId',
  'vpcEndpointId',
  'localGatewayId',
  'carrierGatewayId',
  'coreNetworkArn',
] as const;

/** The next hop of a route, for the alert. */
const target = (e: TrailEvent): string => param(e, ...NEXT_HOP_FIELDS);

/**
 * A route that sends traffic somewhere new: to the internet (an internet gateway, igw-), to another
 * network (a peering connection, a transit gateway, a VPN gateway, vgw-, a Cloud WAN core network), or
 * through a machine (an instance or a network interface, where it can be read). NAT gateways, VPC
 * endpoints and the local, carrier and egress-only gateways carry traffic out through AWS-managed paths
 * that do not expose or divert it.
 */
function redirects(e: TrailEvent): boolean {
  if (e.eventName !== 'CreateRoute' && e.eventName !== 'ReplaceRoute') return false;
  const gateway = param(e, 'gatewayId').trim().toLowerCase();
  if (gateway.startsWith('igw-') || gateway.startsWith('vgw-')) return true;
  return [
    'transitGatewayId',
    'vpcPeeringConnectionId',
    'networkInterfaceId',
    'instanceId',
    'coreNetworkArn',
  ].some((field) => param(e, field).trim() !== '');
}

/** Medium for a redirecting route, low for any other change; a failed call one step lower. */
function severity(e: TrailEvent): Severity {
  const base: Severity = redirects(e) ? 'medium' : 'low';
  return failed(e) ? lower(base) : base;
}

export default defineRule({
  id: ID,
  title: 'Route table changed',
  description:
    'A principal created, replaced or deleted a route or route table, or changed a subnet association. ' +
    'Medium for a CreateRoute or ReplaceRoute whose next hop is an internet gateway, a VPN gateway, a VPC ' +
    'peering connection, a transit gateway, a Cloud WAN core network, an instance or a network interface: ' +
    'the routes that expose a subnet to the internet, send its traffic to another network, or through a ' +
    'machine that can read it. Low for other changes (routes to NAT gateways and VPC endpoints, deletions, ' +
    'associations), kept for the record as CIS asks. Failed calls are one step lower. Calls made by AWS ' +
    'services (invokedBy, such as CloudFormation, and service-linked roles) are not matched.',
  whyItMatters:
    'Routes decide where traffic goes; a new default route through an instance or peering connection can ' +
    'send traffic past inspection or out of the network, and a route to an internet gateway makes a ' +
    'private subnet reachable.',
  runbook:
    'Review the route table (DescribeRouteTables) against the infrastructure code. If the change is not ' +
    'expected, restore the route, identify what owns the new next hop (which account owns the peering ' +
    'connection or transit gateway, which instance owns the interface), and check VPC Flow Logs for ' +
    'traffic through it.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html',
  mitre: ['TA0005:T1578', 'TA0009:T1557'],
  cis: ['CloudWatch.13'],
  eventNames: [
    'CreateRoute',
    'CreateRouteTable',
    'ReplaceRoute',
    'ReplaceRouteTableAssociation',
    'DeleteRouteTable',
    'DeleteRoute',
    'DisassociateRouteTable',
  ],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: (e) => !viaAwsService(e),
  explain: (e) => {
    const destination = param(
      e,
      'destinationCidrBlock',
      'destinationIpv6CidrBlock',
      'destinationPrefixListId',
    );
    const route = destination
      ? ` (${show(destination, 48)} via ${show(target(e), 64, 'unknown next hop')})`
      : '';
    return (
      `${actorLabel(e)} called ${show(e.eventName, 48)} on route table ${show(routeTable(e), 60)}${route} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, routeTable(e)),
});
