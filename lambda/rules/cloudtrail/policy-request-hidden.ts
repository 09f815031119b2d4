// A policy write whose request CloudTrail did not record: `requestParameters` replaced by
// {"reason": "requestParameters too large", "omitted": true} once the request passes 100 KB. No
// policy these APIs accept is that large (an IAM inline policy is at most 10,240 characters, a
// bucket policy 20 KB, a key policy 32 KB), so the request was padded, and padding is how a policy
// change is hidden from every rule that reads the document.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { lambdaEventNames } from '../common/lambda-event-names';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

interface Target {
  /** What the hidden document governs, for the alert. */
  readonly what: string;
  /**
   * The most severe finding the rules reading this document can raise (a trust or resource policy
   * opened to anyone, an identity policy granting administrator access): what the hidden request
   * is rated, since it may have been exactly that. The test pins each against those rules.
   */
  readonly worst: Severity;
}

const trust: Target = { what: 'a role trust policy', worst: 'critical' };
const identity: Target = { what: 'an IAM identity policy', worst: 'high' };
const resource = (what: string): Target => ({ what, worst: 'critical' });

/** `<eventSource>|<eventName>` of the policy-writing calls, and what each governs. */
const TARGETS: Readonly<Record<string, Target>> = {
  'iam.amazonaws.com|CreateRole': trust,
  'iam.amazonaws.com|UpdateAssumeRolePolicy': trust,
  'iam.amazonaws.com|PutUserPolicy': identity,
  'iam.amazonaws.com|PutRolePolicy': identity,
  'iam.amazonaws.com|PutGroupPolicy': identity,
  'iam.amazonaws.com|CreatePolicy': identity,
  'iam.amazonaws.com|CreatePolicyVersion': identity,
  's3.amazonaws.com|PutBucketPolicy': resource('an S3 bucket policy'),
  'kms.amazonaws.com|PutKeyPolicy': { what: 'a KMS key policy', worst: 'high' },
  'kms.amazonaws.com|CreateKey': { what: 'a KMS key policy', worst: 'high' },
  'sqs.amazonaws.com|SetQueueAttributes': resource('an SQS queue policy'),
  'sqs.amazonaws.com|CreateQueue': resource('an SQS queue policy'),
  'sns.amazonaws.com|SetTopicAttributes': resource('an SNS topic policy'),
  'sns.amazonaws.com|CreateTopic': resource('an SNS topic policy'),
  'ecr.amazonaws.com|SetRepositoryPolicy': resource('an ECR repository policy'),
  'secretsmanager.amazonaws.com|PutResourcePolicy': resource('a Secrets Manager secret policy'),
  ...Object.fromEntries(
    lambdaEventNames('functions', 'AddPermission').map((name) => [
      `lambda.amazonaws.com|${name}`,
      resource('a Lambda function policy'),
    ]),
  ),
};

const targetOf = (e: TrailEvent): Target | undefined => TARGETS[`${e.eventSource}|${e.eventName}`];

/** CloudTrail's marker for a request it left out; `"true"` as text is read the same. */
const isOmitted = (e: TrailEvent): boolean => {
  const omitted = e.requestParameters.omitted;
  return omitted === true || str(omitted).toLowerCase() === 'true';
};

const severity = (e: TrailEvent): Severity => byOutcome(e, targetOf(e)?.worst ?? 'high');

export default defineRule({
  id: 'cloudtrail.policy-request-hidden',
  title: 'Policy change hidden from CloudTrail',
  description:
    'A principal wrote a trust, identity or resource policy (IAM, S3, KMS, SQS, SNS, ECR, Secrets ' +
    'Manager, Lambda) with a request so large that CloudTrail left it out ("omitted": true). No ' +
    'policy these APIs accept is over 100 KB, so the document was padded. Rated as the worst the ' +
    'rules reading that document could have found: critical for trust and resource policies (open ' +
    'to anyone), high for identity and key policies (administrator access); failed calls one step ' +
    'lower. Calls by AWS itself are not matched. Its finding replaces the other rules’ findings on ' +
    'the same event, which could only judge an empty request.',
  whyItMatters:
    'Padding a policy with whitespace until CloudTrail drops the request is a published way to make a ' +
    'backdoor invisible to log-based monitoring: the event says a policy changed, never what it now ' +
    'allows. Only reading the policy itself shows it.',
  runbook:
    'Read the current policy from the service (GetRolePolicy, GetBucketPolicy, GetKeyPolicy, ' +
    'GetQueueAttributes, ...) and compare it with what is expected: principals, accounts, actions. ' +
    'Whitespace-padded documents are themselves the tell. If it is not expected, restore the previous ' +
    'policy and rotate the caller credentials.',
  reference:
    'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html',
  mitre: ['TA0005:T1562.008', 'TA0003:T1098'],
  eventNames: [...new Set(Object.keys(TARGETS).map((key) => key.split('|')[1]!))],
  eventSources: [...new Set(Object.keys(TARGETS).map((key) => key.split('|')[0]!))],
  supersedes: [
    'iam.policy-changed',
    'iam.role-created',
    'iam.role-trust-changed',
    'iam.role-trust-opened',
    's3.bucket-policy-changed',
    'kms.key-policy-changed',
    'resource-policy.made-public',
    'lambda.function-made-public',
  ],
  severity,
  matches: (e) => targetOf(e) !== undefined && isOmitted(e) && !isAwsItself(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to write' : 'wrote'} ${targetOf(e)?.what ?? 'a policy'} with a ` +
    `request too large for CloudTrail to record (${show(e.eventName, 60)}), so what it allows is unknown; ` +
    `rated as the worst it could grant ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup(
      'cloudtrail.policy-request-hidden',
      e.recipientAccountId,
      e.eventSource,
      e.actor.arn || e.actor.userName,
    ),
});
