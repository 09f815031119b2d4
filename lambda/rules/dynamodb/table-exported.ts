// ExportTableToPointInTime: a whole DynamoDB table copied to S3 in one call, possibly to a bucket
// of another account.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isForeignAccount } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'dynamodb.table-exported';

/** The account that owns the destination bucket, when the request names one (`s3BucketOwner`). */
const bucketOwner = (e: TrailEvent): string => req(e, 's3BucketOwner');

/** The export goes to a bucket that the request says belongs to another account. */
const toOtherAccount = (e: TrailEvent): boolean => isForeignAccount(e, bucketOwner(e));

const severity = (e: TrailEvent): Severity => judgeChange(e, toOtherAccount(e) ? 'high' : 'medium');

/** The table: its ARN, as the request names it, or the table name of a newer request shape. */
const table = (e: TrailEvent): string => req(e, 'tableArn', 'tableName');

export default defineRule({
  id: ID,
  title: 'DynamoDB table exported to S3',
  description:
    'A principal exported a DynamoDB table to Amazon S3 (ExportTableToPointInTime, full or ' +
    'incremental). High when the request names a bucket owner (s3BucketOwner) other than the ' +
    "table's account; medium otherwise (the bucket owner is not recorded when the request omits " +
    'it, and the bucket is then usually, but not always, in the same account). One step lower when ' +
    'an AWS service made the call; failed calls are low.',
  whyItMatters:
    'An export copies every item of the table in one call, without reading the table and without ' +
    'touching its read capacity: the quietest way to take a database out of an account, and to ' +
    'another account when the bucket is theirs.',
  runbook:
    'Confirm the export with the table owner (DescribeExport shows the bucket, prefix and status). ' +
    'If it is not expected: find out who owns the bucket, remove the exported objects if the ' +
    'bucket is yours, restrict the caller (dynamodb:ExportTableToPointInTime), rotate its ' +
    'credentials, and treat the table data as disclosed.',
  reference:
    'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExportTableToPointInTime.html',
  mitre: ['TA0010:T1537', 'TA0009:T1530'],
  eventNames: ['ExportTableToPointInTime'],
  eventSources: ['dynamodb.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => {
    const owner = toOtherAccount(e) ? ` of account ${show(bucketOwner(e), 16)}` : '';
    const verb = failed(e) ? 'tried to export' : 'exported';
    return (
      `${actorLabel(e)} ${verb} DynamoDB table ${show(table(e), 160)} to S3 bucket ` +
      `${show(req(e, 's3Bucket'), 64)}${owner} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, table(e), req(e, 's3Bucket')),
});
