// StopInstances: running instances stopped by a principal.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { isTrue, itemsOf } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

/** The instance ids of the request (`instancesSet.items[].instanceId`), at most 100. */
const instances = (e: TrailEvent): string[] =>
  itemsOf(e.requestParameters.instancesSet)
    .map((item) => str(item.instanceId))
    .filter((id) => id !== '')
    .slice(0, 100);

const severity = (e: TrailEvent): Severity => (failed(e) ? 'info' : 'low');

export default defineRule({
  id: 'ec2.instances-stopped',
  title: 'EC2 instances stopped',
  description:
    'A principal stopped (or hibernated) EC2 instances (StopInstances). Low, info when it failed: ' +
    'schedulers and people stop instances every day, so the record is context for an outage or for ' +
    'changes that only apply to a stopped instance (user data, instance type, volumes). Calls by AWS ' +
    'itself (Auto Scaling’s service-linked role) are not matched.',
  whyItMatters:
    'Stopping instances takes services down, and it is the step before changes that need a stopped ' +
    'instance: a new user data script that runs at the next boot, or a root volume swapped for a copy.',
  runbook:
    'Match the stop to a schedule or a change. If none explains it, check whether the instances’ user ' +
    'data, volumes or attributes changed while they were stopped (ec2.user-data-modified), restart ' +
    'those that should run, and review the principal’s other calls.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StopInstances.html',
  mitre: ['TA0040:T1489', 'TA0040:T1529'],
  eventNames: ['StopInstances'],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const ids = instances(e);
    const how = isTrue(e.requestParameters.hibernate)
      ? ' (hibernate)'
      : isTrue(e.requestParameters.force)
        ? ' (forced)'
        : '';
    const which = ids.length === 0 ? 'instances' : `${ids.length} instance(s) ${show(firstFew(ids), 120)}`;
    return `${actorLabel(e)} ${failed(e) ? 'tried to stop' : 'stopped'} ${which}${how} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) =>
    dedup('ec2.instances-stopped', e.recipientAccountId, e.awsRegion, e.actor.arn || e.actor.principalId),
});
