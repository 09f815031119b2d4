// TrailwatchDetector in a host app's own stack: its metrics, its alarms, and what the self-tamper
// rule is told about the stack's updates.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { TrailwatchDetector } from '../../lib/detector';
import { SKIP_BUNDLING, synthStack } from './synth';

const ENV = { account: '111122223333', region: 'eu-west-1' };

function host(): { stack: Stack; first: TrailwatchDetector; second: TrailwatchDetector; template: Template } {
  const stack = new Stack(new App({ context: SKIP_BUNDLING }), 'PaymentsApp', { env: ENV });
  const first = new TrailwatchDetector(stack, 'Trailwatch');
  const second = new TrailwatchDetector(stack, 'Audit', { regions: ['eu-west-1'] });
  return { stack, first, second, template: Template.fromStack(stack) };
}

const environments = (template: Template) =>
  Object.values(template.findResources('AWS::Lambda::Function')).map(
    (f) => f.Properties.Environment.Variables as Record<string, unknown>,
  );

describe('a detector embedded in a host stack', () => {
  it('gives two detectors in one stack series of their own, in their alarms and their functions', () => {
    const { first, second, template } = host();
    expect(first.metricsId).toBe('PaymentsApp/Trailwatch');
    expect(second.metricsId).toBe('PaymentsApp/Audit');
    const lagDimensions = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .filter((a) => a.Properties.MetricName === 'LagSeconds')
      .map(
        (a) =>
          (a.Properties.Dimensions as Array<{ Name: string; Value: string }>).find(
            (d) => d.Name === 'StackName',
          )!.Value,
      );
    expect(new Set(lagDimensions)).toEqual(new Set(['PaymentsApp/Trailwatch', 'PaymentsApp/Audit']));
    expect(
      environments(template)
        .map((e) => e.TRAILWATCH_METRICS_ID)
        .sort(),
    ).toEqual(['PaymentsApp/Audit', 'PaymentsApp/Trailwatch']);
  });

  it("tells the function that the host's deployments update the stack", () => {
    for (const env of environments(host().template)) expect(env.TRAILWATCH_STACK_UPDATES).toBe('expected');
  });

  it('exposes its alarms and the lag metric of a region', () => {
    const { first, stack } = host();
    // errors, dead letters, alerts set aside, and one lag alarm per region (eu-west-1, us-east-1).
    expect(first.alarms).toHaveLength(5);
    const metric = first.metricLag('eu-west-1');
    expect(stack.resolve(metric.dimensions)).toEqual({
      StackName: 'PaymentsApp/Trailwatch',
      Region: 'eu-west-1',
    });
    expect(metric.metricName).toBe('LagSeconds');
    expect(metric.statistic).toBe('Maximum');
  });
});

describe('the detector in its own stack (cdk deploy of this app)', () => {
  it('keeps the stack name as its series and reports the stack updates', () => {
    const { stack, template } = synthStack({}, ENV);
    expect(stack.detector.metricsId).toBe('Trailwatch');
    const [env] = environments(template);
    expect(env!.TRAILWATCH_STACK_UPDATES).toBeUndefined();
    expect(env!.TRAILWATCH_METRICS_ID).toBeUndefined();
  });
});

describe('bringing your own topic, key and table', () => {
  function build() {
    const stack = new Stack(new App({ context: SKIP_BUNDLING }), 'PaymentsApp', { env: ENV });
    const key = kms.Key.fromKeyArn(
      stack,
      'OpsKey',
      'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    const topic = sns.Topic.fromTopicArn(stack, 'OpsTopic', 'arn:aws:sns:eu-west-1:111122223333:ops-alerts');
    const table = dynamodb.Table.fromTableName(stack, 'SharedTable', 'security-state');
    const detector = new TrailwatchDetector(stack, 'Trailwatch', {
      alertTopic: topic,
      alertKey: key,
      table,
      alertEmails: [{ endpoint: 'ops@example.com' }],
    });
    return { detector, template: Template.fromStack(stack) };
  }

  it('creates no alert topic, alert key or table of its own, and keeps the health topic and key', () => {
    const { template } = build();
    const topics = Object.values(template.findResources('AWS::SNS::Topic'));
    expect(topics.map((t) => t.Properties.DisplayName)).toEqual(['trailwatch health']);
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toHaveLength(1);
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toHaveLength(0);
  });

  it("uses them: the environment, the subscriptions and the function's grants name yours", () => {
    const { template } = build();
    const [env] = environments(template);
    expect(env).toMatchObject({
      TRAILWATCH_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:ops-alerts',
      TRAILWATCH_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      TRAILWATCH_TABLE_NAME: 'security-state',
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: 'arn:aws:sns:eu-west-1:111122223333:ops-alerts',
      Protocol: 'email',
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<{ Sid?: string; Resource: unknown }>,
    );
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid)?.Resource;
    expect(bySid('PublishAlerts')).toBe('arn:aws:sns:eu-west-1:111122223333:ops-alerts');
    expect(bySid('UseTopicKey')).toBe(
      'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    expect(JSON.stringify(bySid('DetectorState'))).toContain('table/security-state');
  });

  it("adds no statement to your topic's policy", () => {
    const { template } = build();
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    // Only the health topic's policy.
    expect(policies).toHaveLength(1);
    expect(JSON.stringify(policies[0]!.Properties.Topics)).not.toContain('ops-alerts');
  });
});
