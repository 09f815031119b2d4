// GetParameter(s) / GetParametersByPath with decryption: SecureString parameters in plaintext.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { isTrue, param, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const decrypts = (e: TrailEvent): boolean => isTrue(e.requestParameters.withDecryption);

function parameters(e: TrailEvent): string {
  if (e.eventName === 'GetParametersByPath') return `parameters under ${param(e, 'path')}`;
  const names = stringsOf(e.requestParameters.names);
  if (names.length > 1) return `${names.length} parameters (${names[0]}, ...)`;
  return names[0] ?? param(e, 'name');
}

export default defineRule({
  id: 'ssm.secure-parameter-read',
  title: 'SSM parameters read with decryption',
  description:
    'A principal read Parameter Store parameters with decryption (GetParameter, GetParameters, ' +
    'GetParametersByPath with withDecryption true), which returns SecureString values in plaintext. ' +
    'Always low: applications do this at every start, so a single read is context; bursts are a ' +
    'later stateful check. Reads without decryption, and reads by AWS services (invokedBy, ' +
    'service-linked roles), are not matched.',
  whyItMatters:
    'SecureString parameters hold passwords and API keys; who decrypted which parameter is the ' +
    'evidence for scoping a compromise, and a person decrypting production parameters is worth a look.',
  runbook:
    'No action for a workload reading its own configuration. For a person or an unknown principal, ' +
    'ask why, rotate the values if the read is not explained, and look for other reads by the same ' +
    'principal.',
  reference:
    'https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-securestring.html',
  mitre: ['TA0006:T1555.006'],
  eventNames: ['GetParameter', 'GetParameters', 'GetParametersByPath'],
  eventSources: ['ssm.amazonaws.com'],
  severity: 'low',
  matches: (e) => decrypts(e) && !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to decrypt' : 'decrypted'} ${show(parameters(e), 160)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('ssm.secure-parameter-read', e.recipientAccountId, e.actor.arn || e.actor.userName, parameters(e)),
});
