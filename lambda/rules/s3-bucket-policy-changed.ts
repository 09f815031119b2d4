// PutBucketPolicy: replaces a bucket's whole resource policy.
import { defineRule } from '../core/rule';
import type { Severity, TrailEvent } from '../core/types';
import {
  actorLabel,
  dedup,
  failed,
  origin,
  outcome,
  param,
  policyGrantsPublicPrincipal,
  show,
} from './helpers';

/** CloudTrail records the policy as an object, occasionally as a JSON string: the helper takes both. */
const isPublic = (e: TrailEvent): boolean => policyGrantsPublicPrincipal(e.requestParameters.bucketPolicy);

function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'medium';
  return isPublic(e) ? 'critical' : 'high';
}

export default defineRule({
  id: 's3.bucket-policy-changed',
  title: 'S3 bucket policy changed',
  description:
    'A principal replaced an S3 bucket policy. Critical when the new policy allows anyone ' +
    '(Principal "*" without a condition pinning the caller to an account, organisation, VPC or ' +
    'CIDR), high otherwise; failed attempts (often refused by Block Public Access) are medium.',
  whyItMatters:
    'A bucket policy decides who outside the account can read or write the data; one statement ' +
    'with Principal "*" exposes the bucket to the internet.',
  runbook:
    'Read the new policy (GetBucketPolicy) and confirm it with the bucket owner. If it is not ' +
    'expected, restore the previous policy or delete it, turn on S3 Block Public Access for the ' +
    'bucket and account, and check server access logs for reads since the change.',
  reference: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html',
  mitre: ['TA0010:T1537', 'TA0009:T1530'],
  eventNames: ['PutBucketPolicy'],
  eventSources: ['s3.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => {
    const what = failed(e) ? 'tried to change' : 'changed';
    const exposure = isPublic(e) ? ', granting access to anyone' : '';
    return (
      `${actorLabel(e)} ${what} the policy of S3 bucket ${show(param(e, 'bucketName'), 80)}` +
      `${exposure} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('s3.bucket-policy-changed', e.recipientAccountId, param(e, 'bucketName')),
});
