// Subscribe: a new receiver for a topic's messages, inside the account or outside it.
import { arnAccount } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, callerKind, isAwsItself, isForeignAccount, viaAwsService } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'sns.subscription-added';

/** Protocols that deliver outside AWS, to an address only its owner controls. */
const OUTSIDE = new Set(['email', 'email-json', 'sms', 'http', 'https']);

const protocol = (e: TrailEvent): string => req(e, 'protocol').trim().toLowerCase();
const endpoint = (e: TrailEvent): string => req(e, 'endpoint').trim();
const topicArn = (e: TrailEvent): string => req(e, 'topicArn');

/** A URL without its user name, password and query, which may carry secrets. */
function withoutSecrets(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1').replace(/[?#].*$/, '');
}

type Reach = 'outside' | 'other-account' | 'inside';

/** Where messages go: out of AWS, to another account's queue or function, or within the account. */
function reach(e: TrailEvent): Reach {
  if (OUTSIDE.has(protocol(e))) return 'outside';
  return isForeignAccount(e, arnAccount(endpoint(e))) ? 'other-account' : 'inside';
}

/** Whether the caller is someone rather than something: a person, a long-term key, root. */
const byHand = (e: TrailEvent): boolean => {
  const kind = callerKind(e);
  return kind === 'person' || kind === 'key-holder' || kind === 'root';
};

/**
 * Medium for delivery to another account, and for delivery outside AWS by hand; low for delivery
 * outside AWS by a workload and for a subscription inside the account made by hand. One step lower when
 * the call failed or an AWS service made it for a principal.
 */
function base(e: TrailEvent): Severity {
  const where = reach(e);
  if (where === 'other-account') return 'medium';
  if (where === 'outside') return byHand(e) ? 'medium' : 'low';
  return 'low';
}

const severity = (e: TrailEvent): Severity => lowerFor(base(e), failed(e) || viaAwsService(e));

/** trailwatch's own alert topic: trailwatch.self-tamper rates a subscription to it. */
const isOwnTopic = (e: TrailEvent, topic: string | undefined): boolean =>
  topic !== undefined && topic !== '' && topicArn(e) === topic;

function receiver(e: TrailEvent): string {
  const where = reach(e);
  const target = protocol(e).startsWith('http') ? withoutSecrets(endpoint(e)) : endpoint(e);
  const label = `${show(protocol(e), 16, 'unknown protocol')} endpoint ${show(target, 160)}`;
  if (where === 'outside') return `${label} (outside AWS)`;
  if (where === 'other-account') return `${label} of account ${show(arnAccount(endpoint(e)), 16)}`;
  return label;
}

export default defineRule({
  id: ID,
  title: 'SNS subscription added',
  description:
    'A principal subscribed an endpoint to an SNS topic (Subscribe). Medium when messages go to a queue, ' +
    'function or stream of another account, or outside AWS (email, SMS, HTTP or HTTPS) by the hand of a ' +
    'person, an IAM user’s long-term key or root; low for delivery outside AWS set up by a workload ' +
    '(applications register their own webhooks) and for subscriptions inside the account made by hand. ' +
    'Workloads subscribing the account’s own queues and functions are not matched: messaging libraries do ' +
    'it at every start. One step lower when the call failed or an AWS service made it for a principal; ' +
    'calls by AWS itself are not matched. Subscriptions to trailwatch’s own alert topic are ' +
    'trailwatch.self-tamper’s.',
  whyItMatters:
    'A subscription copies every message the topic carries to its endpoint: alerts, orders, ' +
    'notifications with personal data. An address outside the organisation receiving them is a quiet, ' +
    'lasting exfiltration channel.',
  runbook:
    'Check the subscription (ListSubscriptionsByTopic) and who owns the endpoint. If it is not expected, ' +
    'remove it (Unsubscribe), restrict sns:Subscribe in the topic policy, and review what the topic ' +
    'carried since the subscription was confirmed.',
  reference: 'https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html',
  mitre: ['TA0010:T1567', 'TA0010:T1537'],
  eventNames: ['Subscribe'],
  eventSources: ['sns.amazonaws.com'],
  severity,
  matches: (e, context) => {
    if (isAwsItself(e)) return false;
    if (isOwnTopic(e, context.ownResources.topicArn)) return false;
    return reach(e) !== 'inside' || byHand(e);
  },
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to subscribe' : 'subscribed'} ${receiver(e)} to SNS topic ` +
    `${show(topicArn(e), 160)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, topicArn(e), protocol(e), endpoint(e)),
});
