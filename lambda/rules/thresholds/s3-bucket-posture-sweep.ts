// Many buckets' access settings read in minutes by one principal: mapping which buckets are open.
import { str } from '../../core/event';
import { principalKey } from '../../core/principal';
import { defineThresholdRule } from '../../core/threshold';
import type { TrailEvent } from '../../core/types';
import { isServiceCaller } from '../common/actors';
import { req } from '../common/json';

/** The reads that tell whether a bucket is exposed: its ACL, policy, policy status, Block Public Access, versioning. */
const POSTURE_READS = [
  'GetBucketAcl',
  'GetBucketPublicAccessBlock',
  'GetBucketPolicy',
  'GetBucketPolicyStatus',
  'GetBucketVersioning',
];

/**
 * A console session: the S3 console reads the access settings of every bucket it lists, so a person
 * opening the bucket list would cross the threshold. `sessionCredentialFromConsole` is set by AWS.
 */
const fromConsole = (e: TrailEvent): boolean =>
  e.raw.sessionCredentialFromConsole === true || str(e.raw.sessionCredentialFromConsole) === 'true';

export const s3BucketPostureSweep = defineThresholdRule({
  id: 's3.bucket-posture-sweep',
  title: 'Access settings of many S3 buckets read by one principal',
  description:
    'At least 15 distinct buckets whose ACL, policy, policy status, Block Public Access or versioning ' +
    'settings (GetBucketAcl, GetBucketPolicy, GetBucketPolicyStatus, GetBucketPublicAccessBlock, ' +
    'GetBucketVersioning) one principal read within a 5-minute window (a role counts once, whatever its ' +
    'session names). Refused reads count too. Low: security scanners and posture tools do the same, so the ' +
    'sweep is recorded and shown beside the principal’s other alerts. Calls by AWS services (Config, ' +
    'Access Analyzer, Macie, Trusted Advisor) and console sessions, whose bucket list reads these settings ' +
    'for every bucket shown, are not counted.',
  whyItMatters:
    'Walking every bucket’s access settings is how an intruder, or a supply-chain payload that stole a ' +
    'key, finds the buckets that are public, unversioned or readable with the key it holds, before ' +
    'copying or deleting their data.',
  runbook:
    'Identify the principal. If it is not a scanner the team runs, treat its credentials as stolen: revoke ' +
    'the sessions or deactivate the key, and review its object reads and bucket policy changes since the ' +
    'sweep.',
  reference: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html',
  mitre: ['TA0007:T1619', 'TA0007:T1580'],
  eventNames: POSTURE_READS,
  eventSources: ['s3.amazonaws.com'],
  severity: 'low',
  threshold: 15,
  windowMs: 5 * 60_000,
  counting: 'distinct buckets whose access settings were read',
  keyLabel: 'by',
  matches: (e) => !isServiceCaller(e) && !fromConsole(e),
  key: principalKey,
  distinct: (e) => req(e, 'bucketName'),
});
