// DisableKey and ScheduleKeyDeletion (CIS / Security Hub CloudWatch.7): a customer managed key
// made unusable, and with it everything it encrypts.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity } from '../../core/types';
import { actorLabel, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { kmsKeyId, targetsOwnKey } from '../common/resources';
import { dedup, origin, outcome, show } from '../common/text';

export default defineRule({
  id: 'kms.key-disabled-or-scheduled-for-deletion',
  title: 'KMS key disabled or scheduled for deletion',
  description:
    'A principal disabled a KMS key or scheduled its deletion. Critical when the key is ' +
    "trailwatch's own (attempts included); high otherwise, medium when an AWS service made the " +
    'call (a CloudFormation stack deletion schedules its keys for deletion); failed calls on other ' +
    'keys are low. Aliases are not resolved: the key is matched by id or ARN in the request, the ' +
    'response or the record resources.',
  whyItMatters:
    'Data encrypted under a deleted key is lost for good, and a disabled key stops every service ' +
    'that decrypts with it; deleting a key is also a quiet way to destroy backups or logs.',
  runbook:
    'Ask the key owner whether the change is planned. If not, cancel the deletion ' +
    '(CancelKeyDeletion, possible during the 7 to 30 day waiting period) and re-enable the key ' +
    "(EnableKey), then restrict the caller's kms:ScheduleKeyDeletion and kms:DisableKey rights and " +
    "review its other calls. For trailwatch's key, do this first: the detector cannot read its " +
    'state or publish while the key is unusable.',
  reference: 'https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html',
  mitre: ['TA0040:T1485', 'TA0005:T1562.001'],
  cis: ['CloudWatch.7'],
  eventNames: ['DisableKey', 'ScheduleKeyDeletion'],
  eventSources: ['kms.amazonaws.com'],
  severity: (e, context): Severity => {
    if (targetsOwnKey(e, context)) return 'critical';
    if (failed(e)) return 'low';
    return viaAwsService(e) ? 'medium' : 'high';
  },
  matches: () => true,
  explain: (e, context) => {
    const own = targetsOwnKey(e, context) ? "trailwatch's own KMS key" : 'KMS key';
    const days = str(e.requestParameters.pendingWindowInDays);
    const what =
      e.eventName === 'ScheduleKeyDeletion'
        ? `scheduled deletion of ${own} ${show(param(e, 'keyId'), 140)}${days ? ` in ${show(days, 8)} days` : ''}`
        : `disabled ${own} ${show(param(e, 'keyId'), 140)}`;
    return `${actorLabel(e)} ${what} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) =>
    dedup('kms.key-disabled-or-scheduled-for-deletion', e.recipientAccountId, e.awsRegion, kmsKeyId(e)),
});
