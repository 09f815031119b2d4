// PutBucketAcl (CIS / Security Hub CloudWatch.8): a bucket's access control list replaced.
// PutObjectAcl is an S3 data event, which LookupEvents never returns.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import { safeStringify } from '../../core/sanitize';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, viaAwsService } from '../common/actors';
import { listOf, param } from '../common/json';
import { failed } from '../common/outcome';
import { lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** Canned ACLs that open the bucket to everyone, or to every AWS account. */
const PUBLIC_CANNED = new Set(['public-read', 'public-read-write', 'authenticated-read']);

/** The two global grantee groups, in an explicit grant body or an `x-amz-grant-*` header. */
const PUBLIC_GROUP = /acs\.amazonaws\.com\/groups\/global\/(?:AllUsers|AuthenticatedUsers)/i;

const cannedAcl = (e: TrailEvent): string[] =>
  listOf(e.requestParameters['x-amz-acl']).map((v) => str(v).trim().toLowerCase());

/** Which public grant the request makes: a canned ACL name, 'a global group grant', or ''. */
function publicGrant(e: TrailEvent): string {
  const canned = cannedAcl(e).find((acl) => PUBLIC_CANNED.has(acl));
  if (canned) return canned;
  return PUBLIC_GROUP.test(safeStringify(e.requestParameters))
    ? 'a grant to AllUsers or AuthenticatedUsers'
    : '';
}

function severity(e: TrailEvent): Severity {
  const isPublic = publicGrant(e) !== '';
  // Block Public Access refuses public ACLs: a refused one is still someone trying.
  if (failed(e)) return isPublic ? 'medium' : 'low';
  if (isPublic) return 'high';
  return viaAwsService(e) ? lower('medium') : 'medium';
}

export default defineRule({
  id: 's3.bucket-acl-changed',
  title: 'S3 bucket ACL changed',
  description:
    'A principal replaced the ACL of an S3 bucket. High when the ACL grants access to everyone or ' +
    'to any AWS account (canned public-read, public-read-write or authenticated-read, or a grant ' +
    'to the AllUsers or AuthenticatedUsers group, in the body or an x-amz-grant-* header); medium ' +
    'otherwise, low when an AWS service made the call. Failed calls are low, medium when they tried ' +
    'to make the bucket public. Object ACLs (PutObjectAcl) are data events and not seen.',
  whyItMatters:
    'A public ACL exposes a bucket without touching its policy, and it is easy to miss because ' +
    'most teams only review bucket policies.',
  runbook:
    'Read the ACL (GetBucketAcl) and confirm it with the bucket owner. If it is not expected, set it ' +
    'back to private, turn on S3 Block Public Access and Object Ownership "bucket owner enforced" ' +
    '(which disables ACLs), and check server access logs for reads since the change.',
  reference: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html',
  mitre: ['TA0009:T1530', 'TA0010:T1537'],
  cis: ['CloudWatch.8'],
  eventNames: ['PutBucketAcl'],
  eventSources: ['s3.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => {
    const grant = publicGrant(e);
    const exposure = grant ? `, making it public (${show(grant, 60)})` : '';
    return (
      `${actorLabel(e)} changed the ACL of S3 bucket ${show(param(e, 'bucketName'), 80)}${exposure} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('s3.bucket-acl-changed', e.recipientAccountId, param(e, 'bucketName')),
});
