// The detector's two topics: who is subscribed to them (each recipient at its severity on the
// alert topic, unfiltered on the health topic) and who may publish to them.
import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SUBSCRIBER_MIN_SEVERITY } from '../lambda/core/settings';
import type { Severity } from '../lambda/core/types';
import type { AlertSubscriber, TrailwatchDetectorProps } from './detector-props';
import { atOrAbove } from './detector-settings';

export interface DetectorTopics {
  readonly topic: sns.ITopic;
  readonly healthTopic: sns.ITopic;
  /** Deliveries SNS gives up on. */
  readonly deadLetterQueue: sqs.IQueue;
}

export function addSubscriptions(topics: DetectorTopics, props: TrailwatchDetectorProps): void {
  const seen = new Set<string>();
  const add = (
    subscribers: readonly AlertSubscriber[] | undefined,
    defaultMinimum: Severity,
    make: (endpoint: string, options: subscriptions.SubscriptionProps) => sns.ITopicSubscription,
    afterAdd?: (subscription: sns.Subscription) => void,
  ): void => {
    for (const subscriber of subscribers ?? []) {
      if (seen.has(subscriber.endpoint)) {
        throw new Error(`trailwatch: alert endpoint ${subscriber.endpoint} is listed twice`);
      }
      seen.add(subscriber.endpoint);
      const minimum = subscriber.minSeverity ?? defaultMinimum;
      const subscription = topics.topic.addSubscription(
        make(subscriber.endpoint, {
          filterPolicy: {
            severity: sns.SubscriptionFilter.stringFilter({ allowlist: atOrAbove(minimum) }),
          },
          // Deliveries SNS gives up on land here too, and the DLQ alarm reports them.
          deadLetterQueue: topics.deadLetterQueue,
        }),
      );
      afterAdd?.(subscription);
      // Health alarms go to every recipient, unfiltered: a blind detector matters at any severity.
      const health = topics.healthTopic.addSubscription(
        make(subscriber.endpoint, { deadLetterQueue: topics.deadLetterQueue }),
      );
      afterAdd?.(health);
    }
  };
  add(props.alertEmails, SUBSCRIBER_MIN_SEVERITY.email, (e, o) => new subscriptions.EmailSubscription(e, o));
  add(
    props.alertPhones,
    SUBSCRIBER_MIN_SEVERITY.phone,
    (e, o) => new subscriptions.SmsSubscription(e, o),
    (subscription) =>
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          "aws-cdk-lib's SmsSubscription drops the deadLetterQueue option, so SMS subscriptions get no redrive " +
          'policy; email and https subscriptions have one, and SMS delivery failures show in SNS delivery logs.',
      }),
  );
  add(props.alertUrls, SUBSCRIBER_MIN_SEVERITY.url, (e, o) => {
    if (!Token.isUnresolved(e) && !e.startsWith('https://')) {
      throw new Error(`trailwatch: alert URL ${e} must use https`);
    }
    return new subscriptions.UrlSubscription(e, { ...o, protocol: sns.SubscriptionProtocol.HTTPS });
  });
}

/**
 * Who may publish: to the alert topic only the functions' roles, to the health topic only this
 * stack's alarms (through CloudWatch, with the health key). Only sns:Publish is denied, so that
 * administrators keep managing the topics (subscriptions, attributes, policies).
 *
 * Semantics relied on (AWS docs):
 * - IAM User Guide, "AWS global condition context keys", aws:PrincipalArn: for a role session the
 *   request context holds the role's ARN (arn:aws:iam::<account>:role/<name>), not the
 *   assumed-role session ARN, so the Lambda's session matches role.roleArn.
 * - IAM User Guide, "Condition operators": a negated operator (ArnNotEquals) on a key absent from
 *   the request context is true, and its several values are evaluated as a NOR. An IAM user has
 *   no aws:SourceArn, so it is denied; a caller with no aws:PrincipalArn would be denied too.
 * - SNS "Key management" (compatibility with AWS services) and the CloudWatch alarm actions
 *   troubleshooting article (re:Post knowledge center): CloudWatch publishes alarm notifications as
 *   cloudwatch.amazonaws.com, with aws:SourceArn = the alarm's ARN and aws:SourceAccount; on an
 *   encrypted topic it needs kms:Decrypt and kms:GenerateDataKey on the topic's key.
 */
export function restrictPublishers(
  scope: Construct,
  topics: {
    topic: sns.ITopic | undefined;
    healthTopic: sns.Topic;
    healthKey: kms.Key;
    chatTopic?: sns.ITopic;
  },
  publishers: readonly iam.IRole[],
  alarmArns: readonly string[],
): void {
  const stack = Stack.of(scope);
  const fromTheseAlarms = {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnEquals: { 'aws:SourceArn': [...alarmArns] },
  };
  // A topic of yours (none here) keeps its own policy: a deny to everyone else would cut off its other
  // publishers. The chat topic is trailwatch's own, and a forged alert in a chat channel is as bad.
  for (const topic of [topics.topic, topics.chatTopic]) {
    if (topic)
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OnlyTheDetectorMayPublish',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            ArnNotEquals: {
              'aws:PrincipalArn':
                publishers.length === 1 ? publishers[0]?.roleArn : publishers.map((r) => r.roleArn),
            },
          },
        }),
      );
  }
  topics.healthTopic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowThisStacksAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topics.healthTopic.topicArn],
      conditions: fromTheseAlarms,
    }),
  );
  topics.healthTopic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyThisStacksAlarmsMayPublish',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sns:Publish'],
      resources: [topics.healthTopic.topicArn],
      conditions: { ArnNotEquals: { 'aws:SourceArn': [...alarmArns] } },
    }),
  );
  topics.healthKey.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowThisStacksAlarmsToUseTheKey',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: fromTheseAlarms,
    }),
  );
}
