// IAM Identity Center OIDC CreateToken with the device code grant: a CLI or tool received a user's
// access token after someone approved a device code in a browser.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { succeeded } from '../common/outcome';
import { dedup, origin, show } from '../common/text';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const isDeviceCodeGrant = (e: TrailEvent): boolean => param(e, 'grantType').trim() === DEVICE_CODE_GRANT;

/** The user agent, bounded: the approving browser and the polling tool differ, and that is the clue. */
const agent = (e: TrailEvent): string => show(e.userAgent, 100);

export default defineRule({
  id: 'sso.device-token-created',
  title: 'Identity Center access token issued through a device code',
  description:
    'IAM Identity Center issued an access token to a client through the OAuth device code grant ' +
    '(CreateToken with grant type device_code): someone approved a code shown by a CLI or tool. Low: ' +
    '"aws sso login" does exactly this, so the record is context; the token’s source address and user ' +
    'agent are what to compare with the user’s own. Failed polls (the tool waiting for approval) and ' +
    'refresh-token grants are not matched.',
  whyItMatters:
    'Device code phishing sends a user a genuine AWS approval page for a code the attacker started: ' +
    'once approved, the attacker’s tool holds a token for every account and role the user can reach, ' +
    'without a password or MFA prompt of its own.',
  runbook:
    'Compare the token’s source address and user agent with the user’s usual ones. If the user did not ' +
    'run a login from there, sign the user out of all sessions in IAM Identity Center (which revokes the ' +
    'token), review GetRoleCredentials and the role sessions it opened since, and warn the user about ' +
    'the phishing message.',
  reference: 'https://docs.aws.amazon.com/singlesignon/latest/OIDCAPIReference/API_CreateToken.html',
  mitre: ['TA0006:T1528', 'TA0001:T1566.002'],
  eventNames: ['CreateToken'],
  eventSources: ['sso.amazonaws.com', 'ssooidc.amazonaws.com', 'sso-oauth.amazonaws.com'],
  severity: 'low',
  matches: (e) => succeeded(e) && isDeviceCodeGrant(e),
  explain: (e) =>
    `IAM Identity Center issued an access token for ${actorLabel(e)} through a device code, to a client ` +
    `${origin(e)} with user agent ${agent(e)}.`,
  dedupKey: (e) =>
    dedup(
      'sso.device-token-created',
      e.recipientAccountId,
      e.actor.principalId || e.actor.userName,
      e.sourceIPAddress,
    ),
});
