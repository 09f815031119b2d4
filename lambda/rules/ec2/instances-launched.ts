// RunInstances: new compute, the usual first move of a cryptomining intrusion.
import { obj, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { JsonObject, TrailEvent } from '../../core/types';
import { actorLabel, isAwsServiceCall, isServiceLinkedRole } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

/** The first item of an `{ items: [...] }` set, as CloudTrail records EC2 lists. */
function firstItem(set: unknown): JsonObject {
  const items = obj(set).items;
  return Array.isArray(items) ? obj(items[0]) : {};
}

function instanceCount(e: TrailEvent): string {
  const launched = obj(e.responseElements.instancesSet).items;
  if (Array.isArray(launched) && launched.length > 0) return String(launched.length);
  return str(firstItem(e.requestParameters.instancesSet).maxCount) || '?';
}

export default defineRule({
  id: 'ec2.instances-launched',
  title: 'EC2 instances launched',
  description:
    'A principal called RunInstances. Medium when it succeeded, low when it failed (including ' +
    'DryRun probes). Launches by AWS services (Auto Scaling, Spot Fleet and other service-linked ' +
    'roles, or any call with invokedBy) are expected and not matched.',
  whyItMatters:
    'Stolen credentials are most often turned into compute: cryptominers, or a foothold inside the ' +
    'VPC. A human launching instances outside the usual pipeline deserves a look.',
  runbook:
    'Check that the launch matches a deployment or a request from the caller. If not, stop the ' +
    'instances (keep the volumes for forensics), review their security groups, user data and ' +
    'instance profile, and rotate the caller credentials.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html',
  mitre: ['TA0040:T1496.001', 'TA0005:T1578.002'],
  eventNames: ['RunInstances'],
  eventSources: ['ec2.amazonaws.com'],
  severity: (e) => (failed(e) ? 'low' : 'medium'),
  matches: (e) => !isAwsServiceCall(e) && !isServiceLinkedRole(e),
  explain: (e) => {
    const image = show(str(firstItem(e.requestParameters.instancesSet).imageId) || param(e, 'imageId'), 48);
    const first = show(str(firstItem(e.responseElements.instancesSet).instanceId), 32, 'none');
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to launch' : 'launched'} ${show(instanceCount(e), 8)} ` +
      `${show(param(e, 'instanceType'), 32)} instance(s) of image ${image} (first: ${first}) ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('ec2.instances-launched', e.actor.arn || e.actor.userName, e.awsRegion),
});
