// AWS credentials (or an identity, the step before them) handed out by a Cognito identity pool to a
// caller with no login at all: guest access. From identity pool data events in trail files:
// `trailwatch scan` only (Event history holds no data events).
import { isObject, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { child, objectsOf, path, req } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'cognito.unauthenticated-credentials-issued';

/**
 * No login offered: the call carries no `logins` map, or an empty one. CloudTrail records every
 * identity pool caller as `Unknown`, signed in or not, so the identity type alone does not tell.
 */
function unauthenticated(e: TrailEvent): boolean {
  if (e.actor.type !== 'Unknown' && e.actor.type !== '') return false;
  const logins = child(e.requestParameters, 'logins');
  return !isObject(logins) || Object.keys(logins).length === 0;
}

/** The identity pool: the request's, else the identity pool among the event's resources. */
function pool(e: TrailEvent): string {
  const named = req(e, 'identityPoolId');
  if (named !== '') return named;
  const resource = objectsOf(e.raw.resources).find(
    (r) => str(child(r, 'type')) === 'AWS::Cognito::IdentityPool',
  );
  return resource === undefined ? '' : str(child(resource, 'ARN', 'arn'));
}

const identity = (e: TrailEvent): string => req(e, 'identityId') || path(e.responseElements, 'identityId');

export default defineRule({
  id: ID,
  title: 'Cognito identity pool served an unauthenticated caller',
  description:
    'A Cognito identity pool gave a caller without any login an identity (GetId) or AWS credentials ' +
    '(GetCredentialsForIdentity): guest access. From identity pool data events in trail files: ' +
    '`trailwatch scan` only, since Event history holds no data events. Low: many apps use guest ' +
    'access on purpose, and the event alone cannot show whether the credentials were then used ' +
    'beyond what the app needs; the alert names the pool so its unauthenticated role can be checked. ' +
    'Info when the call failed.',
  whyItMatters:
    'Identity pool ids sit in mobile apps and web pages. If the pool allows guests, anyone who finds ' +
    'the id gets temporary AWS credentials for the pool’s unauthenticated role, with no login: ' +
    'harmless when that role can do almost nothing, a public door into the account when it can do more.',
  runbook:
    'Read the pool’s unauthenticated role and its policies (GetIdentityPoolRoles). If guest access is ' +
    'not needed, turn it off (AllowUnauthenticatedIdentities); if it is, cut the role down to what the ' +
    'app needs, and review what sessions of that role did from addresses the app does not use.',
  reference: 'https://docs.aws.amazon.com/cognito/latest/developerguide/identity-pools.html',
  mitre: ['TA0006:T1552', 'TA0001:T1078.004'],
  eventNames: ['GetCredentialsForIdentity', 'GetId'],
  eventSources: ['cognito-identity.amazonaws.com'],
  dataEvents: true,
  severity: (e) => (failed(e) ? 'info' : 'low'),
  matches: unauthenticated,
  explain: (e) => {
    const what = e.eventName === 'GetId' ? 'an identity' : 'AWS credentials';
    const id = identity(e);
    const who = `a caller with no login${id === '' ? '' : ` (identity ${show(id, 64)})`}`;
    const from = `identity pool ${show(pool(e), 160)}`;
    return failed(e)
      ? `A${who.slice(1)} asked ${from} for ${what} ${origin(e)}${outcome(e)}.`
      : `The ${from} gave ${what} to ${who} ${origin(e)}.`;
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, pool(e), e.sourceIPAddress),
});
