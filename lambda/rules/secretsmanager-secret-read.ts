// GetSecretValue / BatchGetSecretValue: a secret's plaintext returned to the caller.
import { defineRule } from '../core/rule';
import type { TrailEvent } from '../core/types';
import { actorLabel, dedup, failed, origin, outcome, param, show } from './helpers';
import { isServiceCaller, listOf } from './helpers-exposure';

function secret(e: TrailEvent): string {
  if (e.eventName === 'GetSecretValue') return param(e, 'secretId');
  const ids = listOf(e.requestParameters.secretIdList);
  return ids.length > 0 ? `${ids.length} secret(s) by id` : 'secrets matching a filter';
}

export default defineRule({
  id: 'secretsmanager.secret-read',
  title: 'Secrets Manager secret read',
  description:
    'A principal read a secret value (GetSecretValue, BatchGetSecretValue). Always low: applications ' +
    'read their secrets all the time, so a single read is context, not an alert; bursts of reads by ' +
    'one principal are a later stateful check. Failed reads are low too. Reads by AWS services ' +
    '(invokedBy, service-linked roles, e.g. RDS or CloudFormation resolving a reference) are not matched.',
  whyItMatters:
    'Secrets are what an intruder looks for first; the record of who read which secret is the ' +
    'evidence for scoping a compromise, and a person reading production secrets is worth a look.',
  runbook:
    'No action for a workload reading its own secret. For a person or an unknown principal, ask why, ' +
    'rotate the secret if the read is not explained, and look for other reads by the same principal.',
  reference: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-cloudtrail.html',
  mitre: ['TA0006:T1555.006'],
  eventNames: ['GetSecretValue', 'BatchGetSecretValue'],
  eventSources: ['secretsmanager.amazonaws.com'],
  severity: 'low',
  matches: (e) => !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to read' : 'read'} ${show(secret(e), 160)} from Secrets ` +
    `Manager ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('secretsmanager.secret-read', e.recipientAccountId, e.actor.arn || e.actor.userName, secret(e)),
});
