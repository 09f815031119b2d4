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
import { allowedAwsAccounts, homeAccount, policyDocument } from './helpers-network';

/** CloudTrail records the policy as an object, occasionally as a JSON string: the helpers take both. */
const isPublic = (e: TrailEvent): boolean => policyGrantsPublicPrincipal(e.requestParameters.bucketPolicy);

/** Accounts other than the bucket's own that an Allow statement names (`*` for "any account"). */
function otherAccounts(e: TrailEvent): string[] {
  const home = homeAccount(e);
  const accounts = allowedAwsAccounts(policyDocument(e.requestParameters.bucketPolicy));
  return [...new Set(accounts.filter((a) => a !== home))];
}

function severity(e: TrailEvent): Severity {
  if (failed(e)) return isPublic(e) ? 'medium' : 'low';
  if (isPublic(e)) return 'critical';
  return otherAccounts(e).length > 0 ? 'high' : 'medium';
}

export default defineRule({
  id: 's3.bucket-policy-changed',
  title: 'S3 bucket policy changed',
  description:
    'A principal replaced an S3 bucket policy. Critical when the new policy allows anyone ' +
    '(Principal "*" without a condition pinning the caller to an account, organisation, VPC or ' +
    'CIDR); high when an Allow statement names another AWS account (or any account); medium ' +
    'otherwise (the account’s own principals, AWS service principals, a "*" pinned by a condition, ' +
    'or a policy that cannot be read). A failed attempt at a public policy (often refused by Block ' +
    'Public Access) is medium, other failed attempts low. Deny statements are not weighed.',
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
    const others = otherAccounts(e);
    const exposure = isPublic(e)
      ? ', granting access to anyone'
      : others.length > 0
        ? `, granting access to account(s) ${show(others.slice(0, 3).join(', '), 60)}`
        : '';
    return (
      `${actorLabel(e)} ${what} the policy of S3 bucket ${show(param(e, 'bucketName'), 80)}` +
      `${exposure} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('s3.bucket-policy-changed', e.recipientAccountId, param(e, 'bucketName')),
});
