// ModifySnapshotAttribute: an EBS snapshot's createVolumePermission, who may copy the disk.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isAwsItself } from '../common/actors';
import { readShare, type Share } from '../common/ec2-sharing';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

const share = (e: TrailEvent): Share => readShare(e.requestParameters.createVolumePermission, homeAccount(e));

const severity = (e: TrailEvent): Severity => byOutcome(e, share(e).public ? 'critical' : 'high');

export default defineRule({
  id: 'ec2.snapshot-shared',
  title: 'EBS snapshot shared',
  description:
    'A principal added create-volume permission to an EBS snapshot (ModifySnapshotAttribute). ' +
    'Critical when it is shared with everyone (group "all"), high when shared with other accounts; ' +
    'failed attempts are medium. Removals and changes that add nobody are not matched, nor are calls ' +
    'by AWS itself (AWS Backup and other service-linked roles).',
  whyItMatters:
    'Anyone the snapshot is shared with can create a volume from it and read the whole disk: ' +
    'databases, keys and credentials. Sharing a snapshot is a classic single-call exfiltration.',
  runbook:
    'Check whether the receiving accounts are your own or a known partner. If not, remove the ' +
    'permission (ModifySnapshotAttribute with remove, or ResetSnapshotAttribute), treat the data on ' +
    'the disk as exposed (rotate the credentials it held), and review what else the caller shared.',
  reference: 'https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html',
  mitre: ['TA0010:T1537'],
  eventNames: ['ModifySnapshotAttribute'],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: (e) => {
    if (isAwsItself(e)) return false;
    const s = share(e);
    return s.public || s.accounts.length > 0;
  },
  explain: (e) => {
    const s = share(e);
    const whom = s.public ? 'everyone (public)' : `account(s) ${show(firstFew(s.accounts), 80)}`;
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to share' : 'shared'} EBS snapshot ` +
      `${show(param(e, 'snapshotId'), 40)} with ${whom} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('ec2.snapshot-shared', e.recipientAccountId, e.awsRegion, param(e, 'snapshotId')),
});
