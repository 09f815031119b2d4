// GetParameter(s) / GetParametersByPath with decryption: SecureString parameters in plaintext.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isKeyHolderOrRoot, isServiceCaller } from '../common/actors';
import { isTrue, param, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const decrypts = (e: TrailEvent): boolean => isTrue(e.requestParameters.withDecryption);

/**
 * Medium for an IAM user's long-term key or root: applications read their configuration with role
 * credentials, so a long-term key decrypting parameters is a person, or someone holding their key.
 */
const severity = (e: TrailEvent): Severity => (isKeyHolderOrRoot(e) ? 'medium' : 'low');

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
    'Low for role sessions and people in the console: applications do this at every start, so a single ' +
    'read is context, and bursts are credentials.read-burst. Medium for an IAM user’s long-term key or ' +
    'root, which applications rarely use. Reads without decryption, and reads by AWS services ' +
    '(invokedBy, service-linked roles), are not matched; the engine leaves records that do not mention ' +
    'withDecryption unparsed for this rule.',
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
  prefilter: ['withDecryption'],
  severity,
  matches: (e) => decrypts(e) && !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to decrypt' : 'decrypted'} ${show(parameters(e), 160)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('ssm.secure-parameter-read', e.recipientAccountId, e.actor.arn || e.actor.userName, parameters(e)),
});
