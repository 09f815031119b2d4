// Small pure helpers the rules share. Every one of them accepts any TrailEvent (or any JSON)
// and never throws: a rule built from them cannot crash on an odd record.
import { isObject, obj, str } from '../core/event';
import { sanitize } from '../core/sanitize';
import type { JsonObject, JsonValue, TrailEvent } from '../core/types';

// ---------------------------------------------------------------------------------------------
// Outcome

/** The call succeeded: CloudTrail records no errorCode. */
export function succeeded(e: TrailEvent): boolean {
  return e.errorCode === '';
}

export function failed(e: TrailEvent): boolean {
  return !succeeded(e);
}

/**
 * A console sign-in failed. ConsoleLogin reports failure in `responseElements.ConsoleLogin`
 * and `errorMessage` ("Failed authentication"), usually without an errorCode.
 */
export function signInFailed(e: TrailEvent): boolean {
  return str(e.responseElements.ConsoleLogin) === 'Failure' || e.errorCode !== '' || e.errorMessage !== '';
}

// ---------------------------------------------------------------------------------------------
// Who

/** `Role/session` from an `arn:aws:sts::<acct>:assumed-role/Role/session` ARN; '' otherwise. */
export function roleSession(arn: string): string {
  const marker = ':assumed-role/';
  const at = arn.indexOf(marker);
  return at < 0 ? '' : arn.slice(at + marker.length);
}

/** The role name in a role or assumed-role ARN (path dropped); '' otherwise. */
export function roleName(arn: string): string {
  const session = roleSession(arn);
  if (session) return session.split('/')[0] ?? '';
  const at = arn.indexOf(':role/');
  return at < 0
    ? ''
    : (arn
        .slice(at + ':role/'.length)
        .split('/')
        .pop() ?? '');
}

/** The 12-digit account in an ARN's fifth field; '' when there is none. */
export function arnAccount(arn: string): string {
  const account = arn.split(':')[4] ?? '';
  return /^\d{12}$/.test(account) ? account : '';
}

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
  return sanitize(label, maxChars) || 'unknown';
}

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

/** The session was issued to an IAM Identity Center (SSO) permission set role. */
export function isIdentityCenterSession(e: TrailEvent): boolean {
  const issuer = e.actor.sessionIssuerArn || e.actor.arn;
  return (
    roleName(issuer).startsWith('AWSReservedSSO_') || issuer.includes('/aws-reserved/sso.amazonaws.com/')
  );
}

/**
 * The principal behind a call, the same across its sessions: a role once whatever its session
 * names (they differ per job run, and the caller chooses them), and a federation token's user as
 * the IAM user that issued it; an IAM Identity Center role per person (the session name is the
 * person, and many people share the role); otherwise the caller's ARN, or its principal id. A role
 * session recorded without its issuer is read from its ARN (`assumed-role/Role/session` ->
 * `arn:<partition>:iam::<account>:role/Role`). What counters and profiles key on.
 */
export function principalKey(e: TrailEvent): string {
  const { type, arn, principalId, sessionIssuerArn, userName } = e.actor;
  const issuer =
    type === 'AssumedRole' || type === 'FederatedUser' ? sessionIssuerArn || roleOfSession(arn) : '';
  if (issuer === '') return arn || principalId;
  if (!isIdentityCenterSession(e)) return issuer;
  const person = userName || roleSession(arn).split('/')[1] || '';
  return person === '' ? issuer : `${issuer}/${person}`;
}

/** `arn:aws:iam::<account>:role/Role` for an `arn:aws:sts::<account>:assumed-role/Role/session` ARN; '' otherwise. */
function roleOfSession(arn: string): string {
  const role = roleSession(arn).split('/')[0] ?? '';
  const [prefix, partition] = arn.split(':');
  const account = arnAccount(arn);
  return role === '' || prefix !== 'arn' || account === ''
    ? ''
    : `arn:${partition}:iam::${account}:role/${role}`;
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

/** The caller's account differs from the account that recorded the event or owns `targetArn`. */
export function isCrossAccount(e: TrailEvent, targetArn = ''): boolean {
  const caller = e.actor.accountId;
  if (!caller) return false;
  const target = arnAccount(targetArn);
  return (
    (target !== '' && target !== caller) || (e.recipientAccountId !== '' && e.recipientAccountId !== caller)
  );
}

/** Who made a creation call, as a sentence's subject: root by name, a caller from another account with it. */
export function creatorLabel(e: TrailEvent): string {
  const who = e.actor.type === 'Root' ? 'The root user' : actorLabel(e);
  return isCrossAccount(e) ? `${who} of account ${show(e.actor.accountId, 16)}` : who;
}

// ---------------------------------------------------------------------------------------------
// Resource policies

/**
 * Condition keys that tie an Allow to a fixed caller or network, after S3's own definition of
 * a non-public policy ("The meaning of public" in the S3 User Guide) plus the principal-org keys.
 * Compared lower-case: condition keys are case-insensitive.
 */
const RESTRICTING_KEYS = new Set([
  'aws:sourceip',
  'aws:sourcearn',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceowner',
  'aws:sourceaccount',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:principalarn',
  'aws:principalaccount',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:userid',
  's3:x-amz-server-side-encryption-aws-kms-key-id',
]);

/** Operators that only pass when the key is present and equal to (or inside) the listed values. */
const RESTRICTING_OPERATORS = new Set([
  'stringequals',
  'stringequalsignorecase',
  'stringlike',
  'arnequals',
  'arnlike',
  'ipaddress',
]);

/**
 * True when the policy (a JSON string or an already-parsed object, as S3's PutBucketPolicy
 * records it) has an `Allow` statement whose principal is anyone (`"*"`, `{"AWS": "*"}`, a
 * list holding `"*"`, or any `NotPrincipal`) and whose Condition does not pin the caller to a
 * fixed account, organisation, ARN, VPC, endpoint or CIDR.
 *
 * Deliberately not covered (the answer is "public" or "not public" on the statement alone):
 * Deny statements that would cancel the Allow; whether the actions are harmful (any action
 * counts); wildcard account ARNs such as `arn:aws:iam::*:root`; policy variables in condition
 * values; ACLs and access-point policies. Unparseable input is "not public".
 */
export function policyGrantsPublicPrincipal(policyJson: unknown): boolean {
  try {
    return statementsOf(parsePolicy(policyJson)).some(isPublicAllow);
  } catch {
    // JSON.parse on a hostile string (or a pathologically deep one) is the only thrower.
    return false;
  }
}

function parsePolicy(policy: unknown): JsonObject {
  if (typeof policy === 'string') return obj(JSON.parse(policy));
  return obj(policy);
}

function statementsOf(policy: JsonObject): JsonObject[] {
  const statement = policy.Statement;
  const list = Array.isArray(statement) ? statement : [statement];
  return list.filter(isObject);
}

function isPublicAllow(statement: JsonObject): boolean {
  if (str(statement.Effect) !== 'Allow') return false;
  // Allow + NotPrincipal grants everyone except the listed principals.
  const anyone = 'NotPrincipal' in statement || principalIsAnyone(statement.Principal);
  return anyone && !conditionPinsCaller(statement.Condition);
}

function principalIsAnyone(principal: JsonValue | undefined): boolean {
  if (principal === '*') return true;
  if (!isObject(principal)) return false;
  return Object.values(principal).some((value) =>
    Array.isArray(value) ? value.some((v) => v === '*') : value === '*',
  );
}

function conditionPinsCaller(condition: JsonValue | undefined): boolean {
  for (const [operator, clauses] of Object.entries(obj(condition))) {
    const op = operator.toLowerCase().replace(/^foranyvalue:/, '');
    if (!RESTRICTING_OPERATORS.has(op)) continue;
    for (const [key, value] of Object.entries(obj(clauses))) {
      if (RESTRICTING_KEYS.has(key.toLowerCase()) && isFixed(value, op === 'ipaddress')) return true;
    }
  }
  return false;
}

/** Non-empty, and no value that matches everything (`*`, `?` patterns, a /0 network). */
function isFixed(value: JsonValue, isCidr: boolean): boolean {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) return false;
  return values.every((v) => {
    if (typeof v !== 'string' || v === '') return false;
    if (isCidr) return !/\/0$/.test(v.trim());
    return !/[*?]/.test(v) && !v.includes('${');
  });
}

// ---------------------------------------------------------------------------------------------
// Text for alerts and dedup keys. Everything below goes through `sanitize`.

/** A sanitised field for a message, or `fallback` when it is empty. */
export function show(value: unknown, maxChars = 120, fallback = 'unknown'): string {
  return sanitize(value, maxChars) || fallback;
}

/** `from <ip> in <region>`, sanitised and bounded. */
export function origin(e: TrailEvent): string {
  return `from ${show(e.sourceIPAddress, 64)} in ${show(e.awsRegion, 32)}`;
}

/** ` (failed: <errorCode>)` for a failed call, '' for a successful one. */
export function outcome(e: TrailEvent): string {
  return failed(e) ? ` (failed: ${show(e.errorCode, 48)})` : '';
}

/** A dedup key from parts: each sanitised and bounded so a hostile field cannot bloat state. */
export function dedup(...parts: unknown[]): string {
  return parts.map((part) => sanitize(part, 128)).join('|');
}

/** `requestParameters[key]` as a string ('' when absent or not scalar). */
export function param(e: TrailEvent, key: string): string {
  return str(e.requestParameters[key]);
}
