// IAM Identity Center's identity source: the directory it is connected to, and the external SAML
// identity provider that authenticates its users.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/**
 * Per event: what happened, in the past tense and as an attempt. The names are those the IAM
 * Identity Center user guide lists as recorded by CloudTrail: the directory association among the
 * console operations (source sso.amazonaws.com), the external IdP configuration among the identity
 * store operations (source sso-directory.amazonaws.com).
 */
const CHANGES: ReadonlyMap<string, readonly [string, string]> = new Map([
  ['AssociateDirectory', ['connected a directory as the identity source', 'tried to connect a directory']],
  [
    'DisassociateDirectory',
    ['disconnected the identity source directory', 'tried to disconnect the directory'],
  ],
  [
    'UpdateDirectoryAssociation',
    ['changed the identity source directory association', 'tried to change the directory association'],
  ],
  [
    'CreateExternalIdPConfigurationForDirectory',
    ['added an external identity provider', 'tried to add an external identity provider'],
  ],
  [
    'UpdateExternalIdPConfigurationForDirectory',
    ['changed the external identity provider', 'tried to change the external identity provider'],
  ],
  [
    'EnableExternalIdPConfigurationForDirectory',
    ['turned on sign-in through the external identity provider', 'tried to turn on the external IdP'],
  ],
  [
    'DisableExternalIdPConfigurationForDirectory',
    ['turned off sign-in through the external identity provider', 'tried to turn off the external IdP'],
  ],
  [
    'DeleteExternalIdPConfigurationForDirectory',
    ['deleted the external identity provider', 'tried to delete the external identity provider'],
  ],
]);

function verb(e: TrailEvent): string {
  const change = CHANGES.get(e.eventName);
  return (failed(e) ? change?.[1] : change?.[0]) ?? 'changed the identity source';
}

/** The directory (or instance) the change applies to, when the request names it. */
const directory = (e: TrailEvent): string => req(e, 'directoryId', 'instanceArn', 'identityStoreId');

/** High; a failed attempt medium; one step lower when an AWS service made the call for the principal. */
const severity = (e: TrailEvent): Severity => lowerFor(byOutcome(e, 'high'), viaAwsService(e));

export default defineRule({
  id: 'sso.identity-provider-changed',
  title: 'IAM Identity Center identity source changed',
  description:
    'A principal changed where IAM Identity Center gets its users from: connected, changed or ' +
    'disconnected a directory (AssociateDirectory, UpdateDirectoryAssociation, DisassociateDirectory), ' +
    'or added, changed, turned on, turned off or deleted the external SAML identity provider ' +
    '(Create-, Update-, Enable-, Disable- and DeleteExternalIdPConfigurationForDirectory). High; a ' +
    'failed attempt is medium, a call an AWS service made for the principal one step lower, and calls ' +
    'by AWS itself are not matched.',
  whyItMatters:
    'The identity source decides who can sign in to every account and application IAM Identity Center ' +
    'serves. An identity provider the attacker controls lets them sign in as any user, with that ' +
    'user’s permission sets; removing the provider locks the real users out.',
  runbook:
    'Confirm the change with the identity team. If it is not expected, restore the previous identity ' +
    'source and IdP metadata (certificate, sign-in URL, issuer), sign every user out of IAM Identity ' +
    'Center, and review the sign-ins and role sessions opened through it since the change.',
  reference: 'https://docs.aws.amazon.com/singlesignon/latest/userguide/sso-info-in-cloudtrail.html',
  mitre: ['TA0003:T1556.007', 'TA0004:T1484.002', 'TA0005:T1484.002'],
  eventNames: [...CHANGES.keys()],
  // identitystore.amazonaws.com is today's Identity Store source; the guide files these calls under
  // the identity store, so a record under that name is accepted too.
  eventSources: ['sso.amazonaws.com', 'sso-directory.amazonaws.com', 'identitystore.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const dir = directory(e);
    const which = dir === '' ? '' : ` (${show(dir, 100)})`;
    return `${actorLabel(e)} ${verb(e)} in IAM Identity Center${which} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) => dedup('sso.identity-provider-changed', e.recipientAccountId, directory(e)),
});
