// ModifyDBSnapshotAttribute / ModifyDBClusterSnapshotAttribute: who may restore an RDS snapshot.

import { isAccountId } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isAwsItself } from '../common/actors';
import { param, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

const isRestoreAttribute = (e: TrailEvent): boolean =>
  param(e, 'attributeName').trim().toLowerCase() === 'restore';

const added = (e: TrailEvent): string[] =>
  stringsOf(e.requestParameters.valuesToAdd).map((v) => v.trim().toLowerCase());

const isPublic = (e: TrailEvent): boolean => added(e).includes('all');

function accounts(e: TrailEvent): string[] {
  const home = homeAccount(e);
  return added(e).filter((v) => isAccountId(v) && v !== home);
}

const snapshotId = (e: TrailEvent): string => param(e, 'dBSnapshotIdentifier', 'dBClusterSnapshotIdentifier');

const severity = (e: TrailEvent): Severity => byOutcome(e, isPublic(e) ? 'critical' : 'high');

export default defineRule({
  id: 'rds.snapshot-shared',
  title: 'RDS snapshot shared',
  description:
    'A principal added accounts to the restore attribute of an RDS DB or cluster snapshot. Critical ' +
    'when "all" is added (public), high for other accounts; failed attempts are medium. Removals, ' +
    'calls that add nobody and calls by AWS itself are not matched.',
  whyItMatters:
    'Whoever may restore the snapshot gets a full copy of the database; sharing a snapshot with an ' +
    'outside account is a one-call exfiltration of the data.',
  runbook:
    'Check whether the accounts are your own or a known partner. If not, remove them ' +
    '(ModifyDBSnapshotAttribute with valuesToRemove), treat the data as exposed, rotate database ' +
    'credentials held in the snapshot, and review other snapshots the caller touched.',
  reference: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html',
  mitre: ['TA0010:T1537'],
  eventNames: ['ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute'],
  eventSources: ['rds.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e) && isRestoreAttribute(e) && (isPublic(e) || accounts(e).length > 0),
  explain: (e) => {
    const whom = isPublic(e) ? 'everyone (public)' : `account(s) ${show(firstFew(accounts(e)), 80)}`;
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to share' : 'shared'} RDS snapshot ` +
      `${show(snapshotId(e), 100)} with ${whom} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('rds.snapshot-shared', e.recipientAccountId, e.awsRegion, snapshotId(e)),
});
