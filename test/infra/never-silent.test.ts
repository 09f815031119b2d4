// "Never silent, never late": one key must not silence both the alerts and the alarms, and nobody
// but the detector (alerts) and this stack's alarms (health) may publish to the topics.
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TrailwatchDetector, type TrailwatchDetectorProps } from '../../lib/detector';
import { functionPolicyStatements, SKIP_BUNDLING, synthStack } from './synth';
import { expectExactlyTheAlarms, referenceCycle, render } from './template';

interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** A construct-level template with every alarm the construct makes (three regions: three lag alarms). */
function build(props: TrailwatchDetectorProps = {}): Template {
  const stack = new Stack(new App({ context: SKIP_BUNDLING }), 'Test', {
    env: { account: '111111111111', region: 'eu-west-1' },
  });
  new TrailwatchDetector(stack, 'Detector', props);
  return Template.fromStack(stack);
}

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) =>
    new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id),
  );
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

/** The logical id of the key a topic is encrypted with. */
function keyOfTopic(template: Template, topicPrefix: string): string {
  const topic =
    template.findResources('AWS::SNS::Topic')[logicalId(template, 'AWS::SNS::Topic', topicPrefix)];
  return topic?.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
}

function keyPolicy(template: Template, keyId: string): Statement[] {
  return template.findResources('AWS::KMS::Key')[keyId]?.Properties.KeyPolicy.Statement ?? [];
}

function topicPolicy(template: Template, topicPrefix: string): Statement[] {
  const topicId = logicalId(template, 'AWS::SNS::Topic', topicPrefix);
  const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')).filter((p) =>
    (p.Properties.Topics as Array<{ Ref: string }>).some((t) => t.Ref === topicId),
  );
  expect(policies).toHaveLength(1);
  return policies[0]?.Properties.PolicyDocument.Statement;
}

function actions(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

const isSslDeny = (s: Statement): boolean =>
  s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false';

describe('one key must not silence both the alerts and the alarms', () => {
  const template = build({ regions: ['eu-west-1', 'us-east-1', 'eu-central-1'] });
  const alertKey = keyOfTopic(template, 'DetectorTopic');
  const healthKey = keyOfTopic(template, 'DetectorHealthTopic');

  it('the health topic is encrypted with a key of its own, not the alert key', () => {
    expect(alertKey).toMatch(/^DetectorKey/);
    expect(healthKey).toMatch(/^DetectorHealthKey/);
    expect(healthKey).not.toEqual(alertKey);
    template.resourceCountIs('AWS::KMS::Key', 2);
  });

  it("the health key lets CloudWatch use it only for this stack's alarms", () => {
    const cloudwatch = keyPolicy(template, healthKey).filter(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }),
    );
    expect(cloudwatch).toHaveLength(1);
    const [statement] = cloudwatch as [Statement];
    expect(statement.Effect).toBe('Allow');
    expect(actions(statement).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(statement.Condition?.StringEquals?.['aws:SourceAccount']).toEqual('111111111111');
    expectExactlyTheAlarms(template, statement.Condition?.ArnEquals?.['aws:SourceArn']);
  });

  it('the alert key no longer admits CloudWatch (it serves the alert topic and the function only)', () => {
    expect(keyPolicy(template, alertKey).map((s) => s.Principal)).not.toContainEqual({
      Service: 'cloudwatch.amazonaws.com',
    });
  });

  it('the function has no permission on the health key', () => {
    const { template: stackTemplate } = synthStack({ alertEmail: 'ops@example.com' });
    const healthKeyOfStack = keyOfTopic(stackTemplate, 'DetectorHealthTopic');
    const onHealthKey = functionPolicyStatements(stackTemplate).filter((s) =>
      JSON.stringify(s.Resource).includes(`"${healthKeyOfStack}"`),
    );
    expect(onHealthKey).toEqual([]);
    // The function keeps what it needs on the alert key.
    expect(
      functionPolicyStatements(stackTemplate).filter((s) =>
        JSON.stringify(s.Resource).includes(`"${keyOfTopic(stackTemplate, 'DetectorTopic')}"`),
      ),
    ).toEqual([expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]);
  });

  it('the health key rotates and follows the removal policy, like the alert key', () => {
    for (const [removalPolicy, expected] of [
      [undefined, 'Retain'],
      [RemovalPolicy.DESTROY, 'Delete'],
    ] as const) {
      const keys = build({ removalPolicy }).findResources('AWS::KMS::Key');
      expect(Object.keys(keys)).toHaveLength(2);
      for (const key of Object.values(keys)) {
        expect(key.DeletionPolicy).toBe(expected);
        expect(key.Properties.EnableKeyRotation).toBe(true);
      }
    }
  });

  it("the function is told the health key's ARN, so the self-tamper rule recognises it", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TRAILWATCH_KEY_ARN: { 'Fn::GetAtt': [alertKey, 'Arn'] },
          TRAILWATCH_HEALTH_KEY_ARN: { 'Fn::GetAtt': [healthKey, 'Arn'] },
        }),
      },
    });
  });
});

describe('nobody else may forge alerts', () => {
  const template = build({ regions: ['eu-west-1', 'us-east-1', 'eu-central-1'] });

  it('only the detector role may publish to the alert topic', () => {
    const role = logicalId(template, 'AWS::IAM::Role', 'DetectorRole');
    const denies = topicPolicy(template, 'DetectorTopic').filter((s) => s.Effect === 'Deny' && !isSslDeny(s));
    expect(denies).toEqual([
      expect.objectContaining({
        Principal: { AWS: '*' },
        Action: 'sns:Publish',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [role, 'Arn'] } } },
      }),
    ]);
  });

  it("only this stack's alarms may publish to the health topic", () => {
    const statements = topicPolicy(template, 'DetectorHealthTopic');
    const denies = statements.filter((s) => s.Effect === 'Deny' && !isSslDeny(s));
    expect(denies).toHaveLength(1);
    const [deny] = denies as [Statement];
    expect(deny.Principal).toEqual({ AWS: '*' });
    expect(deny.Action).toEqual('sns:Publish');
    expect(Object.keys(deny.Condition ?? {})).toEqual(['ArnNotEquals']);
    expectExactlyTheAlarms(template, deny.Condition?.ArnNotEquals?.['aws:SourceArn']);

    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    const [allow] = allows as [Statement];
    expect(allow.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    expect(allow.Action).toEqual('sns:Publish');
    expect(allow.Condition?.StringEquals?.['aws:SourceAccount']).toEqual('111111111111');
    expectExactlyTheAlarms(template, allow.Condition?.ArnEquals?.['aws:SourceArn']);
  });

  it('administrators keep topic management (only sns:Publish is denied)', () => {
    for (const topic of ['DetectorTopic', 'DetectorHealthTopic']) {
      const denies = topicPolicy(template, topic).filter((s) => s.Effect === 'Deny');
      // TLS plus the publisher restriction, and neither denies more than sns:Publish.
      expect({ topic, denies: denies.length }).toEqual({ topic, denies: 2 });
      for (const deny of denies)
        expect({ topic, actions: actions(deny) }).toEqual({ topic, actions: ['sns:Publish'] });
    }
  });

  it('keeps TLS enforced on both topics', () => {
    for (const topic of ['DetectorTopic', 'DetectorHealthTopic']) {
      expect(topicPolicy(template, topic).filter(isSslDeny)).toHaveLength(1);
    }
  });

  it('names every alarm, so that the policies can name them without a circular reference', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) =>
      render(a.Properties.AlarmName),
    );
    expect(names).toHaveLength(6);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^TestDetector[0-9A-F]{8}-/);
  });

  it('keeps the lag alarm names apart when the deployment region is known only at deploy time', () => {
    // Environment-agnostic: the stack's region is a token, and may turn out to be us-east-1 too.
    const { template: stackTemplate } = synthStack({});
    const names = Object.values(stackTemplate.findResources('AWS::CloudWatch::Alarm')).map((a) =>
      render(a.Properties.AlarmName),
    );
    expect(names.filter((n) => n.includes('-lag-')).sort()).toEqual([
      expect.stringMatching(/^TrailwatchDetector[0-9A-F]{8}-lag-deployment-region$/),
      expect.stringMatching(/^TrailwatchDetector[0-9A-F]{8}-lag-us-east-1$/),
    ]);
  });

  it('leaves no circular dependency between the alarms, the topic policies and the key policies', () => {
    // CDK does not look for reference cycles inside one stack; CloudFormation rejects them at deploy.
    const { template: stackTemplate } = synthStack({ alertEmail: 'ops@example.com' });
    expect(referenceCycle(stackTemplate.toJSON().Resources)).toEqual([]);
    expect(referenceCycle(template.toJSON().Resources)).toEqual([]);
  });
});

describe('the function and its new alarm', () => {
  it('the function knows the schedule period', () => {
    for (const [minutes, expected] of [
      [undefined, '5'],
      [10, '10'],
    ] as const) {
      build(minutes === undefined ? {} : { schedule: Duration.minutes(minutes) }).hasResourceProperties(
        'AWS::Lambda::Function',
        { Environment: { Variables: Match.objectLike({ TRAILWATCH_SCHEDULE_MINUTES: expected }) } },
      );
    }
  });

  it('the AlertsSetAside alarm notifies the health topic', () => {
    const template = build();
    const healthTopic = logicalId(template, 'AWS::SNS::Topic', 'DetectorHealthTopic');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription:
        "trailwatch: an alert was refused for good by SNS (or could not be read back) and was set aside in the table; see the function's log for its alert id.",
      Namespace: 'Trailwatch',
      MetricName: 'AlertsSetAside',
      // Embedded in a host stack (the construct alone): a series of its own, `<stack>/<path>`.
      Dimensions: [{ Name: 'StackName', Value: 'Test/Detector' }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: healthTopic }],
    });
  });
});
