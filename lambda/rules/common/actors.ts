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
