// Who is behind a call, read from its ARNs: the principal key that threshold counters and
// first-seen profiles share, and the ARN parts it needs. Pure; never throws on odd input.
import type { TrailEvent } from './types';

/** A bare 12-digit AWS account id. */
export function isAccountId(value: string): boolean {
  return /^\d{12}$/.test(value);
}

/** The 12-digit account in an ARN's fifth field; '' when there is none. */
export function arnAccount(arn: string): string {
  const account = arn.split(':')[4] ?? '';
  return isAccountId(account) ? account : '';
}

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
