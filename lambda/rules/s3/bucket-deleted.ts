// DeleteBucket: an (empty) S3 bucket removed, and its name released for anyone to claim.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const bucket = (e: TrailEvent): string => param(e, 'bucketName');

const severity = (e: TrailEvent): Severity => judgeChange(e, 'medium');

export default defineRule({
  id: 's3.bucket-deleted',
  title: 'S3 bucket deleted',
  description:
    'A principal deleted an S3 bucket (DeleteBucket). Medium; low when an AWS service made the call ' +
    'for a principal (a CloudFormation stack deletion) or when it failed (a bucket that still holds ' +
    'objects cannot be deleted). Calls by AWS itself are not matched. Emptying a bucket object by ' +
    'object is a data event that Event history does not show.',
  whyItMatters:
    'A deleted bucket takes its data, policies and logging configuration with it, and its name becomes ' +
    'free: anyone can create a bucket of that name and receive whatever still writes to it (log ' +
    'delivery, applications, replication), or serve content from it.',
  runbook:
    'Confirm the deletion with the bucket owner or its change ticket. If it is not expected, recreate ' +
    'the bucket under the same name in this account before someone else claims it, restore the data ' +
    'from backups or replicas, and find what still points at the name (trails, log delivery, ' +
    'applications, DNS records).',
  reference: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-bucket.html',
  mitre: ['TA0040:T1485'],
  eventNames: ['DeleteBucket'],
  eventSources: ['s3.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to delete' : 'deleted'} S3 bucket ${show(bucket(e), 80)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('s3.bucket-deleted', e.recipientAccountId, bucket(e)),
});
