// GetSigninToken: temporary credentials exchanged at the federation endpoint for a console session.

import { isIdentityCenterSession } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isInstanceCredential, isServiceCaller } from '../common/actors';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const isFederationToken = (e: TrailEvent): boolean => e.actor.type === 'FederatedUser';

/**
 * Medium; high when the credentials are an EC2 instance's (a session named after the instance, or
 * one the metadata service delivered): an instance never needs a console, so its role credentials
 * were taken off it. A refused exchange is one step lower.
 */
const severity = (e: TrailEvent): Severity => byOutcome(e, isInstanceCredential(e) ? 'high' : 'medium');

export default defineRule({
  id: 'signin.console-session-from-keys',
  title: 'Console session opened from API credentials',
  description:
    'A principal exchanged temporary credentials (from AssumeRole or GetFederationToken) for a console ' +
    'sign-in token at the federation endpoint (GetSigninToken). Medium; high when the credentials are ' +
    'an EC2 instance’s role session (named after the instance, i-..., or delivered by the instance ' +
    'metadata service), which has no use for a console; one step lower when it failed. Sessions of ' +
    'IAM Identity Center permission sets are not matched (the access portal opens every console session ' +
    'this way), nor are calls by AWS services. Tools that open the console from a CLI profile do the same: ' +
    'suppress the roles of people who use them as data.',
  whyItMatters:
    'Turning stolen access keys into a browser session moves the intruder to the console, where their ' +
    'clicks leave fewer API-shaped traces and tools built for keys stop seeing them; a federation token ' +
    'turned into a console session also outlives the deletion of the key that minted it.',
  runbook:
    'Ask the person behind the role or federated user whether they opened the console from the command ' +
    'line. If not, revoke the role’s active sessions (or deny the federated user with an ' +
    'aws:TokenIssueTime condition), deactivate the access key at the origin of the chain, and review the ' +
    'console activity of the session.',
  reference:
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html',
  mitre: ['TA0005:T1550.001', 'TA0008:T1550.001'],
  eventNames: ['GetSigninToken'],
  eventSources: ['signin.amazonaws.com'],
  severity,
  matches: (e) => !isServiceCaller(e) && !isIdentityCenterSession(e),
  explain: (e) => {
    const kind = isFederationToken(e)
      ? 'a federation token'
      : isInstanceCredential(e)
        ? 'an EC2 instance’s role credentials'
        : 'temporary credentials';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to exchange' : 'exchanged'} ${kind} (access key ` +
      `${show(e.actor.accessKeyId, 32)}) for a console sign-in token ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup('signin.console-session-from-keys', e.recipientAccountId, e.actor.arn || e.actor.principalId),
});
