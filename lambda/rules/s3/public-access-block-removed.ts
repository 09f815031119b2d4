// S3 Block Public Access: deleted or weakened, for one bucket or for the whole account.
import { isObject } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { child, isTrue, param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];

const isAccountLevel = (e: TrailEvent): boolean => e.eventName.includes('Account');
const isDelete = (e: TrailEvent): boolean => e.eventName.startsWith('Delete');

/**
 * The flags a Put leaves off. A flag the request omits counts as off: S3 stores it as false.
 * `undefined` when the request carries no configuration to read.
 */
function flagsOff(e: TrailEvent): string[] | undefined {
  const config = child(e.requestParameters, 'PublicAccessBlockConfiguration');
  if (!isObject(config)) return undefined;
  return FLAGS.filter((flag) => !isTrue(child(config, flag)));
}

function isWeakened(e: TrailEvent): boolean {
  if (isDelete(e)) return true;
  return (flagsOff(e) ?? []).length > 0;
}

const severity = (e: TrailEvent): Severity => byOutcome(e, isAccountLevel(e) ? 'critical' : 'high');

function scope(e: TrailEvent): string {
  if (isAccountLevel(e)) return `account ${show(e.recipientAccountId, 16)}`;
  return `bucket ${show(param(e, 'bucketName'), 80)}`;
}

export default defineRule({
  id: 's3.public-access-block-removed',
  title: 'S3 Block Public Access removed or weakened',
  description:
    'A principal deleted S3 Block Public Access, or set it with any of its four settings off (a ' +
    'setting left out of the request counts as off). Critical for the account-level setting ' +
    '(PutAccountPublicAccessBlock, DeleteAccountPublicAccessBlock, as CloudTrail names the s3control ' +
    'calls), high for a bucket; failed attempts are medium. Puts that keep all four settings on, and ' +
    'calls by AWS itself, are not matched. Access-point-level settings are not covered.',
  whyItMatters:
    'Block Public Access is the guard rail that overrides public bucket policies and ACLs; removing ' +
    'it is the usual first step before a bucket is opened to the internet.',
  runbook:
    'Confirm the change with the bucket or account owner. If it is not expected, turn the four ' +
    'settings back on (PutPublicAccessBlock), check the bucket policies and ACLs changed since ' +
    '(GetBucketPolicyStatus), and review who read the data in between.',
  reference: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html',
  mitre: ['TA0005:T1562.007', 'TA0009:T1530'],
  eventNames: [
    'DeleteBucketPublicAccessBlock',
    'PutBucketPublicAccessBlock',
    'DeleteAccountPublicAccessBlock',
    'PutAccountPublicAccessBlock',
  ],
  eventSources: ['s3.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e) && isWeakened(e),
  explain: (e) => {
    const off = flagsOff(e) ?? [];
    const change = isDelete(e)
      ? `${failed(e) ? 'tried to delete' : 'deleted'} Block Public Access of`
      : `${failed(e) ? 'tried to turn off' : 'turned off'} ${show(off.join(', '), 100)} in Block Public Access of`;
    return `${actorLabel(e)} ${change} ${scope(e)} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) =>
    dedup(
      's3.public-access-block-removed',
      e.recipientAccountId,
      isAccountLevel(e) ? 'account' : param(e, 'bucketName'),
    ),
});
