// AddLayerVersionPermission: a layer version made usable by another account, an organization, or anyone.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isAwsItself, viaAwsService } from '../common/actors';
import { req } from '../common/json';
import { lambdaEventNames } from '../common/lambda-event-names';
import { failed } from '../common/outcome';
import { principalAccount } from '../common/policy-documents';
import { byOutcome, lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'lambda.layer-shared';

type Grant = 'public' | 'organization' | 'account' | 'own';

const principal = (e: TrailEvent): string => req(e, 'principal').trim();
const organization = (e: TrailEvent): string => req(e, 'organizationId').trim();

/** Whom the statement lets use the layer: everyone, an organization's accounts, one account, or this account. */
function grant(e: TrailEvent): Grant {
  const who = principal(e);
  if (who === '*') return organization(e) === '' ? 'public' : 'organization';
  const account = principalAccount(who);
  return account !== '' && account === homeAccount(e) ? 'own' : 'account';
}

const SEVERITY: Record<Grant, Severity> = {
  public: 'high',
  organization: 'medium',
  account: 'medium',
  own: 'info',
};

/** High for everyone, medium for an organization or another account; failed and service-made calls lower. */
function severity(e: TrailEvent): Severity {
  const level = byOutcome(e, SEVERITY[grant(e)]);
  return viaAwsService(e) && !failed(e) ? lower(level) : level;
}

function whom(e: TrailEvent): string {
  switch (grant(e)) {
    case 'public':
      return 'every AWS account (principal "*")';
    case 'organization':
      return `every account of organization ${show(organization(e), 40)}`;
    default:
      return `account ${show(principalAccount(principal(e)) || principal(e), 80)}`;
  }
}

const layerVersion = (e: TrailEvent): string =>
  `${req(e, 'layerName')}${req(e, 'versionNumber') !== '' ? `:${req(e, 'versionNumber')}` : ''}`;

export default defineRule({
  id: ID,
  title: 'Lambda layer shared outside the account',
  description:
    'A principal added a statement to a Lambda layer version’s policy (AddLayerVersionPermission, ' +
    'recorded as AddLayerVersionPermission20181031). High when principal "*" comes without an ' +
    'organizationId: every AWS account may then load the layer; medium for "*" limited to an ' +
    'organization (whose accounts the record cannot tell are yours) and for another account. Grants to ' +
    'the account itself are not matched. A failed call is medium when the success would be high, low ' +
    'otherwise; one step lower when an AWS service made it for a principal; calls by AWS itself are not ' +
    'matched.',
  whyItMatters:
    'A shared layer hands its code to the accounts it is shared with: internal libraries, embedded ' +
    'configuration and sometimes credentials leave the account, and a public layer is a way to offer ' +
    'backdoored code to others under the account’s name.',
  runbook:
    'Read the layer version’s policy (GetLayerVersionPolicy). If the share is not expected, remove the ' +
    'statement (RemoveLayerVersionPermission with its statement id), inspect the layer’s content for ' +
    'secrets and rotate any it holds, and review what else the caller shared.',
  reference: 'https://docs.aws.amazon.com/lambda/latest/api/API_AddLayerVersionPermission.html',
  mitre: ['TA0010:T1537', 'TA0042:T1608'],
  eventNames: lambdaEventNames('layers', 'AddLayerVersionPermission'),
  eventSources: ['lambda.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e) && grant(e) !== 'own',
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to allow' : 'allowed'} ${whom(e)} to use Lambda layer ` +
    `${show(layerVersion(e), 160)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, layerVersion(e), principal(e)),
});
