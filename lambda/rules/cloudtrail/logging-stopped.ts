// StopLogging: the trail keeps its configuration but records nothing until StartLogging.
import { defineRule } from '../../core/rule';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

export default defineRule({
  id: 'cloudtrail.logging-stopped',
  title: 'CloudTrail logging stopped',
  description:
    'A principal called StopLogging on a trail. Successful calls are critical; failed calls are ' +
    'still reported, at high, because an attempt to blind the trail is defence evasion whether or ' +
    'not it was allowed.',
  whyItMatters:
    'With the trail stopped, later actions are no longer delivered to S3 or CloudWatch Logs; ' +
    'attackers stop logging before the actions they want to hide.',
  runbook:
    'Confirm the change with the caller or its change ticket. If it is not expected, call ' +
    'StartLogging on the trail, restrict the caller (deny cloudtrail:StopLogging), and review ' +
    'everything the caller did in the hour before and after from Event history.',
  reference: 'https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html',
  mitre: ['TA0005:T1562.008'],
  cis: ['CloudWatch.5'],
  eventNames: ['StopLogging'],
  eventSources: ['cloudtrail.amazonaws.com'],
  severity: (e) => (failed(e) ? 'high' : 'critical'),
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to stop' : 'stopped'} logging on CloudTrail trail ` +
    `${show(param(e, 'name'), 160)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('cloudtrail.logging-stopped', e.recipientAccountId, e.awsRegion, param(e, 'name')),
});
