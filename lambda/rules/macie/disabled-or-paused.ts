// Amazon Macie turned off, paused, or slowed down: the service that finds sensitive data in S3
// stops looking, or reports less often.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** Calls that stop Macie for the account. */
const STOPS: ReadonlyMap<string, string> = new Map([
  ['DisableMacie', 'disabled Macie'],
  ['DisassociateFromAdministratorAccount', 'took the account out of its Macie administrator'],
  ['DisassociateFromMasterAccount', 'took the account out of its Macie administrator'],
]);
/** Macie v2 `UpdateMacieSession`, and Macie Classic's `UpdateSession`. */
const UPDATES = new Set(['UpdateMacieSession', 'UpdateSession']);

function paused(e: TrailEvent): boolean {
  return UPDATES.has(e.eventName) && str(e.requestParameters.status).toUpperCase() === 'PAUSED';
}

function what(e: TrailEvent): string {
  if (paused(e)) return 'paused Macie';
  const frequency = param(e, 'findingPublishingFrequency');
  if (UPDATES.has(e.eventName)) {
    return frequency
      ? `set Macie to publish findings every ${show(frequency, 24)}`
      : 'changed the Macie session';
  }
  return STOPS.get(e.eventName) ?? 'changed Macie';
}

const severity = (e: TrailEvent): Severity =>
  judgeChange(e, STOPS.has(e.eventName) || paused(e) ? 'high' : 'medium');

export default defineRule({
  id: 'macie.disabled-or-paused',
  title: 'Macie disabled, paused or its reporting changed',
  description:
    'A principal disabled Amazon Macie, took the account out of its Macie administrator account, or ' +
    'paused Macie (high); or changed the Macie session otherwise, such as how often findings are ' +
    'published (medium). One step lower when an AWS service made the call; low when it failed.',
  whyItMatters:
    'Macie is what finds credentials, personal data and public exposure in S3 buckets; stopping it ' +
    'or slowing its findings hides the data an intruder is about to take.',
  runbook:
    'Confirm with the security team. If it is not expected, enable or resume Macie, restore the ' +
    'publishing frequency and the administrator association, and review S3 access by the same ' +
    'principal since the change.',
  reference: 'https://docs.aws.amazon.com/macie/latest/user/macie-suspend-disable.html',
  mitre: ['TA0005:T1562.001'],
  eventNames: [...STOPS.keys(), ...UPDATES],
  eventSources: ['macie2.amazonaws.com', 'macie.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => `${actorLabel(e)} ${what(e)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('macie.disabled-or-paused', e.recipientAccountId, e.awsRegion, e.eventName),
});
