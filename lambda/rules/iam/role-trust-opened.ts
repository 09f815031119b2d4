// UpdateAssumeRolePolicy / CreateRole: who may assume a role, read from the trust policy itself.
import { isObject, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { JsonObject, Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isAwsItself } from '../common/actors';
import { param, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import {
  parsePolicyDocument,
  policyGrantsPublicPrincipal,
  principalAccount,
  statementsOf,
} from '../common/policy-documents';
import { byOutcome } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

interface Trust {
  /** Allow to anyone, with no condition that pins the caller to an account, org, ARN or network. */
  readonly publicAccess: boolean;
  /** Allow to `*` that a condition narrows (we cannot tell to whom). */
  readonly pinnedWildcard: boolean;
  readonly externalAccounts: readonly string[];
  readonly identityProviders: readonly string[];
}

const NO_TRUST: Trust = {
  publicAccess: false,
  pinnedWildcard: false,
  externalAccounts: [],
  identityProviders: [],
};

function trustDocument(e: TrailEvent): unknown {
  return e.eventName === 'CreateRole'
    ? e.requestParameters.assumeRolePolicyDocument
    : e.requestParameters.policyDocument;
}

function readTrust(e: TrailEvent): Trust {
  const document = parsePolicyDocument(trustDocument(e));
  const statements = statementsOf(document).filter((s) => str(s.Effect).toLowerCase() === 'allow');
  if (statements.length === 0) return NO_TRUST;
  const home = homeAccount(e);
  const external = new Set<string>();
  const providers = new Set<string>();
  let wildcard = false;
  for (const statement of statements) {
    const principal = statement.Principal;
    if (principal === '*' || 'NotPrincipal' in statement) wildcard = true;
    if (!isObject(principal)) continue;
    for (const value of stringsOf(principal.AWS)) {
      if (value.trim() === '*') wildcard = true;
      const account = principalAccount(value);
      if (account !== '' && account !== home) external.add(account);
    }
    for (const provider of stringsOf(principal.Federated)) providers.add(provider);
  }
  return {
    publicAccess: policyGrantsPublicPrincipal(document as JsonObject),
    pinnedWildcard: wildcard,
    externalAccounts: [...external].sort(),
    identityProviders: [...providers].sort(),
  };
}

function isOpened(t: Trust): boolean {
  return (
    t.publicAccess || t.pinnedWildcard || t.externalAccounts.length > 0 || t.identityProviders.length > 0
  );
}

function severity(e: TrailEvent): Severity {
  return byOutcome(e, readTrust(e).publicAccess ? 'critical' : 'high');
}

function describeTrust(t: Trust): string {
  if (t.publicAccess) return 'anyone (Principal "*" with no condition pinning the caller)';
  const parts: string[] = [];
  if (t.pinnedWildcard) parts.push('Principal "*" narrowed by a condition');
  if (t.externalAccounts.length > 0) {
    parts.push(`account(s) ${show(firstFew(t.externalAccounts), 60)}`);
  }
  if (t.identityProviders.length > 0) {
    parts.push(`identity provider ${show(t.identityProviders[0], 120)}`);
  }
  return parts.join('; ') || 'principals outside the account';
}

export default defineRule({
  id: 'iam.role-trust-opened',
  title: 'Role trust policy opened outside the account',
  description:
    'A principal created a role or replaced its trust policy (CreateRole, UpdateAssumeRolePolicy) so ' +
    'that principals outside the account may assume it. Critical when anyone may (Principal "*" or ' +
    'NotPrincipal with no condition pinning the caller; sts:ExternalId alone does not pin it); high ' +
    'for another AWS account, a SAML or OIDC identity provider, or a "*" narrowed by a condition. ' +
    'Trusts of AWS services and of the account itself are not matched, nor are calls by AWS itself ' +
    '(Identity Center provisioning its roles); failed calls are medium. It reads the new document ' +
    'only, so it cannot tell whether the external trust was already there. It replaces the ' +
    'iam.role-created and iam.role-trust-changed findings on the same event.',
  whyItMatters:
    'A role that trusts an outside account or identity provider is a backdoor that needs no ' +
    'credentials in this account: whoever controls the outside principal can assume the role at will.',
  runbook:
    'Read the trust policy (GetRole) and the role’s permissions. If the outside principal is not a ' +
    'known partner or federation, restore the previous trust policy or delete the role, revoke its ' +
    'active sessions (the "Revoke active sessions" action adds a deny on older tokens), and search ' +
    'AssumeRole events for the role since the change.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html',
  mitre: ['TA0003:T1098.003', 'TA0004:T1098.003'],
  eventNames: ['CreateRole', 'UpdateAssumeRolePolicy'],
  eventSources: ['iam.amazonaws.com'],
  // A role created or re-trusted with an outside trust pages here; the plain "role created" and
  // "role trust changed" records would repeat it.
  supersedes: ['iam.role-created', 'iam.role-trust-changed'],
  severity,
  matches: (e) => !isAwsItself(e) && isOpened(readTrust(e)),
  explain: (e) => {
    const create = e.eventName === 'CreateRole';
    const verb = failed(e)
      ? create
        ? 'tried to create role'
        : 'tried to change the trust policy of role'
      : create
        ? 'created role'
        : 'changed the trust policy of role';
    return (
      `${actorLabel(e)} ${verb} ${show(param(e, 'roleName'), 64)}, ` +
      `trusting ${describeTrust(readTrust(e))}, ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('iam.role-trust-opened', e.recipientAccountId, param(e, 'roleName')),
});
