// IAM Roles Anywhere: a trust anchor (a CA) and profiles let X.509 certificates obtain role sessions.
import { obj } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { param, path } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** Past tense and attempt, per event. */
const VERBS: Record<string, readonly [string, string]> = {
  CreateTrustAnchor: ['created trust anchor', 'tried to create trust anchor'],
  UpdateTrustAnchor: ['updated trust anchor', 'tried to update trust anchor'],
  EnableTrustAnchor: ['enabled trust anchor', 'tried to enable trust anchor'],
  CreateProfile: ['created profile', 'tried to create profile'],
  UpdateProfile: ['updated profile', 'tried to update profile'],
};

/** The anchor or profile: its name, else the id or ARN from the request or the response. */
function subject(e: TrailEvent): string {
  const response = obj(e.responseElements);
  return (
    param(e, 'name', 'trustAnchorId', 'profileId') ||
    path(response, 'trustAnchor', 'trustAnchorArn') ||
    path(response, 'profile', 'profileArn')
  );
}

function verbOf(e: TrailEvent): string {
  const verbs = Object.hasOwn(VERBS, e.eventName) ? VERBS[e.eventName] : undefined;
  return (failed(e) ? verbs?.[1] : verbs?.[0]) ?? 'changed';
}

export default defineRule({
  id: 'rolesanywhere.trust-anchor-changed',
  title: 'IAM Roles Anywhere trust anchor or profile changed',
  description:
    'A principal created, updated or enabled an IAM Roles Anywhere trust anchor, or created or ' +
    'updated a profile (the roles that certificates from the anchor may assume). High when the call ' +
    'succeeded, medium when it failed. Calls by AWS itself are not matched; the roles’ own trust ' +
    'policies are judged by iam.role-trust-opened.',
  whyItMatters:
    'A trust anchor makes an outside certificate authority a source of AWS credentials: whoever holds ' +
    'a certificate it signed can obtain role sessions from anywhere, without any IAM user or key.',
  runbook:
    'Confirm that the certificate authority and profile belong to a known workload. If not, disable ' +
    'and delete the trust anchor and profile (DisableTrustAnchor, DeleteTrustAnchor, DeleteProfile), ' +
    'remove rolesanywhere.amazonaws.com from the trust policies of the roles involved, and review the ' +
    'CreateSession events and the roles’ activity since the change.',
  reference: 'https://docs.aws.amazon.com/rolesanywhere/latest/userguide/introduction.html',
  mitre: ['TA0003:T1098.001', 'TA0003:T1556'],
  eventNames: Object.keys(VERBS),
  eventSources: ['rolesanywhere.amazonaws.com'],
  severity: (e) => byOutcome(e, 'high'),
  matches: (e) => !isAwsItself(e),
  explain: (e) =>
    `${actorLabel(e)} ${verbOf(e)} ` +
    `${show(subject(e), 120)} in IAM Roles Anywhere ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('rolesanywhere.trust-anchor-changed', e.recipientAccountId, e.awsRegion, subject(e)),
});
