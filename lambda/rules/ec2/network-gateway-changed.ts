// Network gateway changes (CIS / Security Hub CloudWatch.12): internet and customer gateways.
import { obj, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

function severity(e: TrailEvent): Severity {
  if (failed(e) || viaAwsService(e)) return 'low';
  return 'medium';
}

const gateway = (e: TrailEvent): string =>
  param(e, 'internetGatewayId', 'customerGatewayId') ||
  str(obj(e.responseElements.internetGateway).internetGatewayId) ||
  str(obj(e.responseElements.customerGateway).customerGatewayId) ||
  param(e, 'ipAddress');

export default defineRule({
  id: 'ec2.network-gateway-changed',
  title: 'Network gateway changed',
  description:
    'A principal created, deleted, attached or detached an internet gateway, or created or deleted ' +
    'a customer gateway (the on-premises end of a site-to-site VPN). Medium; low when the call ' +
    'failed or an AWS service made it (CloudFormation, Control Tower).',
  whyItMatters:
    'Attaching an internet gateway can give private workloads a route to the internet, and a new ' +
    'customer gateway can bridge the VPC to a network the attacker controls.',
  runbook:
    'Confirm the change with the VPC owner. If it is not expected, detach and delete the gateway, ' +
    'check the route tables of the VPC for routes to it, and review VPC Flow Logs for traffic ' +
    'through it.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html',
  mitre: ['TA0005:T1578'],
  cis: ['CloudWatch.12'],

  eventNames: [
    'CreateCustomerGateway',
    'DeleteCustomerGateway',
    'AttachInternetGateway',
    'CreateInternetGateway',
    'DeleteInternetGateway',
    'DetachInternetGateway',
  ],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => {
    const vpc = param(e, 'vpcId') ? ` and VPC ${show(param(e, 'vpcId'), 40)}` : '';
    return (
      `${actorLabel(e)} called ${show(e.eventName, 48)} on gateway ${show(gateway(e), 60, 'new')}${vpc} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup('ec2.network-gateway-changed', e.recipientAccountId, e.awsRegion, e.eventName, gateway(e)),
});
