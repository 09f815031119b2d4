// S3 objects written with a customer-provided key (SSE-C): the key never reaches AWS and is not
// kept, so whoever chose it alone can read the object again. From S3 data events in trail files:
// `trailwatch scan` only (Event history holds no data events).
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** The request header S3 records when the caller supplies its own encryption key. */
const SSE_C = 'x-amz-server-side-encryption-customer-algorithm';

const usesCustomerKey = (e: TrailEvent): boolean => param(e, SSE_C) !== '';

export default defineRule({
  id: 's3.object-encrypted-with-customer-key',
  title: 'S3 object written with a customer-provided key',
  description:
    'A principal wrote an S3 object encrypted with a key it supplied (SSE-C: PutObject, CopyObject or ' +
    'CreateMultipartUpload with the x-amz-server-side-encryption-customer-algorithm header), from S3 ' +
    'data events in trail files: `trailwatch scan` only, since Event history holds no data events. ' +
    'High: few applications use SSE-C, and rewriting objects under a key AWS never sees is how S3 ' +
    'data is held to ransom. A refused write is medium; writes by AWS services are not matched.',
  whyItMatters:
    'AWS does not keep an SSE-C key. Objects copied over themselves with an attacker’s key are ' +
    'unreadable to their owner, and only the attacker can decrypt them: ransomware without malware.',
  runbook:
    'Identify the principal and whether any application of yours uses SSE-C. If not, revoke its ' +
    'credentials at once, check versioning on the bucket (previous versions are still readable), ' +
    'and block SSE-C with a bucket policy denying requests that carry the header.',
  reference: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html',
  mitre: ['TA0040:T1486'],
  eventNames: ['PutObject', 'CopyObject', 'CreateMultipartUpload'],
  eventSources: ['s3.amazonaws.com'],
  dataEvents: true,
  prefilter: [SSE_C],
  severity: (e) => byOutcome(e, 'high'),
  matches: (e) => usesCustomerKey(e) && !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to write' : 'wrote'} ${show(param(e, 'key'), 160)} in bucket ` +
    `${show(param(e, 'bucketName'), 80)} encrypted with its own key (SSE-C) ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('s3.object-encrypted-with-customer-key', e.recipientAccountId, e.actor.arn, param(e, 'bucketName')),
});
