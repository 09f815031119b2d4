// PutBucketPolicy: replaces a bucket's whole resource policy.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isServiceCaller } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { otherAccountsAllowed, policyGrantsPublicPrincipal } from '../common/policy-documents';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** CloudTrail records the policy as an object, occasionally as a JSON string: the helpers take both. */
const isPublic = (e: TrailEvent): boolean => policyGrantsPublicPrincipal(e.requestParameters.bucketPolicy);

/** Accounts other than the bucket's own that an Allow statement names (`*` for "any account"). */
const otherAccounts = (e: TrailEvent): string[] =>
  otherAccountsAllowed(e.requestParameters.bucketPolicy, homeAccount(e));

/**
 * Critical when public; high when it names another account, and whenever a person or a workload
 * (not an AWS service) replaced the policy, whatever it says: who may touch the data changed. A
 * policy naming no other account that an AWS service wrote (invokedBy CloudFormation, a
 * service-linked role) is medium. A failed call is one level lower (byOutcome).
 */
function severity(e: TrailEvent): Severity {
  if (isPublic(e)) return byOutcome(e, 'critical');
  return byOutcome(e, otherAccounts(e).length > 0 || !isServiceCaller(e) ? 'high' : 'medium');
}

export default defineRule({
  id: 's3.bucket-policy-changed',
  title: 'S3 bucket policy changed',
  description:
    'A principal replaced an S3 bucket policy. Critical when the new policy allows anyone ' +
    '(Principal "*" without a condition pinning the caller to an account, organisation, VPC or ' +
    'CIDR); high when an Allow statement names another AWS account (or any account), and high for ' +
    'any policy a person or workload sets (the account’s own principals, AWS service principals, a ' +
    '"*" pinned by a condition, or a policy that cannot be read); medium for such a policy set by ' +
    'an AWS service (invokedBy, such as CloudFormation, or a service-linked role). A failed attempt ' +
    'is one level lower: medium, or low for an AWS service’s attempt at a policy naming no other ' +
    'account. Deny statements are not weighed.',
  whyItMatters:
    'A bucket policy decides who can read, write or delete the data, inside the account and outside ' +
    'it; one statement with Principal "*" exposes the bucket to the internet, and a policy naming ' +
    'only the account can still open the bucket to a role the attacker controls, or lock its ' +
    'owners out.',
  runbook:
    'Read the new policy (GetBucketPolicy) and confirm it with the bucket owner. If it is not ' +
    'expected, restore the previous policy or delete it, turn on S3 Block Public Access for the ' +
    'bucket and account, and check server access logs for reads since the change.',
  reference: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html',
  mitre: ['TA0010:T1537', 'TA0009:T1530'],
  cis: ['CloudWatch.8'],
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
