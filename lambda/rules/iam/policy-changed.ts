// IAM policy changes (CIS / Security Hub CloudWatch.4): managed policies, their versions, and
// the policies attached to or written inline on users, roles and groups.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, computeCredentialNote, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { grantsAdministrator, parsePolicyDocument } from '../common/policy-documents';
import { dedup, origin, outcome, show } from '../common/text';

/** AttachUserPolicy is left to iam.user-policy-attached, which rates it on its own. */
const EVENT_NAMES = [
  'CreatePolicy',
  'DeletePolicy',
  'CreatePolicyVersion',
  'DeletePolicyVersion',
  'SetDefaultPolicyVersion',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'DetachUserPolicy',
  'AttachGroupPolicy',
  'DetachGroupPolicy',
  'PutUserPolicy',
  'PutRolePolicy',
  'PutGroupPolicy',
  'DeleteUserPolicy',
  'DeleteRolePolicy',
  'DeleteGroupPolicy',
];

/** AWS managed policies that amount to full control (IAMFullAccess can grant itself the rest). */
const ADMIN_POLICY_NAMES = ['AdministratorAccess', 'IAMFullAccess'];

/** Deploy tooling, by user agent. The caller writes the user agent: it lowers, never suppresses. */
const AUTOMATION_AGENT = /cloudformation|terraform|aws-cdk|pulumi/i;

const isAdminPolicyArn = (arn: string): boolean =>
  ADMIN_POLICY_NAMES.some((name) => arn.endsWith(`/${name}`));

/** The change gives a principal (or makes the live version of a policy) administrator access. */
function grantsAdmin(e: TrailEvent): boolean {
  switch (e.eventName) {
    case 'AttachRolePolicy':
    case 'AttachGroupPolicy':
      return isAdminPolicyArn(param(e, 'policyArn'));
    case 'PutUserPolicy':
    case 'PutRolePolicy':
    case 'PutGroupPolicy':
      return grantsAdministrator(parsePolicyDocument(e.requestParameters.policyDocument));
    case 'CreatePolicyVersion':
      return (
        param(e, 'setAsDefault') === 'true' &&
        grantsAdministrator(parsePolicyDocument(e.requestParameters.policyDocument))
      );
    default:
      return false;
  }
}

/** An admin document that is not (yet) in force: a new policy, or a non-default version. */
function adminDocumentOnly(e: TrailEvent): boolean {
  if (e.eventName !== 'CreatePolicy' && e.eventName !== 'CreatePolicyVersion') return false;
  return grantsAdministrator(parsePolicyDocument(e.requestParameters.policyDocument));
}

/**
 * S3 Browser, the Windows client that credential thieves use to browse a victim's buckets: it names
 * itself in the user agent (`S3 Browser/12.4.1 https://s3browser.com`), and its policy templates
 * leave the placeholder `<YOUR-BUCKET-NAME>` in the document when the bucket is not filled in. Both
 * are the caller's to write: they only raise the rating.
 */
const S3_BROWSER_AGENT = 'S3 Browser';
const S3_BROWSER_PLACEHOLDER = /<YOUR-BUCKET-NAME>|%3CYOUR-BUCKET-NAME%3E/i;

function fromS3Browser(e: TrailEvent): boolean {
  if (e.userAgent.slice(0, 2048).includes(S3_BROWSER_AGENT)) return true;
  const document = e.requestParameters.policyDocument;
  const text =
    typeof document === 'string' ? document : document === undefined ? '' : JSON.stringify(document);
  return S3_BROWSER_PLACEHOLDER.test(text.slice(0, 200_000));
}

/**
 * High for an admin grant (medium when AWS records a service making it) and for a change made from
 * S3 Browser or with its template; low for routine changes by AWS services or deploy tools; medium
 * otherwise, a server's own role included: infrastructure code runs on EC2 and in functions and
 * writes policies all day (the alert names the server credential). Failed calls are low.
 */
function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'low';
  // invokedBy is recorded by AWS: a stack that grants admin is still worth a look, not a page.
  if (grantsAdmin(e)) return viaAwsService(e) ? 'medium' : 'high';
  if (!viaAwsService(e) && fromS3Browser(e)) return 'high';
  if (viaAwsService(e) || AUTOMATION_AGENT.test(e.userAgent)) return 'low';
  return 'medium';
}

/** `role web-api`, `group admins`, `user carol`, or '' for managed-policy calls. */
function target(e: TrailEvent): string {
  const role = param(e, 'roleName');
  if (role) return `role ${show(role, 64)}`;
  const group = param(e, 'groupName');
  if (group) return `group ${show(group, 64)}`;
  const user = param(e, 'userName');
  return user ? `user ${show(user, 64)}` : '';
}

const policyLabel = (e: TrailEvent): string =>
  show(param(e, 'policyArn', 'policyName'), 140, 'an unnamed policy');

function action(e: TrailEvent): string {
  const to = target(e);
  const version = show(param(e, 'versionId'), 16);
  switch (e.eventName) {
    case 'CreatePolicy':
      return `created managed policy ${policyLabel(e)}`;
    case 'DeletePolicy':
      return `deleted managed policy ${policyLabel(e)}`;
    case 'CreatePolicyVersion':
      return `created a new version of ${policyLabel(e)}${param(e, 'setAsDefault') === 'true' ? ' and made it the default' : ''}`;
    case 'DeletePolicyVersion':
      return `deleted version ${version} of ${policyLabel(e)}`;
    case 'SetDefaultPolicyVersion':
      return `made version ${version} the default of ${policyLabel(e)}`;
    default:
      break;
  }
  const verb = e.eventName.startsWith('Attach')
    ? 'attached'
    : e.eventName.startsWith('Detach')
      ? 'detached'
      : e.eventName.startsWith('Put')
        ? 'wrote inline policy'
        : 'deleted inline policy';
  const preposition = verb === 'attached' ? 'to' : verb === 'wrote inline policy' ? 'on' : 'from';
  const what = `${verb} ${policyLabel(e)}`;
  return to ? `${what} ${preposition} ${to}` : what;
}

export default defineRule({
  id: 'iam.policy-changed',
  title: 'IAM policy changed',
  description:
    'A principal created, deleted or re-versioned a managed policy, or attached, detached, wrote ' +
    'or deleted a policy on a role, group or user (AttachUserPolicy is iam.user-policy-attached). ' +
    'High when a role or group gets AdministratorAccess or IAMFullAccess, an inline policy allows ' +
    'Action "*" (or iam:*) on Resource "*", or such a document becomes a default version; medium ' +
    'for other changes; low for calls made through an AWS service (CloudFormation, service-linked ' +
    'roles) or whose user agent names CloudFormation, Terraform, CDK or Pulumi (the user agent only ' +
    'lowers routine changes: an admin grant stays high unless AWS itself records the service). ' +
    'A change made with a server’s own role (EC2 instance credentials, or a Lambda execution role as ' +
    'its user agent shows) is medium and named as such: infrastructure code runs there too. High as ' +
    'well for a change from S3 Browser (its user agent, or its policy template’s <YOUR-BUCKET-NAME> placeholder left in the ' +
    'document), a client credential thieves favour: the user agent and the document are the caller’s ' +
    'to write, so they only raise the rating. Failed calls are low. SetDefaultPolicyVersion does not ' +
    'record the document, so it is medium.',
  whyItMatters:
    'Policies decide what every principal can do; granting administrator access, or rolling a ' +
    'policy back to a permissive old version, is the usual privilege escalation after a foothold.',
  runbook:
    'Confirm the change with the caller and the owner of the role, group or policy (a deploy ' +
    'pipeline should have a matching change). If it is not expected, revert it (detach the policy, ' +
    'delete the inline policy or set the previous default version), rotate the credentials of the ' +
    'caller, and review what the affected principal did since the change.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html',
  mitre: ['TA0003:T1098', 'TA0004:T1098.003'],
  cis: ['CloudWatch.4'],
  eventNames: EVENT_NAMES,
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => {
    const admin = grantsAdmin(e) || adminDocumentOnly(e) ? ', granting full administrator access' : '';
    const via = viaAwsService(e) ? ` via ${show(e.actor.invokedBy, 48, 'an AWS service')}` : '';
    const tool =
      !viaAwsService(e) && fromS3Browser(e) ? ' from S3 Browser (its user agent or policy template)' : '';
    return `${actorLabel(e)} ${action(e)}${admin}${via}${tool}${computeCredentialNote(e)} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) =>
    dedup(
      'iam.policy-changed',
      e.recipientAccountId,
      e.eventName,
      param(e, 'roleName', 'groupName', 'userName'),
      param(e, 'policyArn', 'policyName'),
    ),
});
