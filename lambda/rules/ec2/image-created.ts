// CreateImage / CopyImage: a machine image made from an instance's disks, or copied between Regions.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { param, path } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const isCopy = (e: TrailEvent): boolean => e.eventName === 'CopyImage';

/** The new image's id, from the response; '' when the call failed. */
const imageId = (e: TrailEvent): string => path(e.responseElements, 'imageId');

const severity = (e: TrailEvent): Severity => (failed(e) ? 'info' : 'low');

function what(e: TrailEvent): string {
  if (isCopy(e)) {
    return (
      `image ${show(param(e, 'sourceImageId'), 32)} from ${show(param(e, 'sourceRegion'), 24)} ` +
      `to ${show(e.awsRegion, 24)}`
    );
  }
  return `an image of instance ${show(param(e, 'instanceId'), 32)}`;
}

export default defineRule({
  id: 'ec2.image-created',
  title: 'EC2 image created or copied',
  description:
    'A principal created a machine image (AMI) from an instance (CreateImage) or copied one from ' +
    'another Region (CopyImage). Low, info when it failed: build pipelines and backups do this, so ' +
    'the record is context for sharing the image afterwards (ec2.ami-shared). Calls by AWS services ' +
    '(AWS Backup, Image Builder, invokedBy) are not matched.',
  whyItMatters:
    'An image holds a copy of every disk of the instance, with its data, keys and credentials; making ' +
    'one is how an intruder takes an instance away to share it with their own account or start it ' +
    'where nobody watches.',
  runbook:
    'Check the image against a build pipeline or backup plan. If nobody expects it, look for ' +
    'ModifyImageAttribute, CopyImage and RunInstances calls on it by the same principal, deregister it ' +
    'and delete its snapshots.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateImage.html',
  mitre: ['TA0009:T1005', 'TA0010:T1537'],
  eventNames: ['CreateImage', 'CopyImage'],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: (e) => !isServiceCaller(e),
  explain: (e) => {
    const created = imageId(e) ? ` as ${show(imageId(e), 32)}` : '';
    const verb = isCopy(e) ? 'copied' : 'created';
    const attempt = isCopy(e) ? 'tried to copy' : 'tried to create';
    return `${actorLabel(e)} ${failed(e) ? attempt : verb} ${what(e)}${created} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) =>
    dedup('ec2.image-created', e.recipientAccountId, e.awsRegion, param(e, 'instanceId', 'sourceImageId')),
});
