// ModifyInstanceAttribute userData: a new boot script, run as root at the next start.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** CloudTrail records `userData` (redacted) when it changes, or `attribute: userData` with a value. */
const changesUserData = (e: TrailEvent): boolean =>
  'userData' in e.requestParameters || param(e, 'attribute').trim().toLowerCase() === 'userdata';

export default defineRule({
  id: 'ec2.user-data-modified',
  title: 'EC2 instance user data modified',
  description:
    'A principal replaced an instance’s user data (ModifyInstanceAttribute with userData). High when ' +
    'it succeeded, medium when it failed; other attribute changes and calls by AWS itself are not ' +
    'matched. CloudTrail redacts the script, so the rule cannot say what it does.',
  whyItMatters:
    'User data runs as root (or SYSTEM) when the instance starts; replacing it and restarting the ' +
    'instance is a known way to run code on, or plant persistence in, an instance without logging in.',
  runbook:
    'Read the new user data (DescribeInstanceAttribute) and compare it with the launch template. If ' +
    'it is not expected, restore it before the next start, inspect the instance if it has restarted ' +
    'since, and rotate the caller credentials.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html',
  mitre: ['TA0003:T1037', 'TA0002:T1651'],
  eventNames: ['ModifyInstanceAttribute'],
  eventSources: ['ec2.amazonaws.com'],
  severity: (e) => byOutcome(e, 'high'),
  matches: (e) => !isAwsItself(e) && changesUserData(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to replace' : 'replaced'} the user data of instance ` +
    `${show(param(e, 'instanceId'), 40)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('ec2.user-data-modified', e.recipientAccountId, e.awsRegion, param(e, 'instanceId')),
});
