// GetSecretValue / BatchGetSecretValue: a secret's plaintext returned to the caller.
import { obj, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isKeyHolderOrRoot, isServiceCaller } from '../common/actors';
import { listOf, param, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

/** The `filters` of a BatchGetSecretValue request (`[{ key, values }]`), objects only. */
const filtersOf = (e: TrailEvent) => listOf(e.requestParameters.filters).map(obj);

/**
 * How a batch read chose its secrets: by id (like a GetSecretValue per secret), by a filter (every
 * secret the caller may read that matches), or by filters that only exclude (`!value`): every
 * secret except those carrying an exclusion, in practice all of them.
 */
type Selection = 'single' | 'ids' | 'filter' | 'everything';

function selection(e: TrailEvent): Selection {
  if (e.eventName !== 'BatchGetSecretValue') return 'single';
  const filters = filtersOf(e);
  if (filters.length === 0) return 'ids';
  const values = filters.flatMap((f) => stringsOf(f.values));
  const onlyExclusions = values.length > 0 && values.every((v) => v.trim().startsWith('!'));
  return onlyExclusions ? 'everything' : 'filter';
}

const SEVERITY: Record<Selection, Severity> = {
  single: 'low',
  ids: 'low',
  filter: 'medium',
  everything: 'high',
};

/** A filtered batch read by a key holder or root is high: one call that empties the vault. */
function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'low';
  const chosen = selection(e);
  return chosen === 'filter' && isKeyHolderOrRoot(e) ? 'high' : SEVERITY[chosen];
}

function secret(e: TrailEvent): string {
  switch (selection(e)) {
    case 'single':
      return param(e, 'secretId');
    case 'ids':
      return `${listOf(e.requestParameters.secretIdList).length} secret(s) by id`;
    case 'everything':
      return 'every secret it may read (filters that only exclude)';
    default: {
      const first = filtersOf(e)[0] ?? {};
      return `the secrets matching filter ${str(first.key) || 'unknown'} = ${stringsOf(first.values).join(', ')}`;
    }
  }
}

export default defineRule({
  id: 'secretsmanager.secret-read',
  title: 'Secrets Manager secret read',
  description:
    'A principal read secret values (GetSecretValue, BatchGetSecretValue). Low for a secret read by ' +
    'name or a batch read of listed ids: applications read their secrets all the time, so a single ' +
    'read is context, and bursts are credentials.read-burst. A batch read chosen by a filter is medium ' +
    '(whatever matches is returned, names unseen), high when the caller is a key holder (an IAM ' +
    'user’s long-term access key, or a session made from it outside the console) or root; a batch read whose filters only exclude ("!value") ' +
    'is high: it asks for every secret the caller may read, which no application needs. Failed reads ' +
    'are low. Reads by AWS services (invokedBy, service-linked roles, e.g. RDS or CloudFormation ' +
    'resolving a reference) are not matched.',
  whyItMatters:
    'Secrets are what an intruder looks for first; the record of who read which secret is the ' +
    'evidence for scoping a compromise, and one call that returns every secret at once is how ' +
    'harvesting tools collect them.',
  runbook:
    'No action for a workload reading its own secret. For a person, an unknown principal or a filtered ' +
    'batch read, ask why; if it is not explained, list the secrets the caller may read (their values ' +
    'were returned), rotate them, and revoke the caller’s sessions or deactivate its access key.',
  reference: 'https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html',
  mitre: ['TA0006:T1555.006'],
  eventNames: ['GetSecretValue', 'BatchGetSecretValue'],
  eventSources: ['secretsmanager.amazonaws.com'],
  severity,
  matches: (e) => !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to read' : 'read'} ${show(secret(e), 160)} from Secrets ` +
    `Manager ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('secretsmanager.secret-read', e.recipientAccountId, e.actor.arn || e.actor.userName, secret(e)),
});
