// DescribeInstanceAttribute userData: the boot script of an instance, often full of secrets.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const readsUserData = (e: TrailEvent): boolean => param(e, 'attribute').trim().toLowerCase() === 'userdata';

export default defineRule({
  id: 'ec2.user-data-read',
  title: 'EC2 instance user data read',
  description:
    'A principal read an instance’s user data through the API (DescribeInstanceAttribute with ' +
    'attribute userData). Medium when it succeeded, low when it failed. Reads by AWS services ' +
    '(invokedBy, service-linked roles, e.g. security scanners deployed by CloudFormation) are not ' +
    'matched; reads from inside the instance through IMDS never reach CloudTrail.',
  whyItMatters:
    'User data scripts often carry passwords, tokens and keys; reading them is a cheap credential ' +
    'harvest and a way to learn how the instance is built.',
  runbook:
    'Ask the caller why they read the user data. If it is not expected, read the script yourself, ' +
    'rotate every secret it contains, move secrets to Secrets Manager or Parameter Store, and review ' +
    'what else the caller enumerated.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceAttribute.html',
  mitre: ['TA0006:T1552.005', 'TA0007:T1580'],
  eventNames: ['DescribeInstanceAttribute'],
  eventSources: ['ec2.amazonaws.com'],
  severity: (e) => byOutcome(e, 'medium'),
  matches: (e) => readsUserData(e) && !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to read' : 'read'} the user data of instance ` +
    `${show(param(e, 'instanceId'), 40)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup(
      'ec2.user-data-read',
      e.recipientAccountId,
      e.actor.arn || e.actor.userName,
      param(e, 'instanceId'),
    ),
});
