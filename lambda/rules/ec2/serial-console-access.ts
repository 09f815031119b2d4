// EC2 serial console: enabled for the account, or a key pushed to connect to an instance's console.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const isEnable = (e: TrailEvent): boolean => e.eventName === 'EnableSerialConsoleAccess';

export default defineRule({
  id: 'ec2.serial-console-access',
  title: 'EC2 serial console enabled or used',
  description:
    'A principal enabled EC2 serial console access for the account in a region ' +
    '(EnableSerialConsoleAccess, ec2) or pushed an SSH key to connect to an instance’s serial ' +
    'console (SendSerialConsoleSSHPublicKey, ec2-instance-connect). High when the call succeeded, ' +
    'medium when it failed; calls by AWS itself are not matched.',
  whyItMatters:
    'The serial console reaches an instance below the network: no security group, no SSH daemon ' +
    'needed. It is a break-glass tool, and an intruder’s way onto instances that are otherwise shut.',
  runbook:
    'Confirm the break-glass use with the caller. If it is not expected, disable serial console ' +
    'access (DisableSerialConsoleAccess), check the instance for new users and keys, and rotate the ' +
    'caller credentials.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-serial-console.html',
  mitre: ['TA0002:T1651', 'TA0008:T1021.007'],
  eventNames: ['EnableSerialConsoleAccess', 'SendSerialConsoleSSHPublicKey'],
  eventSources: ['ec2.amazonaws.com', 'ec2-instance-connect.amazonaws.com'],
  severity: (e) => byOutcome(e, 'high'),
  matches: (e) =>
    !isAwsItself(e) &&
    (isEnable(e)
      ? e.eventSource === 'ec2.amazonaws.com'
      : e.eventSource === 'ec2-instance-connect.amazonaws.com'),
  explain: (e) => {
    if (isEnable(e)) {
      return `${actorLabel(e)} ${failed(e) ? 'tried to enable' : 'enabled'} EC2 serial console access ${origin(e)}${outcome(e)}.`;
    }
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to push' : 'pushed'} an SSH key to the serial console of ` +
      `instance ${show(param(e, 'instanceId'), 40)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup(
      'ec2.serial-console-access',
      e.recipientAccountId,
      e.awsRegion,
      param(e, 'instanceId') || 'account',
    ),
});
