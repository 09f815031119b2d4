// A database created from a snapshot, a point in time or an S3 backup: a full copy of the data.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, callerKind, isAwsItself, viaAwsService } from '../common/actors';
import { param, path } from '../common/json';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'rds.database-restored';

/** Each restore call, and the request field that names what it restores from. */
const SOURCES: Readonly<Record<string, readonly string[]>> = {
  RestoreDBInstanceFromDBSnapshot: ['dBSnapshotIdentifier', 'dBClusterSnapshotIdentifier'],
  RestoreDBInstanceFromS3: ['s3BucketName'],
  RestoreDBInstanceToPointInTime: [
    'sourceDBInstanceIdentifier',
    'sourceDbiResourceId',
    'sourceDBInstanceAutomatedBackupsArn',
  ],
  RestoreDBClusterFromSnapshot: ['snapshotIdentifier'],
  RestoreDBClusterFromS3: ['s3BucketName'],
  RestoreDBClusterToPointInTime: ['sourceDBClusterIdentifier', 'sourceDbClusterResourceId'],
};

const target = (e: TrailEvent): string =>
  param(e, 'dBInstanceIdentifier', 'targetDBInstanceIdentifier', 'dBClusterIdentifier') ||
  path(e.responseElements, 'dBInstanceIdentifier') ||
  path(e.responseElements, 'dBClusterIdentifier');

const restoredFrom = (e: TrailEvent): string => param(e, ...(SOURCES[e.eventName] ?? []));

/**
 * Medium; low for a workload role (pipelines refresh test databases from snapshots every night). One
 * step lower when the call failed or an AWS service made it for a principal.
 */
function severity(e: TrailEvent): Severity {
  const base: Severity = callerKind(e) === 'workload' ? 'low' : 'medium';
  return lowerFor(base, failed(e) || viaAwsService(e));
}

export default defineRule({
  id: ID,
  title: 'RDS database restored from a backup',
  description:
    'A principal created a database from a backup: RestoreDBInstanceFromDBSnapshot, ' +
    'RestoreDBInstanceFromS3, RestoreDBInstanceToPointInTime, RestoreDBClusterFromSnapshot, ' +
    'RestoreDBClusterFromS3 or RestoreDBClusterToPointInTime. Medium for a person, an IAM user’s long-term ' +
    'key or root; low for a workload role, since pipelines refresh test databases from snapshots. One step ' +
    'lower when the call failed or an AWS service made it for a principal (AWS Backup restores, ' +
    'CloudFormation); calls by AWS itself are not matched. A restore into a publicly accessible database is ' +
    'rds.database-exposed-or-unprotected (critical), which replaces this finding.',
  whyItMatters:
    'A restored database is a full copy of the data under new settings the caller chose: its own master ' +
    'password, its own security groups. Restoring a snapshot, then resetting the password or sharing it, ' +
    'is how a database is read or copied out without touching production.',
  runbook:
    'Ask the caller why the database was restored and check its settings (DescribeDBInstances or ' +
    'DescribeDBClusters: security groups, public access, master user). If it is not expected, delete it ' +
    'without a final snapshot after preserving evidence, rotate the caller’s credentials, and look for ' +
    'snapshot shares, exports and password resets by the same caller.',
  reference: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RestoreFromSnapshot.html',
  mitre: ['TA0005:T1578.002', 'TA0009:T1530'],
  eventNames: Object.keys(SOURCES),
  eventSources: ['rds.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to restore' : 'restored'} RDS database ${show(target(e), 80)} ` +
    `from ${show(restoredFrom(e), 160, 'a backup')} (${show(e.eventName, 48)}) ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, target(e)),
});
