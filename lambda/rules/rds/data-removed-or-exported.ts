// Database data destroyed, its audit stream stopped, or a copy taken out: deletions of instances,
// clusters, snapshots and automated backups; StopActivityStream; snapshot exports to S3; snapshot
// copies to another region.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ACTIONS: ReadonlyMap<string, string> = new Map([
  ['DeleteDBInstance', 'deleted the database'],
  ['DeleteDBCluster', 'deleted the cluster'],
  ['DeleteDBSnapshot', 'deleted the snapshot'],
  ['DeleteDBClusterSnapshot', 'deleted the cluster snapshot'],
  ['DeleteDBInstanceAutomatedBackup', 'deleted the retained automated backups of'],
  ['DeleteDBClusterAutomatedBackup', 'deleted the retained automated backups of'],
  ['StopActivityStream', 'stopped the database activity stream of'],
  ['StartExportTask', 'started exporting the snapshot'],
  ['CopyDBSnapshot', 'copied the snapshot'],
  ['CopyDBClusterSnapshot', 'copied the cluster snapshot'],
]);

const COPIES = new Set(['CopyDBSnapshot', 'CopyDBClusterSnapshot']);

/** A copy between regions: the request names a source region, or a source ARN in another region. */
function crossRegion(e: TrailEvent): boolean {
  const source = param(e, 'sourceDBSnapshotIdentifier', 'sourceDBClusterSnapshotIdentifier');
  const sourceRegion =
    param(e, 'sourceRegion') || (source.startsWith('arn:') ? (source.split(':')[3] ?? '') : '');
  return sourceRegion !== '' && sourceRegion !== e.awsRegion;
}

function subject(e: TrailEvent): string {
  return param(
    e,
    'dBInstanceIdentifier',
    'dBClusterIdentifier',
    'dBSnapshotIdentifier',
    'dBClusterSnapshotIdentifier',
    'dbiResourceId',
    'dbClusterResourceId',
    'resourceArn',
    'sourceArn',
    'sourceDBSnapshotIdentifier',
    'sourceDBClusterSnapshotIdentifier',
  );
}

function severity(e: TrailEvent): Severity {
  // Deleting without a final snapshot leaves nothing to restore.
  if (e.eventName.startsWith('DeleteDB') && e.requestParameters.skipFinalSnapshot === true) {
    return judgeChange(e, 'critical');
  }
  return judgeChange(e, COPIES.has(e.eventName) ? 'medium' : 'high');
}

function detail(e: TrailEvent): string {
  if (e.eventName === 'StartExportTask') return ` to S3 bucket ${show(param(e, 's3BucketName'), 64)}`;
  if (COPIES.has(e.eventName))
    return ` from ${show(param(e, 'sourceRegion') || 'another region', 24)} to ${show(e.awsRegion, 24)}`;
  if (e.requestParameters.skipFinalSnapshot === true) return ' without a final snapshot';
  return '';
}

export default defineRule({
  id: 'rds.data-removed-or-exported',
  title: 'RDS data deleted, its activity stream stopped, or a copy taken',
  description:
    'A database instance or cluster, a snapshot or retained automated backups deleted, or a ' +
    'database activity stream stopped (high; a database deleted without a final snapshot is ' +
    'critical); a snapshot exported to S3 (high); a snapshot copied from another region (medium). ' +
    'Copies within a region are not matched. One step lower when an AWS service made the call; ' +
    'failed calls are low. Sharing a snapshot is rds.snapshot-shared.',
  whyItMatters:
    'Deleting a database with its snapshots and backups is irreversible destruction; stopping the ' +
    'activity stream blinds database auditing first; an export or a copy elsewhere is how the data ' +
    'leaves.',
  runbook:
    'Confirm the change with the database owner. If it is not expected: restore from the newest ' +
    'remaining snapshot or backup, restart the activity stream, cancel a running export ' +
    '(CancelExportTask) and check the destination bucket, and review the principal’s other calls.',
  reference: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html',
  mitre: ['TA0040:T1485', 'TA0040:T1490', 'TA0005:T1562', 'TA0010:T1537'],
  eventNames: [...ACTIONS.keys()],
  eventSources: ['rds.amazonaws.com'],
  severity,
  matches: (e) => !COPIES.has(e.eventName) || crossRegion(e),
  explain: (e) =>
    `${actorLabel(e)} ${ACTIONS.get(e.eventName) ?? 'changed'} ${show(subject(e), 96)}${detail(e)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('rds.data-removed-or-exported', e.recipientAccountId, e.eventName, subject(e)),
});
