// ApplySecurityGroupsToLoadBalancer / SetSecurityGroups: a load balancer's security groups replaced.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { child, req, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

const ID = 'elb.security-groups-changed';

/** The load balancer: a Classic Load Balancer's name, or an Application or Network Load Balancer's ARN. */
const loadBalancer = (e: TrailEvent): string => req(e, 'loadBalancerName', 'loadBalancerArn');

/** The groups the call sets; they replace every group the load balancer had. */
const groups = (e: TrailEvent): string[] => stringsOf(child(e.requestParameters, 'securityGroups'));

export default defineRule({
  id: ID,
  title: 'Load balancer security groups replaced',
  description:
    'A principal replaced the security groups of a load balancer: ApplySecurityGroupsToLoadBalancer ' +
    '(Classic Load Balancer) or SetSecurityGroups (Application and Network Load Balancers). The groups ' +
    'given replace all the previous ones, so one call can swap a restricted group for an open one, or ' +
    'drop every group from a Network Load Balancer. Medium; one step lower when an AWS service made the ' +
    'call for a principal (CloudFormation); low when it failed. Calls by AWS itself (service-linked ' +
    'roles) are not matched. What the new groups ' +
    'allow is not in the record: ec2.security-group-changed and ec2.security-group-opened-to-world judge ' +
    'the rules themselves.',
  whyItMatters:
    'The load balancer is the front door of an application; its security groups decide who may reach it ' +
    'and which targets it may reach. Replacing them can open an internal service to the internet, or a ' +
    'path from the load balancer into a network it should not touch.',
  runbook:
    'Compare the new groups with the infrastructure code (DescribeLoadBalancers shows them). If the change ' +
    'is not expected, restore the previous groups, review the inbound rules of the new ones ' +
    '(DescribeSecurityGroupRules), and check the load balancer’s access logs for connections since the ' +
    'change.',
  reference:
    'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_SetSecurityGroups.html',
  mitre: ['TA0005:T1562.007', 'TA0001:T1190'],
  eventNames: ['ApplySecurityGroupsToLoadBalancer', 'SetSecurityGroups'],
  eventSources: ['elasticloadbalancing.amazonaws.com'],
  severity: (e) => judgeChange(e, 'medium'),
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const list = groups(e);
    const set = list.length > 0 ? `security group(s) ${show(firstFew(list), 120)}` : 'no security group';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to set' : 'set'} ${set} on load balancer ` +
      `${show(loadBalancer(e), 160)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, loadBalancer(e)),
});
