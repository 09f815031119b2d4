// Route table changes (CIS / Security Hub CloudWatch.13).
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const routeTable = (e: TrailEvent): string => param(e, 'routeTableId', 'associationId', 'vpcId') || '';

/** The next hop of a route, for the alert. */
const target = (e: TrailEvent): string =>
  param(
    e,
    'gatewayId',
    'natGatewayId',
    'transitGatewayId',
    'vpcPeeringConnectionId',
    'networkInterfaceId',
    'instanceId',
    'vpcEndpointId',
  );

export default defineRule({
  id: 'ec2.route-table-changed',
  title: 'Route table changed',
  description:
    'A principal created, replaced or deleted a route or route table, or changed a subnet ' +
    'association. Low (a routine change kept for the record); failed calls are info. Calls made by ' +
    'AWS services (invokedBy, service-linked roles) are not matched.',
  whyItMatters:
    'Routes decide where traffic goes; a new default route through an instance or peering ' +
    'connection can send traffic past inspection or out of the network.',
  runbook:
    'Review the route table (DescribeRouteTables) against the infrastructure code. If the change is ' +
    'not expected, restore the route, identify what owns the new next hop, and check VPC Flow Logs ' +
    'for traffic through it.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html',
  mitre: ['TA0005:T1578'],
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
  severity: (e) => (failed(e) ? 'info' : 'low'),
  matches: (e) => !viaAwsService(e),
  explain: (e) => {
    const destination = param(e, 'destinationCidrBlock', 'destinationIpv6CidrBlock');
    const route = destination
      ? ` (${show(destination, 48)} via ${show(target(e), 48, 'unknown next hop')})`
      : '';
    return (
      `${actorLabel(e)} called ${show(e.eventName, 48)} on route table ${show(routeTable(e), 60)}${route} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('ec2.route-table-changed', e.recipientAccountId, e.awsRegion, routeTable(e)),
});
