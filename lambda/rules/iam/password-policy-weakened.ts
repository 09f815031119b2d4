// DeleteAccountPasswordPolicy, and UpdateAccountPasswordPolicy setting a policy below the baseline.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { boolOf, child, toInt } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** CIS AWS Foundations 1.8: passwords of at least 14 characters. */
const MIN_LENGTH = 14;

/** The character classes a policy can require, by request field. */
const CLASSES: readonly (readonly [string, string])[] = [
  ['requireUppercaseCharacters', 'upper-case letters'],
  ['requireLowercaseCharacters', 'lower-case letters'],
  ['requireNumbers', 'numbers'],
  ['requireSymbols', 'symbols'],
];

const field = (e: TrailEvent, key: string): unknown => child(e.requestParameters, key);

/**
 * What the new policy lacks. UpdateAccountPasswordPolicy replaces the whole policy, and every field
 * a request omits takes its default (length 8, no class required, reuse allowed), so an omitted
 * requirement counts as dropped. Expiry is judged only when a request sets it to 0 explicitly:
 * current guidance (NIST SP 800-63B, CIS 1.4 and later) no longer asks for forced expiry, so a
 * policy without one is not news, but a caller turning it off on purpose is reported with the rest.
 */
function weaknesses(e: TrailEvent): string[] {
  const found: string[] = [];
  const length = toInt(field(e, 'minimumPasswordLength'));
  if (length === undefined) found.push('no minimum length set (default 8)');
  else if (length < MIN_LENGTH) found.push(`minimum length ${show(length, 12)}`);
  const dropped = CLASSES.filter(([key]) => boolOf(field(e, key)) !== true).map(([, label]) => label);
  if (dropped.length > 0) found.push(`no ${dropped.join(', ')} required`);
  const reuse = toInt(field(e, 'passwordReusePrevention'));
  if (reuse === undefined || reuse <= 0) found.push('old passwords may be reused');
  if (toInt(field(e, 'maxPasswordAge')) === 0) found.push('passwords never expire');
  return found;
}

const isDelete = (e: TrailEvent): boolean => e.eventName === 'DeleteAccountPasswordPolicy';

/**
 * Deleting the policy: high. A policy set below the baseline: medium. Failed: medium and low; one step
 * lower when an AWS service made the call for the principal.
 */
const severity = (e: TrailEvent): Severity =>
  lowerFor(byOutcome(e, isDelete(e) ? 'high' : 'medium'), viaAwsService(e));

export default defineRule({
  id: 'iam.password-policy-weakened',
  title: 'Account password policy deleted or weakened',
  description:
    'A principal deleted the account password policy (DeleteAccountPasswordPolicy: high), or set one ' +
    'below the baseline (UpdateAccountPasswordPolicy: medium): a minimum length under 14 or none, any ' +
    'of upper-case, lower-case, numbers or symbols not required, password reuse allowed (no reuse ' +
    'prevention), or expiry turned off by an explicit maximum age of 0. The update replaces the whole ' +
    'policy and omitted fields take their defaults, so an omitted requirement counts as dropped; a ' +
    'policy without expiry is not reported unless the request sets it to 0. An update that meets the ' +
    'baseline is not matched. Failed calls are one level lower (medium, low); calls an AWS service ' +
    'made for the principal one step lower; calls by AWS itself are not matched.',
  whyItMatters:
    'A weak or missing password policy lets IAM users pick short or reused passwords, which makes ' +
    'password spraying and credential stuffing against the console work. Weakening it is also a way ' +
    'to set a simple password on an account the intruder has taken over.',
  runbook:
    'Confirm the change with the account owners. If it is not expected, restore the policy ' +
    '(UpdateAccountPasswordPolicy with a minimum length of 14 or more, reuse prevention of 24 and the ' +
    'character classes your standard requires), check which users changed their password since, and ' +
    'review the caller’s other IAM changes.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccountPasswordPolicy.html',
  mitre: ['TA0005:T1562', 'TA0006:T1110'],
  eventNames: ['DeleteAccountPasswordPolicy', 'UpdateAccountPasswordPolicy'],
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e) && (isDelete(e) || weaknesses(e).length > 0),
  explain: (e) => {
    if (isDelete(e)) {
      return `${actorLabel(e)} ${failed(e) ? 'tried to delete' : 'deleted'} the account password policy ${origin(e)}${outcome(e)}.`;
    }
    // Every text in `weaknesses` is fixed wording or a sanitised integer.
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to set' : 'set'} an account password policy below the ` +
      `baseline (${weaknesses(e).join('; ')}) ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('iam.password-policy-weakened', e.recipientAccountId),
});
