// Who made the call: labels for alerts, and the kinds of caller the rules treat apart (AWS
// services, service-linked roles, people, federated sign-ins, other accounts). The principal key
// itself is core (lambda/core/principal.ts): counters and profiles key on it.
import { obj, str } from '../../core/event';
import {
  arnAccount,
  isAccountId,
  isIdentityCenterSession,
  roleName,
  roleSession,
} from '../../core/principal';
import type { TrailEvent } from '../../core/types';
import { show } from './text';

/**
 * A short, sanitised name for whoever made the call: the IAM user name, else `role/session`
 * for an assumed role, else the ARN, the principal id, the invoking service, else 'unknown'.
 */
export function actorLabel(e: TrailEvent, maxChars = 100): string {
  const a = e.actor;
  // normalizeRecord puts the bare session name in userName for roles; the role matters more.
  const label =
    (a.type === 'AssumedRole' ? roleSession(a.arn) : '') ||
    a.userName ||
    a.arn ||
    a.principalId ||
    a.invokedBy;
  return show(label, maxChars);
}

/** Who made a creation call, as a sentence's subject: root by name, a caller from another account with it. */
export function creatorLabel(e: TrailEvent): string {
  const who = e.actor.type === 'Root' ? 'The root user' : actorLabel(e);
  return isCrossAccount(e) ? `${who} of account ${show(e.actor.accountId, 16)}` : who;
}

// ---------------------------------------------------------------------------------------------
// AWS services. Three readings, because rules need three: a read rule ignores any service
// involvement, a change rule lowers a change a service made for a principal, and "AWS itself"
// excludes only what no principal chose.

/** An AWS service made the call, itself or on a principal's behalf (`invokedBy`). */
export function isAwsServiceCall(e: TrailEvent): boolean {
  return e.actor.type === 'AWSService' || e.actor.invokedBy !== '';
}

/** The caller's session comes from a service-linked role (`/aws-service-role/`, `AWSServiceRoleFor*`). */
export function isServiceLinkedRole(e: TrailEvent): boolean {
  const { arn, sessionIssuerArn } = e.actor;
  return (
    sessionIssuerArn.includes(':role/aws-service-role/') ||
    roleName(arn).startsWith('AWSServiceRoleFor') ||
    roleName(sessionIssuerArn).startsWith('AWSServiceRoleFor')
  );
}

/** Any service involvement, `invokedBy` included, or a service-linked role session: services read all day. */
export function isServiceCaller(e: TrailEvent): boolean {
  return isAwsServiceCall(e) || isServiceLinkedRole(e);
}

/**
 * AWS acting on its own: an `AWSService` identity or a service-linked role session (IAM Identity
 * Center provisioning its roles and SAML provider, AWS Backup copying snapshots, ...).
 * A call that a service makes on a principal's behalf (`invokedBy`, e.g. CloudFormation) is not
 * "AWS itself": the principal chose the change.
 */
export function isAwsItself(e: TrailEvent): boolean {
  return e.actor.type === 'AWSService' || isServiceLinkedRole(e);
}

/**
 * `invokedBy` values that mean "a person in the console", not "an AWS service on the caller's
 * behalf": older console events carry them, and they must not lower a human's change.
 */
const CONSOLE_INVOKERS = new Set(['signin.amazonaws.com', 'console.amazonaws.com']);

/**
 * AWS made the call: an AWS service principal, a service acting for the caller (`invokedBy`,
 * e.g. CloudFormation), or a service-linked role. `invokedBy` is set by AWS, not by the caller,
 * so unlike the user agent it can be trusted to lower a severity.
 */
export function viaAwsService(e: TrailEvent): boolean {
  const { type, invokedBy } = e.actor;
  return (
    type === 'AWSService' || (invokedBy !== '' && !CONSOLE_INVOKERS.has(invokedBy)) || isServiceLinkedRole(e)
  );
}

/**
 * CloudFormation made the call while creating, updating or deleting a stack: with the caller's
 * credentials (`invokedBy`) or with a stack service role (the source address is then the service).
 * `sourceIPAddress` of a service is set by AWS, not by the client, so it cannot be forged.
 */
export function isCloudFormationCall(e: TrailEvent): boolean {
  const cfn = 'cloudformation.amazonaws.com';
  return e.actor.invokedBy === cfn || e.sourceIPAddress === cfn;
}

// ---------------------------------------------------------------------------------------------
// People and sign-ins

/** A person at the keyboard, as far as CloudTrail tells: an IAM user, root, or an Identity Center session. */
export function isHumanCaller(e: TrailEvent): boolean {
  return e.actor.type === 'IAMUser' || e.actor.type === 'Root' || isIdentityCenterSession(e);
}

const FEDERATED_TYPES = new Set([
  'AssumedRole',
  'FederatedUser',
  'IdentityCenterUser',
  'SAMLUser',
  'WebIdentityUser',
]);

/**
 * The sign-in came through federation (IAM Identity Center, SAML, web identity, switch-role
 * or a federation token). CloudTrail leaves `MFAUsed` at "No" for these because the identity
 * provider, not AWS, checked the second factor: never read that as "no MFA".
 */
export function isFederatedSignIn(e: TrailEvent): boolean {
  if (FEDERATED_TYPES.has(e.actor.type)) return true;
  if (str(e.additionalEventData.SamlProviderArn) !== '') return true;
  if (isIdentityCenterSession(e)) return true;
  const session = obj(obj(e.raw.userIdentity).sessionContext);
  return Object.keys(obj(session.webIdFederationData)).length > 0;
}

/**
 * Who is behind a call, in the five kinds the rules rate differently. Read only from fields AWS
 * sets (identity type, access key prefix, the record's `sessionCredentialFromConsole`, `invokedBy`, the session
 * issuer), never from the user agent, which the caller chooses:
 * - `aws`: AWS itself, or a service acting for the principal (`viaAwsService`);
 * - `root`: the root user;
 * - `key-holder`: an IAM user calling with its long-term access key (`AKIA...`), or with a session
 *   made from that key outside the console (`GetSessionToken`, `GetFederationToken`): what a
 *   stolen key looks like, and the caller of most intrusions that start from a leaked key;
 * - `person`: an IAM user in the console, an IAM Identity Center or SAML session;
 * - `workload`: every other role session: instances, functions, containers, pipelines (web
 *   identity), roles chained by code. Their calls are routine; a known deploy identity is quieted
 *   with a suppression, not by these kinds.
 */
export type CallerKind = 'aws' | 'root' | 'key-holder' | 'person' | 'workload';

export function callerKind(e: TrailEvent): CallerKind {
  if (viaAwsService(e)) return 'aws';
  const { type, accessKeyId } = e.actor;
  if (type === 'Root') return 'root';
  if (type === 'IAMUser' || type === 'FederatedUser') {
    if (accessKeyId.startsWith('AKIA')) return 'key-holder';
    // A top-level field of the record, `true` or "true"; AWS sets it, not the client.
    const fromConsole =
      str(e.raw.sessionCredentialFromConsole) === 'true' || e.raw.sessionCredentialFromConsole === true;
    // A session key outside the console was made from the user's long-term key.
    return accessKeyId.startsWith('ASIA') && !fromConsole ? 'key-holder' : 'person';
  }
  if (isIdentityCenterSession(e) || str(e.additionalEventData.SamlProviderArn) !== '') return 'person';
  return type === 'IdentityCenterUser' ? 'person' : 'workload';
}

/** A key holder or root: the callers whose code-running and persistence calls are high. */
export function isKeyHolderOrRoot(e: TrailEvent): boolean {
  const kind = callerKind(e);
  return kind === 'key-holder' || kind === 'root';
}

/** An EC2 instance id as a role session name: `i-` and 8 or 17 hex digits. */
const INSTANCE_SESSION = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * The call was made with an EC2 instance's credentials, as AWS recorded it: a role session that
 * the instance metadata service delivered (`sessionContext.ec2RoleDelivery`), one named after the
 * instance (how EC2 names instance-profile sessions), or the instance identity role
 * (`aws:ec2-instance`). Credentials meant to stay on one instance, and the most stolen kind.
 */
export function isInstanceCredential(e: TrailEvent): boolean {
  if (e.actor.type !== 'AssumedRole') return false;
  const session = obj(obj(e.raw.userIdentity).sessionContext);
  if (str(session.ec2RoleDelivery) !== '') return true;
  const [role = '', name = ''] = roleSession(e.actor.arn).split('/');
  return role === 'aws:ec2-instance' || INSTANCE_SESSION.test(name);
}

/** The instance identity role (`assumed-role/aws:ec2-instance/i-...`): for SSM and EC2 to know the instance, not for API calls. */
export function isInstanceIdentityRole(e: TrailEvent): boolean {
  return e.actor.type === 'AssumedRole' && roleSession(e.actor.arn).startsWith('aws:ec2-instance/');
}

/**
 * The AWS SDKs name the Lambda runtime they run in at the end of their user agent:
 * `exec-env/AWS_Lambda_python3.12`, `exec-env/AWS_Lambda_nodejs20.x`, `exec-env/AWS_Lambda_java21`.
 */
const LAMBDA_RUNTIME_AGENT = /\bexec-env\/AWS_Lambda/;

/**
 * Which server's own credentials made the call: 'an EC2 instance' (`isInstanceCredential`), 'a
 * Lambda function' (a role session whose SDK names the Lambda runtime in its user agent; Lambda
 * names the execution role's session after the function, which a record cannot tell from any other
 * session name), or '' for every other caller and for calls an AWS service made for the session
 * (`viaAwsService`). The user agent is the caller's to choose: use this to raise a rating only, never
 * to lower one (a thief who rewrites it is rated like any other workload).
 */
export function computeCredentialOf(e: TrailEvent): '' | 'an EC2 instance' | 'a Lambda function' {
  if (viaAwsService(e)) return '';
  if (isInstanceCredential(e)) return 'an EC2 instance';
  const lambda = e.actor.type === 'AssumedRole' && LAMBDA_RUNTIME_AGENT.test(e.userAgent.slice(0, 2048));
  return lambda ? 'a Lambda function' : '';
}

/**
 * Code on a server called with that server's own role: EC2 instance credentials or a Lambda
 * execution role (see `computeCredentialOf`). Such roles run the same code all day; IAM users,
 * keys, roles and policies created or granted with them are how a stolen instance or function
 * credential makes itself last. Raises ratings only.
 */
export function isComputeCredential(e: TrailEvent): boolean {
  return computeCredentialOf(e) !== '';
}

/** ` with the credentials of an EC2 instance` (or of a Lambda function) for an alert, '' for other callers. */
export function computeCredentialNote(e: TrailEvent): string {
  const of = computeCredentialOf(e);
  return of === '' ? '' : ` with the credentials of ${of}`;
}

/**
 * The call came from an AWS Management Console session (an IAM user's, a switched-to role's): AWS
 * marks it with the record's top-level `sessionCredentialFromConsole`, `true` or "true".
 */
export function isConsoleSession(e: TrailEvent): boolean {
  const flag = e.raw.sessionCredentialFromConsole;
  return flag === true || str(flag) === 'true';
}

// ---------------------------------------------------------------------------------------------
// Accounts

/** The account that owns the change: the recipient account, else the caller's. */
export function homeAccount(e: TrailEvent): string {
  return e.recipientAccountId || e.actor.accountId;
}

/** A 12-digit account that is set and differs from the event's own account. */
export function isForeignAccount(e: TrailEvent, account: string): boolean {
  const home = homeAccount(e);
  return isAccountId(account) && home !== '' && account !== home;
}

/** The caller's account differs from the account that recorded the event or owns `targetArn`. */
export function isCrossAccount(e: TrailEvent, targetArn = ''): boolean {
  const caller = e.actor.accountId;
  if (!caller) return false;
  const target = arnAccount(targetArn);
  return (
    (target !== '' && target !== caller) || (e.recipientAccountId !== '' && e.recipientAccountId !== caller)
  );
}
