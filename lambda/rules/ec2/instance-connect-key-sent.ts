// SendSSHPublicKey: EC2 Instance Connect pushes a 60-second SSH key to an instance user.
import { defineRule } from '../../core/rule';
import { actorLabel, isAwsItself, isKeyHolderOrRoot } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

export default defineRule({
  id: 'ec2.instance-connect-key-sent',
  title: 'EC2 Instance Connect key sent',
  description:
    'A principal pushed an SSH public key to an instance with EC2 Instance Connect (SendSSHPublicKey). ' +
    'High when the caller is a key holder (an IAM user’s long-term access key, or a session made from ' +
    'it outside the console) or root, medium otherwise; failed calls one step lower; calls by AWS ' +
    'itself are not matched. The same call ' +
    'made by the console’s “Connect” button is included. Many instances in a short time is a later ' +
    'stateful check; serial console keys are ec2.serial-console-access.',
  whyItMatters:
    'Instance Connect turns an IAM permission into an SSH login on the instance; after a credential ' +
    'theft it is a quick way onto hosts and their instance roles.',
  runbook:
    'Confirm the login with the caller. If it is not expected, review the instance’s SSH logs for the ' +
    'session, look for new keys or users on the host, and rotate the caller credentials.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/connect-linux-inst-eic.html',
  mitre: ['TA0008:T1021.004', 'TA0003:T1098.004'],
  eventNames: ['SendSSHPublicKey'],
  eventSources: ['ec2-instance-connect.amazonaws.com'],
  severity: (e) => byOutcome(e, isKeyHolderOrRoot(e) ? 'high' : 'medium'),
  matches: (e) => !isAwsItself(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to push' : 'pushed'} an SSH key for OS user ` +
    `${show(param(e, 'instanceOSUser'), 32)} to instance ${show(param(e, 'instanceId'), 40)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup(
      'ec2.instance-connect-key-sent',
      e.recipientAccountId,
      e.actor.arn || e.actor.userName,
      param(e, 'instanceId'),
    ),
});
