// GetPasswordData: the encrypted Windows administrator password of an instance.
import { defineRule } from '../../core/rule';
import { actorLabel, isServiceCaller } from '../common/actors';
import { param } from '../common/json';
import { succeeded } from '../common/outcome';
import { dedup, origin, show } from '../common/text';

export default defineRule({
  id: 'ec2.password-data-read',
  title: 'EC2 Windows password data read',
  description:
    'A principal read the encrypted administrator password of a Windows instance (GetPasswordData). ' +
    'Medium for a successful read; failed reads and reads by AWS services (invokedBy, service-linked ' +
    'roles) are not matched. Bursts across many instances are a later stateful check.',
  whyItMatters:
    'With the key pair’s private key, the password data gives the local Administrator password: a ' +
    'direct route from API access to an interactive login on the instance.',
  runbook:
    'Ask the caller why they needed the password. If it is not expected, change the Administrator ' +
    'password on the instance, review RDP logins to it since, and rotate the caller credentials.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetPasswordData.html',
  mitre: ['TA0006:T1552'],
  eventNames: ['GetPasswordData'],
  eventSources: ['ec2.amazonaws.com'],
  severity: 'medium',
  matches: (e) => succeeded(e) && !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} read the Windows password data of instance ${show(param(e, 'instanceId'), 40)} ${origin(e)}.`,
  dedupKey: (e) =>
    dedup(
      'ec2.password-data-read',
      e.recipientAccountId,
      e.actor.arn || e.actor.userName,
      param(e, 'instanceId'),
    ),
});
