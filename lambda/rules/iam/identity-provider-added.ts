// CreateSAMLProvider / CreateOpenIDConnectProvider / UpdateSAMLProvider and the OIDC trust changes:
// a new or altered source of identities; and the deletion of one, which cuts off its sign-ins.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { param, path } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

function provider(e: TrailEvent): string {
  return (
    param(e, 'name', 'url', 'sAMLProviderArn', 'openIDConnectProviderArn') ||
    path(e.responseElements, 'sAMLProviderArn') ||
    path(e.responseElements, 'openIDConnectProviderArn')
  );
}

/** Per event: past tense, attempt, and whether it adds trust (high) or removes a provider (medium). */
interface Change {
  readonly done: string;
  readonly tried: string;
  readonly addsTrust: boolean;
}

const CHANGES: Readonly<Record<string, Change>> = {
  CreateSAMLProvider: {
    done: 'created SAML provider',
    tried: 'tried to create SAML provider',
    addsTrust: true,
  },
  UpdateSAMLProvider: {
    done: 'replaced the metadata of SAML provider',
    tried: 'tried to replace the metadata of SAML provider',
    addsTrust: true,
  },
  CreateOpenIDConnectProvider: {
    done: 'created OIDC provider',
    tried: 'tried to create OIDC provider',
    addsTrust: true,
  },
  AddClientIDToOpenIDConnectProvider: {
    done: 'added a client id (audience) to OIDC provider',
    tried: 'tried to add a client id (audience) to OIDC provider',
    addsTrust: true,
  },
  UpdateOpenIDConnectProviderThumbprint: {
    done: 'replaced the certificate thumbprints of OIDC provider',
    tried: 'tried to replace the certificate thumbprints of OIDC provider',
    addsTrust: true,
  },
  DeleteSAMLProvider: {
    done: 'deleted SAML provider',
    tried: 'tried to delete SAML provider',
    addsTrust: false,
  },
  DeleteOpenIDConnectProvider: {
    done: 'deleted OIDC provider',
    tried: 'tried to delete OIDC provider',
    addsTrust: false,
  },
};

const changeOf = (e: TrailEvent): Change | undefined =>
  Object.hasOwn(CHANGES, e.eventName) ? CHANGES[e.eventName] : undefined;

function verbOf(e: TrailEvent): string {
  const change = changeOf(e);
  return (failed(e) ? change?.tried : change?.done) ?? 'changed identity provider';
}

const severity = (e: TrailEvent): Severity =>
  byOutcome(e, changeOf(e)?.addsTrust === false ? 'medium' : 'high');

export default defineRule({
  id: 'iam.identity-provider-added',
  title: 'IAM identity provider added, changed or deleted',
  description:
    'A principal created an IAM SAML or OpenID Connect provider, replaced a SAML provider’s metadata, ' +
    'or widened an OIDC provider’s trust (a client id added, its thumbprints replaced): high when the ' +
    'call succeeded, medium when it failed. Deleting a SAML or OIDC provider is medium (low when it ' +
    'failed). Providers that AWS manages itself (IAM Identity Center’s AWSSSO_… provider, through its ' +
    'service-linked role) are not matched. Roles that trust the provider are judged by ' +
    'iam.role-trust-opened.',
  whyItMatters:
    'An identity provider is a trust root: whoever controls its signing key (or, for a replaced SAML ' +
    'metadata document, the attacker’s own IdP) can mint sign-ins to every role that trusts it. Deleting ' +
    'the provider locks out everyone who signs in through it, and can push people back to IAM users.',
  runbook:
    'Confirm the change with the identity team. If a provider is unknown, delete it (DeleteSAMLProvider, ' +
    'DeleteOpenIDConnectProvider) or restore the previous metadata, client ids and thumbprints, list the ' +
    'roles whose trust policies name it, and review AssumeRoleWithSAML and AssumeRoleWithWebIdentity ' +
    'events since. If a provider in use was deleted, recreate it from the identity provider’s metadata ' +
    'and find out who removed it and why.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers.html',
  mitre: ['TA0004:T1484.002', 'TA0005:T1484.002', 'TA0003:T1556.007', 'TA0040:T1531'],
  eventNames: Object.keys(CHANGES),
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => `${actorLabel(e)} ${verbOf(e)} ${show(provider(e), 120)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('iam.identity-provider-added', e.recipientAccountId, provider(e)),
});
