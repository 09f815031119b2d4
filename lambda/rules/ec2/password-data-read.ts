// GetPasswordData: the encrypted Windows administrator password of an instance.
import { defineRule } from '../../core/rule';
import { actorLabel, isKeyHolderOrRoot, isServiceCaller } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

export default defineRule({
  id: 'ec2.password-data-read',
  title: 'EC2 Windows password data read',
  description:
    'A principal read the encrypted administrator password of a Windows instance (GetPasswordData). ' +
    'High when the caller is a key holder (an IAM user’s long-term access key, or a session made ' +
    'from it outside the console) or root, medium otherwise. A refused read is medium on its own: ' +
    'nobody without the permission has a reason to ask. Reads by AWS services (invokedBy, ' +
    'service-linked roles) are not matched. Reads across many instances are credentials.read-burst.',
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
  severity: (e) => (failed(e) ? 'medium' : isKeyHolderOrRoot(e) ? 'high' : 'medium'),
  matches: (e) => !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to read' : 'read'} the Windows password data of instance ` +
    `${show(param(e, 'instanceId'), 40)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup(
      'ec2.password-data-read',
      e.recipientAccountId,
      e.actor.arn || e.actor.userName,
      param(e, 'instanceId'),
    ),
});
