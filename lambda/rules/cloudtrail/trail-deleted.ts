// DeleteTrail: the trail and its configuration are gone; delivered logs stay in S3.
import { defineRule } from '../../core/rule';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

export default defineRule({
  id: 'cloudtrail.trail-deleted',
  title: 'CloudTrail trail deleted',
  description:
    'A principal called DeleteTrail. Successful calls are critical; failed calls are still ' +
    'reported, at high, as an attempted defence evasion.',
  whyItMatters:
    'Deleting a trail stops delivery of every later event to S3 and CloudWatch Logs, and removes ' +
    'the configuration needed to restore it; Event history alone keeps only 90 days.',
  runbook:
    'Confirm the deletion with the caller or its change ticket (a CloudFormation stack deletion ' +
    'shows invokedBy cloudformation.amazonaws.com). If it is not expected, recreate the trail from ' +
    'infrastructure code, restrict the caller, and review its other actions in Event history.',
  reference: 'https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DeleteTrail.html',
  mitre: ['TA0005:T1562.008'],
  cis: ['CloudWatch.5'],
  eventNames: ['DeleteTrail'],
  eventSources: ['cloudtrail.amazonaws.com'],
  severity: (e) => (failed(e) ? 'high' : 'critical'),
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to delete' : 'deleted'} CloudTrail trail ` +
    `${show(param(e, 'name'), 160)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('cloudtrail.trail-deleted', e.recipientAccountId, e.awsRegion, param(e, 'name')),
});
