// ModifySnapshotAttribute: an EBS snapshot's createVolumePermission, who may copy the disk.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isAwsItself, viaAwsService } from '../common/actors';
import { readShare, type Share } from '../common/ec2-sharing';
import { child, param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

const ID = 'ec2.snapshot-shared';

const permission = (e: TrailEvent) => e.requestParameters.createVolumePermission;

/** What the `add` half grants. */
const share = (e: TrailEvent): Share => readShare(permission(e), homeAccount(e));

/** What the `remove` half takes away, read the way the `add` half is. */
const removal = (e: TrailEvent): Share =>
  readShare({ add: child(permission(e), 'remove') ?? null }, homeAccount(e));

const grants = (s: Share): boolean => s.public || s.accounts.length > 0;

/**
 * A removal that AWS made: a service-linked role, or a service acting for a principal (AWS Backup
 * and Data Lifecycle Manager share a snapshot for a cross-account copy and withdraw it afterwards).
 */
const removedByAws = (e: TrailEvent): boolean => viaAwsService(e);

/** The call withdraws another account's access (not only the public group), and no grant comes with it. */
const withdrawsAccounts = (e: TrailEvent): boolean => !grants(share(e)) && removal(e).accounts.length > 0;

function severity(e: TrailEvent): Severity {
  const added = share(e);
  if (grants(added)) return byOutcome(e, added.public ? 'critical' : 'high');
  // Withdrawing an account's access is medium; only making a public snapshot private again is low.
  return byOutcome(e, withdrawsAccounts(e) ? 'medium' : 'low');
}

function matches(e: TrailEvent): boolean {
  if (isAwsItself(e)) return false;
  if (grants(share(e))) return true;
  return grants(removal(e)) && !removedByAws(e);
}

function explain(e: TrailEvent): string {
  const snapshot = show(param(e, 'snapshotId'), 40);
  const added = share(e);
  if (grants(added)) {
    const whom = added.public ? 'everyone (public)' : `account(s) ${show(firstFew(added.accounts), 80)}`;
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to share' : 'shared'} EBS snapshot ${snapshot} with ${whom} ` +
      `${origin(e)}${outcome(e)}.`
    );
  }
  const taken = removal(e);
  const parts = [
    taken.accounts.length > 0 ? `account(s) ${show(firstFew(taken.accounts), 80)}` : '',
    taken.public ? 'everyone (the snapshot was public)' : '',
  ].filter((p) => p !== '');
  return (
    `${actorLabel(e)} ${failed(e) ? 'tried to remove' : 'removed'} the access of ${parts.join(' and ')} to EBS ` +
    `snapshot ${snapshot} ${origin(e)}${outcome(e)}.`
  );
}

export default defineRule({
  id: ID,
  title: 'EBS snapshot shared, or its sharing withdrawn',
  description:
    'A principal changed who may create volumes from an EBS snapshot (ModifySnapshotAttribute, ' +
    'createVolumePermission). Adding: critical when shared with everyone (group "all"), high when shared ' +
    'with other accounts. Removing: medium when other accounts lose access (a backup or recovery account ' +
    'cut off before data is destroyed or held to ransom, or the end of a share-copy-withdraw ' +
    'exfiltration), low when only public access is withdrawn. Failed attempts are medium when the success ' +
    'would be high or critical, low otherwise. Calls by AWS itself (service-linked roles) are not ' +
    'matched, nor removals made through an AWS service (AWS Backup and Data Lifecycle Manager withdraw ' +
    'the share they made for a cross-account copy).',
  whyItMatters:
    'Anyone the snapshot is shared with can create a volume from it and read the whole disk: databases, ' +
    'keys and credentials. Sharing a snapshot is a classic single-call exfiltration; withdrawing the ' +
    "access of the account that keeps the copies is how an intruder cuts off recovery, and what's left " +
    'after copying the disk out.',
  runbook:
    'For a share: check whether the receiving accounts are your own or a known partner; if not, remove ' +
    'the permission (ModifySnapshotAttribute with remove, or ResetSnapshotAttribute), treat the data on the ' +
    'disk as exposed (rotate the credentials it held), and review what else the caller shared. For a ' +
    'removal: confirm with the owner of the account that lost access; look for an earlier share of the ' +
    'same snapshot (a copy may already have been made), and for snapshot or backup deletions by the same ' +
    'caller.',
  reference: 'https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html',
  mitre: ['TA0010:T1537', 'TA0040:T1490'],
  eventNames: ['ModifySnapshotAttribute'],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches,
  explain,
  dedupKey: (e) =>
    dedup(ID, e.recipientAccountId, e.awsRegion, param(e, 'snapshotId'), grants(share(e)) ? 'add' : 'remove'),
});
