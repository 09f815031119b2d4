// PurgeQueue: every message in a queue deleted at once.
import { arnAccount } from '../../core/principal';
import { defineRule, type OwnResources } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, callerKind, isAwsItself, viaAwsService } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'sqs.queue-purged';

const queueUrl = (e: TrailEvent): string => req(e, 'queueUrl');

/** The parts of a queue URL's path (`https://sqs.<region>.amazonaws.com/<account>/<name>`): account, name. */
function queueParts(e: TrailEvent): [string, string] {
  const parts = queueUrl(e)
    .replace(/[?#].*$/, '')
    .replace(/^[a-z]+:\/\/[^/]*/i, '')
    .split('/')
    .filter((part) => part !== '');
  const name = parts[parts.length - 1] ?? '';
  const account = parts.length >= 2 ? (parts[parts.length - 2] ?? '') : '';
  return [/^\d{12}$/.test(account) ? account : '', name];
}

/** trailwatch's own dead-letter queue: trailwatch.self-tamper rates a purge of it (critical). */
function isOwnQueue(e: TrailEvent, own: OwnResources): boolean {
  const [account, name] = queueParts(e);
  const ownAccount = arnAccount(own.topicArn ?? '');
  const sameAccount = account === '' || ownAccount === '' || account === ownAccount;
  return own.queueName !== undefined && own.queueName !== '' && name === own.queueName && sameAccount;
}

/**
 * Medium; low for a workload (test suites and replay tools purge their queues as routine). One step
 * lower when the call failed or an AWS service made it for a principal.
 */
function severity(e: TrailEvent): Severity {
  const base: Severity = callerKind(e) === 'workload' ? 'low' : 'medium';
  return lowerFor(base, failed(e) || viaAwsService(e));
}

export default defineRule({
  id: ID,
  title: 'SQS queue purged',
  description:
    'A principal deleted every message of an SQS queue (PurgeQueue). Medium for a person, an IAM user’s ' +
    'long-term key or root; low for a workload role, since test suites and replay tools purge their own ' +
    'queues. One step lower when the call failed or an AWS service made it for a principal; calls by AWS ' +
    'itself are not matched. A purge of trailwatch’s own dead-letter queue is trailwatch.self-tamper’s.',
  whyItMatters:
    'A purge cannot be undone: the orders, events or jobs waiting in the queue are gone, and so is the ' +
    'evidence in a dead-letter queue. It is a quick way to disrupt a system or to erase what it recorded.',
  runbook:
    'Ask the queue’s owner whether the purge was planned. If not, find what produces into the queue and ' +
    'whether the lost messages can be replayed from the producer, rotate the caller’s credentials, and ' +
    'restrict sqs:PurgeQueue in the queue policy.',
  reference: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_PurgeQueue.html',
  mitre: ['TA0040:T1485', 'TA0005:T1070'],
  eventNames: ['PurgeQueue'],
  eventSources: ['sqs.amazonaws.com'],
  severity,
  matches: (e, context) => !isAwsItself(e) && !isOwnQueue(e, context.ownResources),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to purge' : 'purged'} SQS queue ${show(queueUrl(e), 200)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, queueUrl(e)),
});
