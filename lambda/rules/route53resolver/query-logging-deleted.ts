// DNS query logging removed: Route 53 Resolver query log configs deleted or detached from VPCs.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'route53resolver.query-logging-deleted';

function severity(e: TrailEvent): Severity {
  return lowerFor('high', failed(e), isServiceCaller(e));
}

const configId = (e: TrailEvent): string => req(e, 'resolverQueryLogConfigId', 'id', 'Id');

export default defineRule({
  id: ID,
  title: 'DNS query logging deleted',
  description:
    'Route 53 Resolver query logging removed (DeleteResolverQueryLogConfig, or ' +
    'DisassociateResolverQueryLogConfig detaching a VPC) or public hosted-zone query logging deleted ' +
    '(Route 53 DeleteQueryLoggingConfig): high. Failed attempts, and calls made by AWS services (e.g. ' +
    'CloudFormation, RAM on share removal), are medium. Changes to the log destination itself are not covered.',
  whyItMatters:
    'DNS query logs show which domains workloads resolve: command-and-control and DNS exfiltration are ' +
    'found there. Removing them blinds that view of the VPC before the traffic it would reveal.',
  runbook:
    'Confirm the change with the network owner. If unexpected, re-create the query logging configuration ' +
    '(CreateResolverQueryLogConfig) and associate it with the VPCs again ' +
    '(AssociateResolverQueryLogConfig), restrict route53resolver:Delete*/Disassociate* (SCP), and review ' +
    "the DNS queries logged before the gap and the caller's other actions.",
  reference: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs.html',
  mitre: ['TA0005:T1562.008'],
  eventNames: [
    'DeleteResolverQueryLogConfig',
    'DisassociateResolverQueryLogConfig',
    'DeleteQueryLoggingConfig',
  ],
  eventSources: ['route53resolver.amazonaws.com', 'route53.amazonaws.com'],
  severity,
  matches: (e) =>
    e.eventName === 'DeleteQueryLoggingConfig'
      ? e.eventSource === 'route53.amazonaws.com'
      : e.eventSource === 'route53resolver.amazonaws.com',
  explain: (e) => {
    const vpc = req(e, 'resourceId');
    const what =
      e.eventName === 'DisassociateResolverQueryLogConfig'
        ? `detached DNS query logging config ${show(configId(e), 64)} from ${show(vpc, 64)}`
        : `deleted DNS query logging config ${show(configId(e), 64)}`;
    return `${actorLabel(e)} ${failed(e) ? `tried (${show(e.eventName, 48)}): ` : ''}${what} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, configId(e), req(e, 'resourceId')),
});
