// Turning off what keeps a bucket's data recoverable and its access recorded: versioning
// suspended, MFA delete disabled, server access logging switched off. The usual first steps
// before deleting or encrypting data for ransom, and before reading it unseen.
import { isObject, obj, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** S3 records `Suspended`; some clients send `Disabled`, which S3 treats the same way. */
const VERSIONING_OFF = new Set(['Suspended', 'Disabled']);

/** What the call turned off, in words; [] when it turned nothing off. */
function removed(e: TrailEvent): string[] {
  if (e.eventName === 'PutBucketVersioning') {
    const config = obj(e.requestParameters.VersioningConfiguration);
    const out: string[] = [];
    if (VERSIONING_OFF.has(str(config.Status))) out.push('suspended versioning');
    if (str(config.MfaDelete) === 'Disabled') out.push('disabled MFA delete');
    return out;
  }
  if (e.eventName === 'PutBucketLogging') {
    // Logging is switched off by a status without LoggingEnabled; no status at all is not a change.
    const status = e.requestParameters.BucketLoggingStatus;
    return isObject(status) && !isObject(status.LoggingEnabled) ? ['turned off server access logging'] : [];
  }
  return [];
}

const severity = (e: TrailEvent): Severity => judgeChange(e, 'high');

export default defineRule({
  id: 's3.bucket-protection-removed',
  title: 'S3 bucket versioning, MFA delete or access logging turned off',
  description:
    'A principal suspended versioning (PutBucketVersioning with status Suspended, or Disabled), ' +
    'disabled MFA delete, or switched off server access logging (PutBucketLogging without ' +
    'LoggingEnabled) on a bucket. High; one step lower when an AWS service made the call ' +
    '(CloudFormation), and low when the call failed. Turning these on is not matched.',
  whyItMatters:
    'Versioning and MFA delete are what make deleted or overwritten objects recoverable; access ' +
    'logs are the only record of who read them. Removing them is how a ransom or a quiet copy of ' +
    'the data begins.',
  runbook:
    'Confirm the change with the bucket owner. If it is not expected, turn versioning (and MFA ' +
    'delete, which needs the root user) and access logging back on, then review the bucket for ' +
    'deleted object versions and the principal for other calls from the same source address.',
  reference: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html',
  mitre: ['TA0005:T1562.008', 'TA0040:T1485', 'TA0040:T1490'],
  eventNames: ['PutBucketVersioning', 'PutBucketLogging'],
  eventSources: ['s3.amazonaws.com'],
  severity,
  matches: (e) => removed(e).length > 0,
  explain: (e) =>
    `${actorLabel(e)} ${removed(e).join(' and ') || 'changed the protection of'} on S3 bucket ` +
    `${show(param(e, 'bucketName'), 80)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('s3.bucket-protection-removed', e.recipientAccountId, param(e, 'bucketName')),
});
