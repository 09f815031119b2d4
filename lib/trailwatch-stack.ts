import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { readContextFrom } from './context';
import { TrailwatchDetector } from './detector';

/** The deployable app: context -> validated props -> detector, plus the outputs a user needs. */
export class TrailwatchStack extends Stack {
  public readonly detector: TrailwatchDetector;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, {
      description: 'trailwatch: scheduled CloudTrail threat detector (Lambda, DynamoDB, SNS alerts)',
      ...props,
    });
    this.detector = new TrailwatchDetector(this, 'Detector', {
      ...readContextFrom(this.node),
      dedicatedStack: true,
    });

    new CfnOutput(this, 'TopicArn', {
      description: 'SNS topic that receives the alerts; subscribe more endpoints here',
      value: this.detector.topic.topicArn,
    });
    new CfnOutput(this, 'HealthTopicArn', {
      description:
        'SNS topic that receives detector health alarms (errors, dead letters, lag, alerts set aside); ' +
        'encrypted with a key of its own, and only these alarms may publish to it',
      value: this.detector.healthTopic.topicArn,
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB table with the per-region cursors and alert records',
      value: this.detector.table.tableName,
    });
    new CfnOutput(this, 'FunctionName', {
      description: 'The detector Lambda function',
      value: this.detector.function.functionName,
    });
    const outputs = this.detector.outputs;
    if (outputs?.chat) {
      new CfnOutput(this, 'ChatTopicArn', {
        description: 'SNS topic of the AWS Chatbot custom notifications (docs/integrations/chat.md)',
        value: outputs.chat.topic.topicArn,
      });
    }
    if (outputs?.pagerDuty) {
      new CfnOutput(this, 'PagerDutyDeadLetterQueueUrl', {
        description: 'Pages EventBridge gave up on, with the error (docs/integrations/pagerduty.md)',
        value: outputs.pagerDuty.deadLetterQueue.queueUrl,
      });
    }
    if (this.detector.dashboard) {
      new CfnOutput(this, 'DashboardName', {
        description: 'The CloudWatch dashboard (docs/integrations/dashboard.md)',
        value: this.detector.dashboard.dashboardName,
      });
    }
    const organization = this.detector.organization;
    if (organization) {
      new CfnOutput(this, 'OrganizationStackSetName', {
        description:
          'The service-managed StackSet that deploys the read-only member role to the organization (docs/organization.md)',
        value: organization.stackSetName,
      });
      new CfnOutput(this, 'MemberRoleName', {
        description:
          "The member accounts' read-only role; create it by hand in the management account if you watch that too",
        value: organization.memberRoleName,
      });
    }
  }
}
