// CreateDBSnapshot / CreateDBClusterSnapshot: a manual copy of a database, the first step of taking
// the data elsewhere (shared, exported or restored in another account).
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { param, path } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

/** Snapshots that the service or AWS Backup takes on a schedule, when the response says so. */
const SCHEDULED_TYPES = new Set(['automated', 'awsbackup']);

const snapshotType = (e: TrailEvent): string => path(e.responseElements, 'snapshotType').trim().toLowerCase();

const snapshot = (e: TrailEvent): string => param(e, 'dBSnapshotIdentifier', 'dBClusterSnapshotIdentifier');

const database = (e: TrailEvent): string => param(e, 'dBInstanceIdentifier', 'dBClusterIdentifier');

const severity = (e: TrailEvent): Severity => (failed(e) ? 'info' : 'low');

export default defineRule({
  id: 'rds.snapshot-created',
  title: 'RDS manual snapshot created',
  description:
    'A principal took a manual snapshot of an RDS DB instance or cluster (CreateDBSnapshot, ' +
    'CreateDBClusterSnapshot). Low, info when it failed: backups and migrations do this, so the record ' +
    'is context for the findings that follow it (rds.snapshot-shared, rds.data-removed-or-exported). ' +
    'Snapshots taken by AWS services (AWS Backup, invokedBy) or recorded as automated are not matched.',
  whyItMatters:
    'A manual snapshot is a full copy of the database that the owner did not schedule: an intruder ' +
    'takes one to share it with their own account, export it to S3 or restore it with a password they ' +
    'choose.',
  runbook:
    'Check the snapshot against a backup plan or a change ticket. If nobody expects it, look for ' +
    'ModifyDBSnapshotAttribute, StartExportTask, CopyDBSnapshot and RestoreDBInstanceFromDBSnapshot calls ' +
    'on it by the same principal, then delete the snapshot.',
  reference: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CreateSnapshot.html',
  mitre: ['TA0009:T1530', 'TA0010:T1537'],
  eventNames: ['CreateDBSnapshot', 'CreateDBClusterSnapshot'],
  eventSources: ['rds.amazonaws.com'],
  severity,
  matches: (e) => !isServiceCaller(e) && !SCHEDULED_TYPES.has(snapshotType(e)),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to take' : 'took'} manual snapshot ${show(snapshot(e), 96)} of ` +
    `${show(database(e), 96)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('rds.snapshot-created', e.recipientAccountId, e.awsRegion, snapshot(e)),
});
