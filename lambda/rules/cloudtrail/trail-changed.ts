// CloudTrail configuration changes (CIS / Security Hub CloudWatch.5) other than StopLogging and
// DeleteTrail, which have their own critical rules.
import { str } from '../../core/event';
import { arnAccount } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { JsonObject, JsonValue, Severity, TrailEvent } from '../../core/types';
import { actorLabel, isForeignAccount } from '../common/actors';
import { child, listOf, objectsOf, param } from '../common/json';
import { judgeWeakening } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const isFalse = (value: JsonValue | undefined): boolean => str(value).toLowerCase() === 'false';

/**
 * Basic event selectors log every management event when one selector includes management
 * events (the default), for reads and writes (`All`, the default), with no excluded sources.
 */
function basicSelectorsNarrowed(selectors: JsonObject[]): boolean {
  return !selectors.some((s) => {
    const rw = str(child(s, 'readWriteType'));
    const excluded = listOf(child(s, 'excludeManagementEventSources'));
    return (
      !isFalse(child(s, 'includeManagementEvents')) && (rw === '' || rw === 'All') && excluded.length === 0
    );
  });
}

/**
 * Advanced event selectors log every management event when one selector is exactly
 * `eventCategory = Management` with no further field selector (readOnly, eventSource, ...).
 */
function advancedSelectorsNarrowed(selectors: JsonObject[]): boolean {
  return !selectors.some((s) => {
    const fields = objectsOf(child(s, 'fieldSelectors'));
    const category = fields.find((f) => str(child(f, 'field')) === 'eventCategory');
    if (category === undefined) return false;
    const equals = listOf(child(category, 'equals')).map(str);
    return equals.includes('Management') && fields.length === 1;
  });
}

/** Why the change weakens logging, in words; empty when it does not. */
function weakenings(e: TrailEvent): string[] {
  const p = e.requestParameters;
  const reasons: string[] = [];
  const basic = child(p, 'eventSelectors');
  const advanced = child(p, 'advancedEventSelectors');
  if (e.eventName === 'PutEventSelectors') {
    if (Array.isArray(basic) && basicSelectorsNarrowed(objectsOf(basic)))
      reasons.push('management events no longer fully logged');
    else if (Array.isArray(advanced) && advancedSelectorsNarrowed(objectsOf(advanced)))
      reasons.push('management events no longer fully logged');
  }
  if (e.eventName === 'UpdateEventDataStore') {
    if (Array.isArray(advanced) && advancedSelectorsNarrowed(objectsOf(advanced)))
      reasons.push('management events no longer fully collected');
    if (isFalse(child(p, 'multiRegionEnabled'))) reasons.push('multi-region collection turned off');
  }
  if (e.eventName === 'StopEventDataStoreIngestion') reasons.push('event data store ingestion stopped');
  if (e.eventName === 'DeleteEventDataStore') reasons.push('event data store deleted');
  if (e.eventName === 'UpdateTrail') {
    // UpdateTrail names a bucket only to change it (or to restate it, as the console does): the
    // old bucket is not recorded, so any bucket named is treated as a move of the log delivery.
    const bucket = str(child(p, 's3BucketName'));
    if (bucket !== '') reasons.push(`log delivery pointed at S3 bucket ${show(bucket, 64)}`);
    if (isFalse(child(p, 'isMultiRegionTrail'))) reasons.push('multi-region logging turned off');
    if (isFalse(child(p, 'includeGlobalServiceEvents'))) reasons.push('global service events excluded');
    if (isFalse(child(p, 'enableLogFileValidation'))) reasons.push('log file validation turned off');
    const key = child(p, 'kmsKeyId');
    if (key !== undefined && str(key) === '') reasons.push('log encryption with KMS removed');
    else if (isForeignAccount(e, arnAccount(str(key))))
      reasons.push('logs encrypted with a key of another account');
    const logGroup = child(p, 'cloudWatchLogsLogGroupArn');
    if (logGroup !== undefined && str(logGroup) === '') reasons.push('CloudWatch Logs delivery removed');
    else if (isForeignAccount(e, arnAccount(str(logGroup))))
      reasons.push('CloudWatch Logs delivery to another account');
  }
  return reasons;
}

function severity(e: TrailEvent): Severity {
  return judgeWeakening(e, weakenings(e).length > 0);
}

/** The trail or event data store the call is about. */
const subject = (e: TrailEvent): string => param(e, 'name', 'trailName', 'eventDataStore');

function detail(e: TrailEvent): string {
  const reasons = weakenings(e);
  if (reasons.length > 0) return `: ${reasons.join(', ')}`;
  const bucket = param(e, 's3BucketName');
  return bucket ? ` (logs to S3 bucket ${show(bucket, 64)})` : '';
}

export default defineRule({
  id: 'cloudtrail.trail-changed',
  title: 'CloudTrail configuration changed',
  description:
    'A principal created or updated a trail, changed its event or Insights selectors, or ' +
    'updated, stopped or deleted a CloudTrail Lake event data store. High when logging is ' +
    'weakened: event selectors that drop management events (includeManagementEvents false, ' +
    'ReadWriteType other than All, excluded event sources, advanced selectors without a plain ' +
    'Management selector), an UpdateTrail that points log delivery at an S3 bucket (the old ' +
    'bucket and the owner of the new one are not recorded, so any bucket an UpdateTrail names ' +
    'counts, a console edit that restates the same bucket included), turns off multi-region, ' +
    'global service events or log file validation, removes KMS encryption or CloudWatch Logs ' +
    'delivery or points them to another account, or an event data store stopped, deleted or ' +
    'narrowed. Medium otherwise (the bucket of a new trail is named); one step lower when an AWS ' +
    'service made the call (CloudFormation, Control Tower); failed calls low (medium when they ' +
    'tried to weaken logging). StopLogging and DeleteTrail are other rules.',
  whyItMatters:
    'An attacker who cannot stop a trail can still blind it: excluding management or read events, ' +
    'dropping other regions, or moving delivery somewhere they control hides what follows.',
  runbook:
    'Compare the trail with its infrastructure code (GetTrail, GetEventSelectors). If the change is ' +
    'not expected, restore the selectors and settings, check that logs still arrive in the ' +
    "expected bucket, and review the caller's other calls in Event history, which keeps " +
    'management events whatever the trail does.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html',
  mitre: ['TA0005:T1562.008'],
  cis: ['CloudWatch.5'],
  eventNames: [
    'CreateTrail',
    'UpdateTrail',
    'PutEventSelectors',
    'PutInsightSelectors',
    'UpdateEventDataStore',
    'StopEventDataStoreIngestion',
    'DeleteEventDataStore',
  ],
  eventSources: ['cloudtrail.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} called ${show(e.eventName, 40)} on ${show(subject(e), 160)}${detail(e)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('cloudtrail.trail-changed', e.recipientAccountId, e.awsRegion, subject(e)),
});
