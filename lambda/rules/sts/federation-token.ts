// GetFederationToken: temporary credentials minted from an IAM user's (or root's) long-lived key.
import { obj, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, isKeyHolderOrRoot } from '../common/actors';
import { listOf, param, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { parsePolicyDocument, statementsOf } from '../common/policy-documents';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ADMIN_POLICY_NAMES = ['AdministratorAccess', 'IAMFullAccess'];

/** The session policy allows every action on every resource, or a passed managed policy is admin. */
function grantsEverything(e: TrailEvent): boolean {
  const inline = statementsOf(parsePolicyDocument(e.requestParameters.policy)).some(
    (s) =>
      str(s.Effect).toLowerCase() === 'allow' &&
      stringsOf(s.Action).some((a) => a.trim() === '*') &&
      stringsOf(s.Resource).some((r) => r.trim() === '*'),
  );
  const managed = listOf(e.requestParameters.policyArns).some((item) => {
    const arn = str(obj(item).arn) || str(item);
    return ADMIN_POLICY_NAMES.some((name) => arn.endsWith(`/${name}`));
  });
  return inline || managed;
}

const isRoot = (e: TrailEvent): boolean => e.actor.type === 'Root';

/**
 * High when the caller holds the long-term key itself (an IAM user's access key, or root), which is
 * how GetFederationToken is called unless an AWS service calls it for the user (invokedBy), or when
 * the session policy allows everything; medium otherwise. A refused call is one step lower.
 */
const severity = (e: TrailEvent): Severity =>
  byOutcome(e, isRoot(e) || isKeyHolderOrRoot(e) || grantsEverything(e) ? 'high' : 'medium');

export default defineRule({
  id: 'sts.federation-token',
  title: 'Federation token issued',
  description:
    'An IAM user or the root user called GetFederationToken. High when the caller signs with its ' +
    'long-term access key (an IAM user’s key holder, or root: the API accepts no other credentials) ' +
    'or the session policy allows "*" on "*" (or passes AdministratorAccess or IAMFullAccess); medium ' +
    'when an AWS service called it for the user (invokedBy) with a narrower policy. A refused call is ' +
    'one step lower (medium, low). Calls by AWS itself are not matched. Custom identity brokers call ' +
    'this legitimately: suppress them as data.',
  whyItMatters:
    'Federation tokens last up to 36 hours and keep working after the access key that minted them is ' +
    'deleted; attackers use them to keep access and to open console sessions (GetSigninToken).',
  runbook:
    'Ask the owner of the user whether a broker mints tokens. If not, deactivate the user’s access ' +
    'keys and attach a deny-all policy to the user with an aws:TokenIssueTime condition (deleting the ' +
    'key does not revoke the tokens), then review the federated user’s activity ' +
    '(userIdentity.type FederatedUser).',
  reference: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html',
  mitre: ['TA0003:T1098.001', 'TA0005:T1550.001'],
  eventNames: ['GetFederationToken'],
  eventSources: ['sts.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const who = isRoot(e) ? 'The root user' : actorLabel(e);
    const scope = grantsEverything(e) ? ' with a session policy allowing everything' : '';
    return (
      `${who} ${failed(e) ? 'tried to get' : 'got'} a federation token for ` +
      `${show(param(e, 'name'), 64)}${scope} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup('sts.federation-token', e.recipientAccountId, e.actor.arn || e.actor.userName, param(e, 'name')),
});
