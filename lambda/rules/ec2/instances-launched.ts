// RunInstances: new compute, the usual first move of a cryptomining intrusion.
import { obj, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { JsonObject, Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsServiceCall, isServiceLinkedRole } from '../common/actors';
import { objectsOf, param, toInt } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

/** A launch of this many instances or more, in one call, is large. */
const LARGE_COUNT = 10;

/**
 * Accelerated computing families, by the start of the instance type: GPUs (P, G, including Gr),
 * AWS Inferentia and Trainium (Inf, Trn), Gaudi and Qualcomm (DL), FPGAs (F) and video
 * transcoding (VT). No other family starts with these letters followed by a digit.
 */
const ACCELERATED = /^(?:p|g|gr|inf|trn|dl|f|vt)\d/;

/** The first item of an `{ items: [...] }` set, as CloudTrail records EC2 lists. */
function firstItem(set: unknown): JsonObject {
  return setItems(set).at(0) ?? {};
}

/** The objects of an `{ items: [...] }` set; none when the set or its items are missing. */
const setItems = (set: unknown): JsonObject[] => objectsOf(obj(set).items);

/** The launched instances, as the response lists them. */
const launched = (e: TrailEvent): JsonObject[] => setItems(e.responseElements.instancesSet);

/** The requested count: the larger of `minCount` and `maxCount` of the request. */
function requestedCount(e: TrailEvent): number | undefined {
  const item = firstItem(e.requestParameters.instancesSet);
  const counts = [toInt(item.minCount), toInt(item.maxCount)].filter((n) => n !== undefined);
  return counts.length > 0 ? Math.max(...counts) : undefined;
}

/** How many instances the call launched (the response) or asked for (the request), if known. */
function count(e: TrailEvent): number | undefined {
  const items = launched(e).length;
  return items > 0 ? Math.max(items, requestedCount(e) ?? 0) : requestedCount(e);
}

/**
 * The instance types of the call: the request's, and those the response reports (a launch
 * template or a fleet names the type outside the request).
 */
function instanceTypes(e: TrailEvent): string[] {
  const types = [param(e, 'instanceType'), ...launched(e).map((i) => str(i.instanceType))];
  return [...new Set(types.map((t) => t.trim().toLowerCase()).filter((t) => t !== ''))];
}

const acceleratedType = (e: TrailEvent): string => instanceTypes(e).find((t) => ACCELERATED.test(t)) ?? '';

/** GPU or other accelerated instances, or a large count: how cryptomining and model abuse start. */
const isMiningShaped = (e: TrailEvent): boolean =>
  acceleratedType(e) !== '' || (count(e) ?? 0) >= LARGE_COUNT;

/**
 * Medium for any launch; high for accelerated instances or 10 and more in one call. A refused
 * launch is low, but medium when it was for accelerated instances or a large count: a launch
 * refused for the vCPU quota or a DryRun probe of GPU capacity is how a mining attempt with
 * stolen keys usually shows up.
 */
function severity(e: TrailEvent): Severity {
  const shaped = isMiningShaped(e);
  if (failed(e)) return shaped ? 'medium' : 'low';
  return shaped ? 'high' : 'medium';
}

function detail(e: TrailEvent): string {
  const accelerated = acceleratedType(e);
  if (accelerated !== '') return ' (accelerated computing: GPU or ML chips)';
  return (count(e) ?? 0) >= LARGE_COUNT ? ' (a large launch)' : '';
}

export default defineRule({
  id: 'ec2.instances-launched',
  title: 'EC2 instances launched',
  description:
    'A principal called RunInstances. Medium when it succeeded, low when it failed (including ' +
    'DryRun probes). High when the launch is cryptomining-shaped: accelerated computing instances ' +
    '(the P, G, Gr, Inf, Trn, DL, F and VT families: GPUs, Inferentia, Trainium, Gaudi, FPGAs), ' +
    'named in the request or, for a launch template, in the response, or 10 instances or more in ' +
    'one call (minCount, maxCount or the instances launched); such a launch that was refused ' +
    '(vCPU quota, DryRun, access denied) is medium. Launches by AWS services (Auto Scaling, Spot ' +
    'Fleet and other service-linked roles, or any call with invokedBy) are expected and not matched.',
  whyItMatters:
    'Stolen credentials are most often turned into compute: cryptominers, or a foothold inside the ' +
    'VPC. GPU instances and launches by the dozen are what mining and model abuse look for, at a ' +
    'cost of thousands of dollars a day; a human launching instances outside the usual pipeline ' +
    'deserves a look.',
  runbook:
    'Check that the launch matches a deployment or a request from the caller. If not, stop the ' +
    'instances (keep the volumes for forensics), review their security groups, user data and ' +
    'instance profile, look for the same launch in other regions, and rotate the caller ' +
    'credentials. For a refused GPU launch, check which quotas the caller asked to raise.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html',
  mitre: ['TA0040:T1496.001', 'TA0005:T1578.002'],
  eventNames: ['RunInstances'],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: (e) => !isAwsServiceCall(e) && !isServiceLinkedRole(e),
  explain: (e) => {
    const image = show(str(firstItem(e.requestParameters.instancesSet).imageId) || param(e, 'imageId'), 48);
    const first = show(str(launched(e).at(0)?.instanceId), 32, 'none');
    const type = acceleratedType(e) || instanceTypes(e).at(0) || param(e, 'instanceType');
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to launch' : 'launched'} ${show(String(count(e) ?? '?'), 8)} ` +
      `${show(type, 32)} instance(s)${detail(e)} of image ${image} (first: ${first}) ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('ec2.instances-launched', e.actor.arn || e.actor.userName, e.awsRegion),
});
