// DisableEbsEncryptionByDefault: new volumes and snapshot copies in the region are no longer
// encrypted unless someone asks.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const severity = (e: TrailEvent): Severity => judgeChange(e, 'high');

export default defineRule({
  id: 'ec2.ebs-default-encryption-disabled',
  title: 'EBS encryption by default turned off',
  description:
    'A principal turned off EBS encryption by default in a region (DisableEbsEncryptionByDefault): high; ' +
    'one step lower when an AWS service made the call, low when it failed.',
  whyItMatters:
    'Unencrypted volumes and snapshots can be shared with any account, and copied out without a KMS key ' +
    'that would otherwise have to be granted; it is also a control most compliance baselines require.',
  runbook:
    'Confirm with the account owner. If it is not expected, turn it back on (EnableEbsEncryptionByDefault) ' +
    'and look for volumes and snapshots created unencrypted since.',
  reference: 'https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html',
  mitre: ['TA0005:T1562.001', 'TA0010:T1537'],
  eventNames: ['DisableEbsEncryptionByDefault'],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} turned off EBS encryption by default in ${show(e.awsRegion, 32)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('ec2.ebs-default-encryption-disabled', e.recipientAccountId, e.awsRegion),
});
