// CreateSAMLProvider / CreateOpenIDConnectProvider / UpdateSAMLProvider: a new source of identities.
import { defineRule } from '../core/rule';
import type { TrailEvent } from '../core/types';
import { actorLabel, dedup, failed, origin, outcome, param, show } from './helpers';
import { byOutcome, isAwsItself, path } from './helpers-exposure';

function provider(e: TrailEvent): string {
  return (
    param(e, 'name') ||
    param(e, 'url') ||
    param(e, 'sAMLProviderArn') ||
    path(e.responseElements, 'sAMLProviderArn') ||
    path(e.responseElements, 'openIDConnectProviderArn')
  );
}

/** Past tense and attempt, per event. */
const VERBS: Record<string, readonly [string, string]> = {
  CreateSAMLProvider: ['created SAML provider', 'tried to create SAML provider'],
  UpdateSAMLProvider: [
    'replaced the metadata of SAML provider',
    'tried to replace the metadata of SAML provider',
  ],
  CreateOpenIDConnectProvider: ['created OIDC provider', 'tried to create OIDC provider'],
};

function verbOf(e: TrailEvent): string {
  const verbs = Object.hasOwn(VERBS, e.eventName) ? VERBS[e.eventName] : undefined;
  return (failed(e) ? verbs?.[1] : verbs?.[0]) ?? 'changed identity provider';
}

export default defineRule({
  id: 'iam.identity-provider-added',
  title: 'IAM identity provider added or changed',
  description:
    'A principal created an IAM SAML or OpenID Connect provider, or replaced a SAML provider’s ' +
    'metadata. High when the call succeeded, medium when it failed. Providers that AWS creates itself ' +
    '(IAM Identity Center’s AWSSSO_… provider, through its service-linked role) are not matched. ' +
    'Roles that trust the provider are judged by iam.role-trust-opened.',
  whyItMatters:
    'An identity provider is a trust root: whoever controls its signing key (or, for a replaced SAML ' +
    'metadata document, the attacker’s own IdP) can mint sign-ins to every role that trusts it.',
  runbook:
    'Confirm the provider with the identity team. If it is unknown, delete it (DeleteSAMLProvider, ' +
    'DeleteOpenIDConnectProvider) or restore the previous metadata, list the roles whose trust ' +
    'policies name it, and review AssumeRoleWithSAML and AssumeRoleWithWebIdentity events since.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers.html',
  mitre: ['TA0004:T1484.002', 'TA0005:T1484.002', 'TA0003:T1556.007'],
  eventNames: Object.keys(VERBS),
  eventSources: ['iam.amazonaws.com'],
  severity: (e) => byOutcome(e, 'high'),
  matches: (e) => !isAwsItself(e),
  explain: (e) => `${actorLabel(e)} ${verbOf(e)} ` + `${show(provider(e), 120)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('iam.identity-provider-added', e.recipientAccountId, provider(e)),
});
