// A resource policy that lets anyone in, on the services without a rule of their own: ECR
// repositories, SQS queues, SNS topics, Secrets Manager secrets and new OpenSearch domains.
// (S3 buckets, KMS keys, Lambda functions and IAM roles have their own rules.)
import { obj } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { JsonObject, Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { isTrue, param, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { parsePolicyDocument, publicStatements } from '../common/policy-documents';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

interface Target {
  /** What the resource is, for the alert. */
  readonly kind: string;
  /** The policy document the call sets (a JSON string or an object), or undefined when it sets none. */
  readonly policy: (e: TrailEvent) => unknown;
  readonly resource: (e: TrailEvent) => string;
  /** Severity of a public policy when the call succeeded. */
  readonly severity: Severity;
}

/** `attributes.Policy` of an SQS or SNS request (`Policy`, any case of the key). */
function policyAttribute(e: TrailEvent): unknown {
  const attributes = obj(e.requestParameters.attributes);
  const key = Object.keys(attributes).find((k) => k.toLowerCase() === 'policy');
  return key === undefined ? undefined : attributes[key];
}

const queue: Target = {
  kind: 'SQS queue',
  policy: policyAttribute,
  resource: (e) => param(e, 'queueUrl', 'queueName'),
  severity: 'high',
};

const topic: Target = {
  kind: 'SNS topic',
  policy: (e) =>
    e.eventName === 'SetTopicAttributes'
      ? param(e, 'attributeName').toLowerCase() === 'policy'
        ? e.requestParameters.attributeValue
        : undefined
      : policyAttribute(e),
  resource: (e) => param(e, 'topicArn', 'name'),
  severity: 'high',
};

/** OpenSearch domains: only a new domain outside a VPC, whose access policy alone guards its endpoint. */
const domain: Target = {
  kind: 'OpenSearch domain (public endpoint)',
  policy: (e) => {
    const vpc = obj(e.requestParameters.vPCOptions ?? e.requestParameters.vpcOptions);
    return stringsOf(vpc.subnetIds ?? vpc.SubnetIds).length > 0
      ? undefined
      : e.requestParameters.accessPolicies;
  },
  resource: (e) => param(e, 'domainName'),
  severity: 'high',
};

const TARGETS: Readonly<Record<string, Target>> = {
  'ecr.amazonaws.com|SetRepositoryPolicy': {
    kind: 'ECR repository',
    policy: (e) => e.requestParameters.policyText,
    resource: (e) => param(e, 'repositoryName'),
    severity: 'high',
  },
  'sqs.amazonaws.com|SetQueueAttributes': queue,
  'sqs.amazonaws.com|CreateQueue': queue,
  'sns.amazonaws.com|SetTopicAttributes': topic,
  'sns.amazonaws.com|CreateTopic': topic,
  'secretsmanager.amazonaws.com|PutResourcePolicy': {
    kind: 'Secrets Manager secret',
    // A successful call with BlockPublicPolicy was checked by Secrets Manager itself and is not public.
    policy: (e) =>
      !failed(e) && isTrue(e.requestParameters.blockPublicPolicy)
        ? undefined
        : e.requestParameters.resourcePolicy,
    resource: (e) => param(e, 'secretId'),
    severity: 'critical',
  },
  'es.amazonaws.com|CreateDomain': domain,
  'es.amazonaws.com|CreateElasticsearchDomain': domain,
};

const targetOf = (e: TrailEvent): Target | undefined => {
  const key = `${e.eventSource}|${e.eventName}`;
  return Object.hasOwn(TARGETS, key) ? TARGETS[key] : undefined;
};

/** ECR actions that let the holder change the images (which every workload pulling the repository runs). */
const ECR_WRITES: readonly string[] = [
  'ecr:putimage',
  'ecr:initiatelayerupload',
  'ecr:uploadlayerpart',
  'ecr:completelayerupload',
  'ecr:batchdeleteimage',
  'ecr:deleterepository',
  'ecr:setrepositorypolicy',
  'ecr:deleterepositorypolicy',
];

/** The action names an ECR write, itself or through a trailing wildcard (`*`, `ecr:*`, `ecr:Put*`). */
function isEcrWrite(action: string): boolean {
  const a = action.trim().toLowerCase();
  if (!a.endsWith('*')) return ECR_WRITES.includes(a);
  const stem = a.slice(0, -1);
  return ECR_WRITES.some((write) => write.startsWith(stem));
}

function publicGrants(e: TrailEvent): JsonObject[] {
  const policy = targetOf(e)?.policy(e);
  if (policy === undefined || policy === null || policy === '') return [];
  return publicStatements(parsePolicyDocument(policy));
}

/** An ECR repository that anyone may push to: worse than anyone reading it. */
const publicWrite = (e: TrailEvent): boolean =>
  e.eventSource === 'ecr.amazonaws.com' && publicGrants(e).some((s) => stringsOf(s.Action).some(isEcrWrite));

function severity(e: TrailEvent): Severity {
  return byOutcome(e, publicWrite(e) ? 'critical' : (targetOf(e)?.severity ?? 'high'));
}

function actions(e: TrailEvent): string {
  const all = [...new Set(publicGrants(e).flatMap((s) => stringsOf(s.Action)))];
  return all.length === 0 ? 'any action' : all.slice(0, 4).join(', ') + (all.length > 4 ? ', ...' : '');
}

export default defineRule({
  id: 'resource-policy.made-public',
  title: 'Resource policy lets anyone in',
  description:
    'A principal set a resource policy with an Allow statement for anyone (Principal "*" or ' +
    'NotPrincipal, with no condition pinning the caller to an account, organisation, ARN, VPC or ' +
    'network) on an ECR repository (SetRepositoryPolicy), an SQS queue or SNS topic (their Policy ' +
    'attribute, at creation or later), a Secrets Manager secret (PutResourcePolicy) or a new OpenSearch ' +
    'domain outside a VPC. High; critical for a secret and for an ECR repository anyone may push to. ' +
    'Failed calls are medium. A successful PutResourcePolicy with BlockPublicPolicy is not matched (Secrets ' +
    'Manager checked it). Policies that are not public are not matched. Changes to OpenSearch domains ' +
    'after creation are not covered (a domain inside a VPC is commonly open to "*").',
  whyItMatters:
    'A public resource policy is an open door that no IAM review sees: anyone on the internet can read ' +
    'the secret, pull (or push) the container images, read or inject queue messages, publish to the ' +
    'topic or query the search domain.',
  runbook:
    'Read the new policy and confirm it with the resource owner. If it is not meant to be public, put ' +
    'back a policy limited to named accounts or the organisation (aws:PrincipalOrgID), then look for use ' +
    'by outside principals since the change: rotate an exposed secret, check image digests for pushed ' +
    'images, and review the queue, topic or domain access logs.',
  reference:
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-cross-account-resource-access.html',
  mitre: ['TA0010:T1537', 'TA0009:T1530', 'TA0003:T1098'],
  eventNames: [...new Set(Object.keys(TARGETS).map((key) => key.split('|')[1] ?? ''))],
  eventSources: [...new Set(Object.keys(TARGETS).map((key) => key.split('|')[0] ?? ''))],
  severity,
  matches: (e) => publicGrants(e).length > 0,
  explain: (e) => {
    const target = targetOf(e);
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to let' : 'let'} anyone call ${show(actions(e), 120)} on ` +
      `${target?.kind ?? 'resource'} ${show(target?.resource(e) ?? '', 120)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup('resource-policy.made-public', e.recipientAccountId, e.eventSource, targetOf(e)?.resource(e) ?? ''),
});
