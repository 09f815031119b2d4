// CreateTopic by a person, a long-term key or root: a new channel data can be sent out through.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, callerKind } from '../common/actors';
import { path, req } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'sns.topic-created';

const topic = (e: TrailEvent): string => path(e.responseElements, 'topicArn') || req(e, 'name');

export default defineRule({
  id: ID,
  title: 'SNS topic created by hand',
  description:
    'A person, an IAM user’s long-term key or root created an SNS topic (CreateTopic). Low; info when it ' +
    'failed. Workloads are not matched: CreateTopic returns the existing topic when it exists, so ' +
    'applications and frameworks call it at every start to look up their topic’s ARN; calls made by AWS ' +
    'services (CloudFormation stacks) are not matched either, and the engine leaves CreateTopic records that ' +
    'name no IAM user, root or Identity Center or SAML session unparsed. Subscriptions are ' +
    'sns.subscription-added.',
  whyItMatters:
    'A topic is a ready channel out of the account: messages published to it reach any email address, ' +
    'phone number or web endpoint subscribed to it. Intruders create one to send themselves data, or to ' +
    'phish from a trusted sender.',
  runbook:
    'Ask the caller what the topic is for. If it is not expected, list its subscriptions ' +
    '(ListSubscriptionsByTopic) and its access policy, then delete it, and look for Publish calls to it ' +
    'and for other resources the caller created.',
  reference: 'https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html',
  mitre: ['TA0042:T1583', 'TA0010:T1567'],
  eventNames: ['CreateTopic'],
  eventSources: ['sns.amazonaws.com'],
  // Applications call CreateTopic at every start: only records that can name a person, an IAM user or
  // root are parsed (every text callerKind reads a person, key holder or root from).
  prefilter: [
    '"IAMUser"',
    '"FederatedUser"',
    '"Root"',
    '"IdentityCenterUser"',
    'AWSReservedSSO_',
    'sso.amazonaws.com',
    'SamlProviderArn',
  ],
  severity: (e) => (failed(e) ? 'info' : 'low'),
  matches: (e) => {
    const kind = callerKind(e);
    return kind === 'person' || kind === 'key-holder' || kind === 'root';
  },
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to create' : 'created'} SNS topic ${show(topic(e), 160)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, req(e, 'name')),
});
