import { Match } from 'aws-cdk-lib/assertions';
import { actionsOf, functionPolicyStatements, synthStack } from './synth';

describe('TrailwatchStack with default context', () => {
  // Prepare / Act once: the template is read-only for every assertion below.
  const { template } = synthStack({ alertEmail: 'ops@example.com' });

  describe('schedule', () => {
    it('runs the function every 5 minutes', () => {
      template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    });

    it('targets the function with retries and the dead-letter queue', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorFunction'), 'Arn'] },
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorDeadLetterQueue'), 'Arn'] },
            },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
          }),
        ],
      });
    });
  });

  describe('function', () => {
    it('runs Node.js 24 on ARM64 with explicit memory, timeout and JSON logs', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 256,
        Timeout: 280,
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^DetectorLogGroup') } },
        DeadLetterConfig: {
          TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorDeadLetterQueue'), 'Arn'] },
        },
      });
    });

    it('reserves no concurrency by default', () => {
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
      expect(fn?.Properties.ReservedConcurrentExecutions).toBeUndefined();
    });

    it('retries failed async invocations twice within an hour', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 3600,
      });
    });

    it('keeps its logs for a month in its own log group', () => {
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    });

    it('carries the whole configuration in its environment', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            TRAILWATCH_TABLE_NAME: { Ref: Match.stringLikeRegexp('^DetectorTable') },
            TRAILWATCH_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^DetectorTopic') },
            TRAILWATCH_REGIONS: { 'Fn::Join': ['', [{ Ref: 'AWS::Region' }, ',us-east-1']] },
            TRAILWATCH_OVERLAP_MINUTES: '60',
            TRAILWATCH_LATE_ALERT_MINUTES: '30',
            TRAILWATCH_INITIAL_LOOKBACK_MINUTES: '1440',
            TRAILWATCH_MIN_SEVERITY: 'high',
            TRAILWATCH_ALERT_RETENTION_DAYS: '14',
            TRAILWATCH_MAX_PAGES_PER_RUN: '600',
            TRAILWATCH_MAX_ALERTS_PER_RUN: '10',
            TRAILWATCH_FIRST_SEEN: 'network,region,agent,api,volume',
            TRAILWATCH_FIRST_SEEN_LEARNING_DAYS: '7',
            TRAILWATCH_STACK_NAME: 'Trailwatch',
            TRAILWATCH_KEY_ARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorKey'), 'Arn'] },
            TRAILWATCH_QUEUE_NAME: {
              'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorDeadLetterQueue'), 'QueueName'],
            },
            TRAILWATCH_SCHEDULE_RULE_NAME: Match.stringLikeRegexp('-schedule$'),
          },
        },
      });
    });

    it('names its own schedule exactly as the schedule rule is named', () => {
      const [fn] = Object.values(
        template.findResources('AWS::Lambda::Function', {
          Properties: { Environment: { Variables: { TRAILWATCH_SCHEDULE_RULE_NAME: Match.anyValue() } } },
        }),
      );
      const name = fn?.Properties.Environment.Variables.TRAILWATCH_SCHEDULE_RULE_NAME;
      template.hasResourceProperties('AWS::Events::Rule', { Name: name });
      expect(name.length).toBeLessThanOrEqual(64);
    });

    it('sets no source-map option', () => {
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
      expect(fn?.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
    });
  });

  describe('IAM', () => {
    const statements = functionPolicyStatements(template);

    it('grants exactly the actions the detector uses', () => {
      expect(actionsOf(statements)).toEqual([
        'cloudtrail:LookupEvents',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish',
        'sqs:SendMessage',
      ]);
    });

    it('has no wildcard in any action', () => {
      expect(actionsOf(statements).filter((action) => action.includes('*'))).toEqual([]);
    });

    it('uses Resource "*" only for cloudtrail:LookupEvents', () => {
      const starred = statements.filter(
        (s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')),
      );
      expect(actionsOf(starred)).toEqual(['cloudtrail:LookupEvents']);
    });

    it('scopes the table, topic and key actions to those resources', () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['dynamodb:GetItem']),
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorTable'), 'Arn'] },
            }),
            Match.objectLike({
              Action: 'sns:Publish',
              Resource: { Ref: Match.stringLikeRegexp('^DetectorTopic') },
            }),
            Match.objectLike({
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorKey'), 'Arn'] },
            }),
          ]),
        },
      });
    });

    it('attaches no managed policy to the role', () => {
      const [role] = Object.values(template.findResources('AWS::IAM::Role'));
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    });
  });

  describe('encryption and SSL', () => {
    it('encrypts each topic with a rotating customer-managed key of its own', () => {
      template.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template.resourceCountIs('AWS::KMS::Key', 2);
      template.hasResourceProperties('AWS::SNS::Topic', {
        DisplayName: 'trailwatch alerts',
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorKey'), 'Arn'] },
      });
      template.hasResourceProperties('AWS::SNS::Topic', {
        DisplayName: 'trailwatch health',
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorHealthKey'), 'Arn'] },
      });
    });

    it('lets CloudWatch alarms of this account use the health key, and only the health key', () => {
      const keys = template.findResources('AWS::KMS::Key', {
        Properties: {
          KeyPolicy: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Principal: { Service: 'cloudwatch.amazonaws.com' },
                Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
                Condition: Match.objectLike({
                  StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                }),
              }),
            ]),
          },
        },
      });
      expect(Object.keys(keys)).toEqual([expect.stringMatching(/^DetectorHealthKey/)]);
    });

    it('gives the table encryption, point-in-time recovery, TTL and on-demand billing', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
    });

    it('retains the table by default', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('encrypts the dead-letter queue', () => {
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    });

    it.each([
      ['AWS::SNS::TopicPolicy', 'sns:Publish'],
      ['AWS::SQS::QueuePolicy', 'sqs:*'],
    ])('%s denies requests without TLS', (type, action) => {
      template.hasResourceProperties(type, {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: action,
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });
  });

  describe('alarms', () => {
    it.each([
      ['Errors', 'AWS/Lambda'],
      ['ApproximateNumberOfMessagesVisible', 'AWS/SQS'],
    ])('alarms on %s >= 1 and notifies the unfiltered health topic', (metric, namespace) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: namespace,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^DetectorHealthTopic') }],
      });
    });
  });

  describe('lag alarms', () => {
    it('alarms per watched region on the LagSeconds metric, counting missing data as blind', () => {
      const alarms = template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { MetricName: 'LagSeconds', Namespace: 'Trailwatch' },
      });
      expect(Object.keys(alarms)).toHaveLength(2);
      for (const alarm of Object.values(alarms)) {
        expect(alarm.Properties).toMatchObject({
          TreatMissingData: 'breaching',
          Threshold: 1800,
          AlarmActions: [{ Ref: expect.stringMatching(/^DetectorHealthTopic/) }],
        });
      }
    });
  });

  describe('outputs', () => {
    it('exports the topic ARN, the table name and the function name', () => {
      template.hasOutput('TopicArn', { Value: { Ref: Match.stringLikeRegexp('^DetectorTopic') } });
      template.hasOutput('TableName', { Value: { Ref: Match.stringLikeRegexp('^DetectorTable') } });
      template.hasOutput('FunctionName', { Value: { Ref: Match.stringLikeRegexp('^DetectorFunction') } });
    });
  });
});

describe('TrailwatchStack with context', () => {
  it('subscribes every email at high and above by default', () => {
    // Prepare / Act
    const { template } = synthStack({ alertEmail: 'ops@example.com, sec@example.com' });
    // Assess
    for (const email of ['ops@example.com', 'sec@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        FilterPolicy: { severity: ['high', 'critical'] },
        RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
      });
    }
  });

  it('honours a severity suffix on a phone number', () => {
    const { template } = synthStack({ alertPhone: '+15551234567:critical' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sms',
      Endpoint: '+15551234567',
      FilterPolicy: { severity: ['critical'] },
    });
  });

  it('subscribes an https URL, keeping its port and path, with a severity suffix', () => {
    const { template } = synthStack({ alertUrl: '["https://hooks.example.com:8443/trailwatch:medium"]' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://hooks.example.com:8443/trailwatch',
      FilterPolicy: { severity: ['medium', 'high', 'critical'] },
    });
  });

  it('accepts cdk.json arrays and numbers', () => {
    const { template } = synthStack({
      alertEmail: ['a@example.com', 'b@example.com:critical'],
      scheduleMinutes: 10,
      memoryMb: 512,
    });
    // Each recipient: one filtered subscription to the alerts, one unfiltered to the health alarms.
    template.resourceCountIs('AWS::SNS::Subscription', 4);
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(10 minutes)' });
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 512 });
  });

  it('reads the schedule and the detector settings from -c strings', () => {
    const { template } = synthStack({
      scheduleMinutes: '15',
      timeoutSeconds: '600',
      regions: 'eu-west-1,eu-central-1',
      overlapMinutes: '30',
      initialLookbackMinutes: '60',
      minSeverity: 'medium',
      alertRetentionDays: '30',
      maxPagesPerRun: '50',
      maxAlertsPerRun: '25',
      repeatWindowMinutes: '0',
      firstSeen: 'network,api',
      firstSeenLearningDays: '14',
      logRetentionDays: '90',
      reservedConcurrency: '1',
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 600,
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          TRAILWATCH_REGIONS: 'eu-west-1,eu-central-1',
          TRAILWATCH_OVERLAP_MINUTES: '30',
          TRAILWATCH_INITIAL_LOOKBACK_MINUTES: '60',
          TRAILWATCH_MIN_SEVERITY: 'medium',
          TRAILWATCH_ALERT_RETENTION_DAYS: '30',
          TRAILWATCH_MAX_PAGES_PER_RUN: '50',
          TRAILWATCH_MAX_ALERTS_PER_RUN: '25',
          TRAILWATCH_REPEAT_WINDOW_MINUTES: '0',
          TRAILWATCH_FIRST_SEEN: 'network,api',
          TRAILWATCH_FIRST_SEEN_LEARNING_DAYS: '14',
        }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('shortens the default timeout to fit a 1-minute schedule', () => {
    const { template } = synthStack({ scheduleMinutes: '1' });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 40 });
  });

  it('watches the deployment region once when it is us-east-1', () => {
    const { template } = synthStack({}, { account: '111111111111', region: 'us-east-1' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TRAILWATCH_REGIONS: 'us-east-1' }) },
    });
  });

  it('deletes the table, log group and key with the stack when removalPolicy is destroy', () => {
    const { template } = synthStack({ removalPolicy: 'destroy' });
    for (const type of ['AWS::DynamoDB::Table', 'AWS::Logs::LogGroup', 'AWS::KMS::Key']) {
      template.hasResource(type, { DeletionPolicy: 'Delete' });
    }
  });

  it('fails with one message naming each bad key', () => {
    expect(() => synthStack({ alertPhone: '555-1234', scheduleMinutes: '0' })).toThrow(
      /alertPhone: "555-1234" is not an E\.164 number[\s\S]*scheduleMinutes/,
    );
  });
});
