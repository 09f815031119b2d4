// Bulk S3 object access by one principal, from data events: CloudTrail writes them to a trail's
// files when the trail logs S3 data events, and Event history never returns them, so only
// `trailwatch scan` runs these (dataEvents). Exfiltration reads many objects, or many buckets;
// destruction deletes many objects.
import { str } from '../../core/event';
import { principalKey } from '../../core/principal';
import { defineThresholdRule } from '../../core/threshold';
import type { TrailEvent } from '../../core/types';
import { isServiceCaller } from '../common/actors';
import { objectsOf } from '../common/json';
import { succeeded } from '../common/outcome';

/** `bucket/key` of the objects a call names: its resources of type AWS::S3::Object, else bucket and key. */
export function objectsNamed(e: TrailEvent): string[] {
  const fromResources = objectsOf(e.raw.resources)
    .filter((r) => str(r.type) === 'AWS::S3::Object')
    .map((r) => str(r.ARN).replace(/^arn:[^:]*:s3:::/, ''))
    .filter(Boolean);
  if (fromResources.length > 0) return fromResources;
  const bucket = str(e.requestParameters.bucketName);
  const key = str(e.requestParameters.key);
  return bucket !== '' && key !== '' ? [`${bucket}/${key}`] : [];
}

const byPeople = (e: TrailEvent): boolean => succeeded(e) && !isServiceCaller(e);

const shared = {
  reference: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html',
  eventSources: ['s3.amazonaws.com'],
  keyLabel: 'by',
  key: principalKey,
  dataEvents: true,
} as const;

export const s3BulkObjectReads = defineThresholdRule({
  ...shared,
  id: 's3.bulk-object-reads',
  title: 'Bulk S3 object reads by one principal',
  description:
    'At least 500 distinct S3 objects read (GetObject) by one principal within 10 minutes, from S3 ' +
    'data events in trail files: `trailwatch scan` only, since Event history holds no data events. ' +
    'Medium: a backup or an analytics job reads this much too; calls by AWS services are not counted.',
  whyItMatters:
    'Copying a bucket out object by object is how data is stolen from S3; the volume is the signal ' +
    'when the principal does not normally read that much.',
  runbook:
    'Identify the principal and whether it runs a job that reads in bulk. If not, list the objects ' +
    'and buckets it read in the window, revoke its credentials and check where the data went (the ' +
    'source address, and any cross-account copies).',
  mitre: ['TA0010:T1537', 'TA0009:T1530'],
  eventNames: ['GetObject'],
  severity: 'medium',
  threshold: 500,
  windowMs: 10 * 60_000,
  counting: 'distinct S3 objects read',
  matches: byPeople,
  distinct: objectsNamed,
});

export const s3BulkObjectDeletions = defineThresholdRule({
  ...shared,
  id: 's3.bulk-object-deletions',
  title: 'Bulk S3 object deletions by one principal',
  description:
    'At least 100 distinct S3 objects deleted (DeleteObject, and each object a DeleteObjects call ' +
    'names) by one principal within 10 minutes, from S3 data events in trail files: `trailwatch scan` ' +
    'only. A DeleteObjects event that names no objects counts once. High; lifecycle expirations are ' +
    'made by S3 itself and not counted.',
  whyItMatters:
    'Mass deletion is how data is destroyed or held to ransom after it has been copied out; in a ' +
    'versioned bucket it also precedes deleting the versions.',
  runbook:
    'Stop the principal (deactivate its keys, revoke its sessions), check versioning and Object Lock ' +
    'on the buckets, restore from previous versions or backups, and find how the principal got the ' +
    'permission.',
  mitre: ['TA0040:T1485'],
  eventNames: ['DeleteObject', 'DeleteObjects'],
  severity: 'high',
  threshold: 100,
  windowMs: 10 * 60_000,
  counting: 'distinct S3 objects deleted',
  matches: byPeople,
  distinct: objectsNamed,
});

export const s3ManyBucketsRead = defineThresholdRule({
  ...shared,
  id: 's3.many-buckets-read',
  title: 'Objects read from many S3 buckets by one principal',
  description:
    'Objects read or listed (GetObject, ListObjects, ListObjectsV2) in at least 10 distinct buckets ' +
    'by one principal within 10 minutes, from S3 data events in trail files: `trailwatch scan` only. ' +
    'Medium; calls by AWS services are not counted.',
  whyItMatters:
    'An application reads its own few buckets; a principal going through many buckets in minutes is ' +
    'looking for what is worth taking.',
  runbook:
    'Identify the principal. If touching that many buckets is not its job, list the buckets and ' +
    'objects it read, revoke its credentials, and review the buckets’ policies for what it could reach.',
  mitre: ['TA0007:T1619', 'TA0009:T1530'],
  eventNames: ['GetObject', 'ListObjects', 'ListObjectsV2'],
  severity: 'medium',
  threshold: 10,
  windowMs: 10 * 60_000,
  counting: 'distinct S3 buckets read',
  matches: byPeople,
  distinct: (e) => str(e.requestParameters.bucketName),
});
