// What the detector's functions may do, each action on the one resource it needs, and the cdk-nag
// findings of the function and its dead-letter queue that are by design, each with its reason.
import { Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** The detector's state and alert topic, as the grants name them. */
export interface DetectorStateResources {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  /** The alert topic's key, when trailwatch encrypts it with one of its own or yours. */
  readonly key: kms.IKey | undefined;
}

/**
 * The table's item actions, sns:Publish on the alert topic, and the alert key for it: what every
 * trailwatch function needs to keep its state and publish alerts.
 */
export function grantDetectorState(grantee: iam.IGrantable, on: DetectorStateResources): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DetectorState',
      actions: [
        // TransactWriteItems is authorised by the item actions it contains, ConditionCheckItem among them.
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ],
      resources: [on.table.tableArn],
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'PublishAlerts',
      actions: ['sns:Publish'],
      resources: [on.topic.topicArn],
    }),
  );
  if (on.key) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseTopicKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [on.key.keyArn],
      }),
    );
  }
}

/** Event history of this account, for the detector function only. */
export function grantLookupEvents(scope: Construct, role: iam.Role): void {
  // Kept in a policy of its own so that the IAM5 acknowledgement covers this statement only.
  const lookupPolicy = new iam.Policy(scope, 'LookupEventsPolicy', {
    statements: [
      new iam.PolicyStatement({
        sid: 'ReadEventHistory',
        actions: ['cloudtrail:LookupEvents'],
        resources: ['*'],
      }),
    ],
  });
  role.attachInlinePolicy(lookupPolicy);
  Validations.of(lookupPolicy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'cloudtrail:LookupEvents supports no resource-level permissions; AWS requires Resource "*" for it.',
  });
}

/** Findings that are by design, each with the reason; placed here so every user of the construct gets them. */
export function acknowledgeFunctionFindings(fn: lambda.Function, deadLetterQueue: sqs.Queue): void {
  Validations.of(fn).acknowledge(
    {
      id: 'Serverless-LambdaTracing',
      reason:
        'One scheduled batch run with a structured JSON summary log per run; X-Ray would add cost and ' +
        'xray:* permissions on Resource "*" for little insight.',
    },
    {
      id: 'Serverless-LambdaAsyncFailureDestination',
      reason:
        'Failed asynchronous invocations go to the dead-letter queue (DeadLetterConfig), which is alarmed; ' +
        'an on-failure destination as well would deliver each failure twice.',
    },
  );
  Validations.of(deadLetterQueue).acknowledge({
    id: 'Serverless-SQSRedrivePolicy',
    reason:
      'This queue is itself the dead-letter queue of the function, the schedule and the subscriptions; ' +
      'nothing consumes it, so there is nothing to redrive.',
  });
}
