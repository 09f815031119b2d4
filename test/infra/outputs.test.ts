// The outputs besides the alert topic (docs/integrations/): EventBridge, Security Hub, Slack and Teams
// through AWS Chatbot, PagerDuty through an API destination, and the dashboard. Each is off unless
// its context key (or prop) is set; with none set the template is the pinned one
// (single-account-template.test.ts, and the checks at the end of this file).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { readContext } from '../../lib/context';
import { DASHBOARD_QUERIES, FIRST_READ_METRIC_NAMES } from '../../lib/dashboard';
import { TrailwatchDetector, type TrailwatchDetectorProps } from '../../lib/detector';
import { OUTPUT_AGE_ALARM_SECONDS } from '../../lib/outputs';
import { PAGERDUTY_ENDPOINT, PAGERDUTY_RATE_PER_SECOND } from '../../lib/pagerduty';
import { normalizedTemplate, SKIP_BUNDLING, synthStack } from './synth';
import {
  actionList,
  expectExactlyTheAlarms,
  lambdaFunction,
  render,
  roleStatements,
  type Statement,
} from './template';

const ENV = { account: '111122223333', region: 'eu-west-1' };
const SLACK = { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' };
const TEAMS = {
  teamsTenantId: '11111111-2222-3333-4444-555555555555',
  teamsTeamId: '66666666-7777-8888-9999-000000000000',
  teamsChannelId: '19:a1b2c3d4e5f6@thread.tacv2',
};
const PAGERDUTY = { pagerDutyRoutingKeySecret: 'trailwatch/pagerduty-routing-key' };
const ORG = { organization: 'true', organizationId: 'o-abcdefghij', organizationRootId: 'r-ab12' };
const PARTITION_ARN = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
const BUS_ARN = PARTITION_ARN(':events:eu-west-1:111122223333:event-bus/default');
const PRODUCT_ARN = PARTITION_ARN(':securityhub:eu-west-1:111122223333:product/111122223333/default');

/** The one resource of `type` whose logical id is `prefix` and CDK's 8-character hash. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) =>
    new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id),
  );
  if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

const detectorFunction = (template: Template) => lambdaFunction(template, { idPrefix: 'DetectorFunction' });
const variables = (template: Template, match: { name?: string; idPrefix?: string }) =>
  lambdaFunction(template, match).properties.Environment.Variables as Record<string, unknown>;
const statementsWithSid = (statements: readonly Statement[], sid: string) =>
  statements
    .filter((s) => s.Sid === sid)
    .map(({ Sid, Effect, Action, Resource }) => ({ Sid, Effect, Action, Resource }));

/** The construct alone, in a stack of its own, with props (not context). */
function build(props: TrailwatchDetectorProps): {
  stack: Stack;
  detector: TrailwatchDetector;
  template: Template;
} {
  const stack = new Stack(new App({ context: SKIP_BUNDLING }), 'Test', { env: ENV });
  const detector = new TrailwatchDetector(stack, 'Detector', props);
  return { stack, detector, template: Template.fromStack(stack) };
}

/** Rule names of the findings the AwsSolutions and Serverless packs still report (acknowledged ones excluded). */
function unacknowledged(scope: IConstruct): string[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath)}`),
  );
}

function acknowledgements(scope: IConstruct): Array<{ id: string; reason: unknown }> {
  return scope.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({ id, reason })),
        ),
    );
}

/** The alarm whose name ends in `-<suffix>`. */
function alarmNamed(template: Template, suffix: string): Record<string, unknown> {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
    String(a.Properties.AlarmName).endsWith(`-${suffix}`),
  );
  if (found.length !== 1) throw new Error(`expected one alarm ${suffix}, found ${found.length}`);
  return found[0]!.Properties;
}

/** The output-age alarm of `output`, as the template should hold it. */
function ageAlarm(output: string) {
  return {
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: OUTPUT_AGE_ALARM_SECONDS,
    EvaluationPeriods: 1,
    Period: 300,
    Statistic: 'Maximum',
    Namespace: 'Trailwatch',
    MetricName: 'OutputOldestAgeSeconds',
    Dimensions: [
      { Name: 'Output', Value: output },
      { Name: 'StackName', Value: 'Trailwatch' },
    ],
    TreatMissingData: 'notBreaching',
    AlarmActions: [{ Ref: expect.stringMatching(/^DetectorHealthTopic[0-9A-F]{8}$/) }],
  };
}

// ---------------------------------------------------------------------------------------------

describe('the EventBridge output', () => {
  const { template } = synthStack({ eventBus: 'default' }, ENV);

  it('names the bus in the function environment', () => {
    expect(variables(template, { idPrefix: 'DetectorFunction' }).TRAILWATCH_EVENT_BUS).toBe('default');
  });

  it('grants events:PutEvents on that bus only', () => {
    const statements = roleStatements(template, detectorFunction(template).roleId);
    expect(statementsWithSid(statements, 'PutAlertEvents')).toEqual([
      { Sid: 'PutAlertEvents', Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS_ARN },
    ]);
    expect(actionList(statements).filter((a) => a.startsWith('events:'))).toEqual(['events:PutEvents']);
  });

  it('alarms when an alert has waited for the bus over 15 minutes', () => {
    expect(alarmNamed(template, 'output-event-bus')).toMatchObject(ageAlarm('eventBus'));
  });

  it('adds nothing of the other outputs', () => {
    for (const type of [
      'AWS::Chatbot::SlackChannelConfiguration',
      'AWS::Events::Connection',
      'AWS::CloudWatch::Dashboard',
    ]) {
      template.resourceCountIs(type, 0);
    }
    const env = variables(template, { idPrefix: 'DetectorFunction' });
    expect(Object.keys(env).filter((k) => /SECURITY_HUB|CHAT/.test(k))).toEqual([]);
  });

  it.each([
    [
      'a bus name',
      'audit-bus',
      'audit-bus',
      PARTITION_ARN(':events:eu-west-1:111122223333:event-bus/audit-bus'),
    ],
    [
      "another account's bus ARN",
      'arn:aws:events:eu-west-1:999988887777:event-bus/central',
      'arn:aws:events:eu-west-1:999988887777:event-bus/central',
      'arn:aws:events:eu-west-1:999988887777:event-bus/central',
    ],
  ])('takes %s', (_what, value, variable, resource) => {
    const { template: t } = synthStack({ eventBus: value }, ENV);
    expect(variables(t, { idPrefix: 'DetectorFunction' }).TRAILWATCH_EVENT_BUS).toBe(variable);
    expect(statementsWithSid(roleStatements(t, detectorFunction(t).roleId), 'PutAlertEvents')).toEqual([
      { Sid: 'PutAlertEvents', Effect: 'Allow', Action: 'events:PutEvents', Resource: resource },
    ]);
  });

  it('takes a bus of yours as a prop', () => {
    const stack = new Stack(new App({ context: SKIP_BUNDLING }), 'Host', { env: ENV });
    const bus = new events.EventBus(stack, 'Bus');
    new TrailwatchDetector(stack, 'Detector', { eventBus: bus });
    const t = Template.fromStack(stack);
    const busArn = { 'Fn::GetAtt': [logicalId(t, 'AWS::Events::EventBus', 'Bus'), 'Arn'] };
    expect(variables(t, { idPrefix: 'DetectorFunction' }).TRAILWATCH_EVENT_BUS).toEqual(busArn);
    expect(statementsWithSid(roleStatements(t, detectorFunction(t).roleId), 'PutAlertEvents')).toEqual([
      { Sid: 'PutAlertEvents', Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn },
    ]);
  });
});

describe('the Security Hub output', () => {
  const { template } = synthStack({ securityHub: 'true' }, ENV);

  it("names the account's default product in the function environment", () => {
    expect(variables(template, { idPrefix: 'DetectorFunction' }).TRAILWATCH_SECURITY_HUB_PRODUCT_ARN).toEqual(
      PRODUCT_ARN,
    );
  });

  it('grants securityhub:BatchImportFindings on that product only', () => {
    const statements = roleStatements(template, detectorFunction(template).roleId);
    expect(statementsWithSid(statements, 'ImportFindings')).toEqual([
      {
        Sid: 'ImportFindings',
        Effect: 'Allow',
        Action: 'securityhub:BatchImportFindings',
        Resource: PRODUCT_ARN,
      },
    ]);
    expect(actionList(statements).filter((a) => a.startsWith('securityhub:'))).toEqual([
      'securityhub:BatchImportFindings',
    ]);
  });

  it('alarms when an alert has waited for Security Hub over 15 minutes', () => {
    expect(alarmNamed(template, 'output-security-hub')).toMatchObject(ageAlarm('securityHub'));
  });
});

describe('the chat output (AWS Chatbot)', () => {
  const { template } = synthStack({ ...SLACK, ...TEAMS }, ENV);
  const chatTopic = logicalId(template, 'AWS::SNS::Topic', 'DetectorOutputsChatTopic');
  const role = logicalId(template, 'AWS::IAM::Role', 'DetectorOutputsChatChannelRole');
  const guardrail = logicalId(template, 'AWS::IAM::ManagedPolicy', 'DetectorOutputsChatGuardrail');
  const alertKey = logicalId(template, 'AWS::KMS::Key', 'DetectorKey');

  it('posts to Slack from the chat topic, with the guardrail and the channel role, logging errors only', () => {
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'Trailwatch-Detector-Outputs-Chat-C7DF37D3-slack',
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0123ABCD',
      SnsTopicArns: [{ Ref: chatTopic }],
      GuardrailPolicies: [{ Ref: guardrail }],
      IamRoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
      LoggingLevel: 'ERROR',
    });
  });

  it('posts to Microsoft Teams alike, with the channel id URL-encoded', () => {
    template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      ConfigurationName: 'Trailwatch-Detector-Outputs-Chat-C7DF37D3-teams',
      TeamsTenantId: TEAMS.teamsTenantId,
      TeamId: TEAMS.teamsTeamId,
      TeamsChannelId: '19%3Aa1b2c3d4e5f6%40thread.tacv2',
      SnsTopicArns: [{ Ref: chatTopic }],
      GuardrailPolicies: [{ Ref: guardrail }],
      IamRoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
      LoggingLevel: 'ERROR',
    });
  });

  it('lets channel members run nothing: the guardrail denies every action', () => {
    expect(template.findResources('AWS::IAM::ManagedPolicy')[guardrail]?.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'NotificationsOnly', Effect: 'Deny', Action: '*', Resource: '*' }],
    });
  });

  it('gives the channel role no permission, trusted by Chatbot only', () => {
    const properties = template.findResources('AWS::IAM::Role')[role]?.Properties;
    expect(properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' } },
    ]);
    expect(properties.ManagedPolicyArns).toBeUndefined();
    expect(roleStatements(template, role)).toEqual([]);
  });

  it('encrypts the chat topic with the alert key, and lets only the function publish, over TLS', () => {
    const topic = template.findResources('AWS::SNS::Topic')[chatTopic]?.Properties;
    expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [alertKey, 'Arn'] });
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find((p) =>
      (p.Properties.Topics as Array<{ Ref: string }>).some((t) => t.Ref === chatTopic),
    );
    const statements = policy?.Properties.PolicyDocument.Statement as Statement[];
    expect(statements.map((s) => [s.Sid, s.Effect, s.Action])).toEqual([
      ['AllowPublishThroughSSLOnly', 'Deny', 'sns:Publish'],
      ['OnlyTheDetectorMayPublish', 'Deny', 'sns:Publish'],
    ]);
    expect(statements[1]?.Condition).toEqual({
      ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [detectorFunction(template).roleId, 'Arn'] } },
    });
  });

  it('names the chat topic and its floor in the function environment', () => {
    const env = variables(template, { idPrefix: 'DetectorFunction' });
    expect(env.TRAILWATCH_CHAT_TOPIC_ARN).toEqual({ Ref: chatTopic });
    expect(env.TRAILWATCH_CHAT_MIN_SEVERITY).toBe('high');
    const { template: critical } = synthStack({ ...SLACK, chatMinSeverity: 'CRITICAL' }, ENV);
    expect(variables(critical, { idPrefix: 'DetectorFunction' }).TRAILWATCH_CHAT_MIN_SEVERITY).toBe(
      'critical',
    );
  });

  it('grants sns:Publish on the chat topic (its key is the alert key, already granted)', () => {
    const statements = roleStatements(template, detectorFunction(template).roleId);
    expect(statementsWithSid(statements, 'PublishChat')).toEqual([
      { Sid: 'PublishChat', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: chatTopic } },
    ]);
    expect(statementsWithSid(statements, 'UseChatTopicKey')).toEqual([]);
  });

  it('alarms when an alert has waited for the chat topic over 15 minutes', () => {
    expect(alarmNamed(template, 'output-chat')).toMatchObject(ageAlarm('chat'));
  });

  it('gives the chat topic a key of its own next to an alert topic of yours, and grants it', () => {
    const stack = new Stack(new App({ context: SKIP_BUNDLING }), 'Host', { env: ENV });
    new TrailwatchDetector(stack, 'Detector', {
      alertTopic: new sns.Topic(stack, 'Mine'),
      chat: { slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' } },
    });
    const t = Template.fromStack(stack);
    const chatKey = logicalId(t, 'AWS::KMS::Key', 'DetectorOutputsChatKey');
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      Description: 'trailwatch: encrypts the chat topic',
    });
    expect(statementsWithSid(roleStatements(t, detectorFunction(t).roleId), 'UseChatTopicKey')).toEqual([
      {
        Sid: 'UseChatTopicKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [chatKey, 'Arn'] },
      },
    ]);
  });

  it('takes guardrail policies of yours as a prop', () => {
    const stack = new Stack(new App({ context: SKIP_BUNDLING }), 'Host', { env: ENV });
    const readOnly = { managedPolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' } as never;
    new TrailwatchDetector(stack, 'Detector', {
      chat: { slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' }, guardrailPolicies: [readOnly] },
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    t.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      GuardrailPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    });
  });
});

describe('the PagerDuty output', () => {
  const { template } = synthStack({ ...PAGERDUTY, pagerDutySeverities: 'critical,high' }, ENV);
  const connection = logicalId(template, 'AWS::Events::Connection', 'DetectorOutputsPagerDutyConnection');
  const destination = logicalId(
    template,
    'AWS::Events::ApiDestination',
    'DetectorOutputsPagerDutyDestinationApiDestination',
  );
  const dlq = logicalId(template, 'AWS::SQS::Queue', 'DetectorOutputsPagerDutyDeadLetterQueue');
  const secret = '{{resolve:secretsmanager:trailwatch/pagerduty-routing-key:SecretString:::}}';

  it('puts the routing key in the body from Secrets Manager (a dynamic reference, never the key)', () => {
    expect(template.findResources('AWS::Events::Connection')[connection]?.Properties).toEqual({
      Description: 'trailwatch: PagerDuty Events API v2 (the routing key goes in the body)',
      AuthorizationType: 'API_KEY',
      AuthParameters: {
        ApiKeyAuthParameters: { ApiKeyName: 'X-Routing-Key', ApiKeyValue: secret },
        InvocationHttpParameters: {
          BodyParameters: [{ Key: 'routing_key', Value: secret, IsValueSecret: true }],
        },
      },
    });
    expect(JSON.stringify(template.toJSON()).match(/\{\{resolve:secretsmanager:[^}]*\}\}/g)).toEqual([
      secret,
      secret,
    ]);
  });

  it('posts to the Events API v2, rate-limited', () => {
    expect(template.findResources('AWS::Events::ApiDestination')[destination]?.Properties).toEqual({
      Description: 'trailwatch: PagerDuty Events API v2',
      ConnectionArn: { 'Fn::GetAtt': [connection, 'Arn'] },
      HttpMethod: 'POST',
      InvocationEndpoint: PAGERDUTY_ENDPOINT,
      InvocationRateLimitPerSecond: PAGERDUTY_RATE_PER_SECOND,
    });
    expect(PAGERDUTY_ENDPOINT).toBe('https://events.pagerduty.com/v2/enqueue');
  });

  it.each([
    ['critical', 'critical'],
    ['high', 'error'],
  ])(
    'routes %s alerts with a rule of their own, as PagerDuty %s, retried then dead-lettered',
    (severity, pd) => {
      const rules = Object.values(template.findResources('AWS::Events::Rule')).filter(
        (r) => r.Properties.EventPattern?.detail?.severity?.[0] === severity,
      );
      expect(rules).toHaveLength(1);
      const rule = rules[0]!.Properties;
      expect(rule.EventPattern).toEqual({
        source: ['trailwatch'],
        'detail-type': ['Trailwatch Alert'],
        detail: { severity: [severity] },
      });
      expect(rule.EventBusName).toBeUndefined(); // the default bus
      const [target] = rule.Targets;
      expect(target.Arn).toEqual({ 'Fn::GetAtt': [destination, 'Arn'] });
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 });
      expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } });
      expect(target.InputTransformer.InputPathsMap).toEqual({
        'detail-id': '$.detail.id',
        'detail-title': '$.detail.title',
        'detail-event-account': '$.detail.event.account',
        'detail-event-region': '$.detail.event.region',
        'detail-ruleId': '$.detail.ruleId',
        detail: '$.detail',
        'detail-links-console': '$.detail.links.console',
      });
      // Every placeholder stands alone as a JSON value (EventBridge inserts it as JSON), never inside
      // quotes: with each replaced by a quoted string the template parses, which a quoted one would not.
      const template_ = target.InputTransformer.InputTemplate as string;
      const skeleton = JSON.parse(template_.replace(/<[A-Za-z-]+>/g, (p) => JSON.stringify(p)));
      expect(skeleton).toEqual({
        event_action: 'trigger',
        dedup_key: '<detail-id>',
        client: 'trailwatch',
        payload: {
          summary: '<detail-title>',
          severity: pd,
          source: 'trailwatch',
          component: '<detail-event-account>',
          group: '<detail-event-region>',
          class: '<detail-ruleId>',
          custom_details: '<detail>',
        },
        links: [{ href: '<detail-links-console>', text: 'CloudTrail event in the AWS console' }],
      });
    },
  );

  it('lets EventBridge invoke the API destination only', () => {
    const rule = Object.values(template.findResources('AWS::Events::Rule')).find(
      (r) => r.Properties.EventPattern?.source?.[0] === 'trailwatch',
    );
    const roleId = rule?.Properties.Targets[0].RoleArn['Fn::GetAtt'][0] as string;
    const statements = roleStatements(template, roleId);
    expect(statements.map(({ Effect, Action, Resource }) => ({ Effect, Action, Resource }))).toEqual([
      {
        Effect: 'Allow',
        Action: 'events:InvokeApiDestination',
        Resource: { 'Fn::GetAtt': [destination, 'Arn'] },
      },
    ]);
  });

  it('keeps dead letters encrypted, TLS only, and alarms on them', () => {
    expect(template.findResources('AWS::SQS::Queue')[dlq]?.Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
          }),
        ]),
      },
    });
    expect(alarmNamed(template, 'pagerduty-dead-letters')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('turns the bus output on, on the default bus', () => {
    expect(variables(template, { idPrefix: 'DetectorFunction' }).TRAILWATCH_EVENT_BUS).toBe('default');
    expect(alarmNamed(template, 'output-event-bus')).toMatchObject(ageAlarm('eventBus'));
  });

  it('puts its rules on the bus given by name', () => {
    const { template: t } = synthStack({ ...PAGERDUTY, eventBus: 'audit-bus' }, ENV);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'audit-bus',
      EventPattern: { source: ['trailwatch'], detail: { severity: ['critical'] } },
    });
    t.resourceCountIs('AWS::Events::Rule', 2); // the schedule, and critical (the default) only
  });
});

describe('the dashboard', () => {
  const { template } = synthStack(
    { dashboard: 'true', regions: 'eu-west-1,us-east-1', eventBus: 'default' },
    ENV,
  );
  const body = () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    return JSON.parse(render(dashboard?.Properties.DashboardBody)) as {
      widgets: Array<{ type: string; properties: Record<string, unknown> }>;
    };
  };
  const titles = () => body().widgets.map((w) => w.properties.title);

  it('is one dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('shows every alarm, the lag per region, and events read per region', () => {
    expect(titles()).toEqual([
      'Alarms (to the health topic)',
      'Lag per region (seconds not yet fully processed)',
      'Events read for the first time, per region',
      'Findings by severity (run summaries)',
      'Alerts sent, digests, repeats folded (run summaries)',
      'Per region: events read, unparseable events, pages, lag (run summaries)',
      'Outbox (run summaries)',
      'Errors (Lambda)',
      'Dead letters (visible messages)',
      'Outbox depth: alerts set aside, alerts waiting per output',
      'Oldest undelivered alert per output (seconds)',
    ]);
    const widgets = body().widgets;
    expect((widgets[0]!.properties.alarms as unknown[]).length).toBe(
      Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length,
    );
    const lag = JSON.stringify(widgets[1]?.properties.metrics);
    expect(lag).toContain('"Trailwatch","LagSeconds","Region","eu-west-1","StackName","Trailwatch"');
    expect(lag).toContain('"Region","us-east-1"');
    const read = JSON.stringify(widgets[2]?.properties.metrics);
    for (const name of FIRST_READ_METRIC_NAMES) expect(read).toContain(`"${name}"`);
  });

  it('reads what only the run summary line holds with Logs Insights, over the function log group', () => {
    const queries = body()
      .widgets.filter((w) => w.type === 'log')
      .map((w) => w.properties.query as string);
    expect(queries).toHaveLength(4);
    for (const query of queries) {
      expect(query).toMatch(/^SOURCE '\$\{DetectorLogGroup[0-9A-F]{8}\}' \| filter message = "run summary"/);
    }
    expect(queries[0]).toContain('sum(findingsBySeverity.critical) as critical');
    expect(queries.join('\n')).toContain(DASHBOARD_QUERIES.perRegion.join('\n| '));
  });

  it('graphs errors, dead letters, alerts set aside and the outputs', () => {
    const metrics = JSON.stringify(
      body()
        .widgets.slice(7)
        .map((w) => w.properties.metrics),
    );
    expect(metrics).toContain('"AWS/Lambda","Errors"');
    expect(metrics).toContain('"AWS/SQS","ApproximateNumberOfMessagesVisible"');
    expect(metrics).toContain('"Trailwatch","AlertsSetAside","StackName","Trailwatch"');
    expect(metrics).toContain('"Trailwatch","OutputQueued","Output","eventBus","StackName","Trailwatch"');
    expect(metrics).toContain(
      '"Trailwatch","OutputOldestAgeSeconds","Output","eventBus","StackName","Trailwatch"',
    );
  });

  it('includes the organization functions and the worker log group in organization mode', () => {
    const { template: t } = synthStack({ ...ORG, dashboard: 'true' }, ENV);
    const [dashboard] = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
    const text = render(dashboard?.Properties.DashboardBody);
    expect(text).toContain('MemberLagSeconds');
    expect(text).toMatch(
      /SOURCE '\$\{DetectorLogGroup[0-9A-F]{8}\}' \| SOURCE '\$\{DetectorOrganizationWorkerLogGroup/,
    );
    expect(text).toContain('"label":"dispatcher"');
    expect(text).toContain('"label":"work dead-letter queue"');
  });
});

describe('every output at once', () => {
  const context = {
    eventBus: 'default',
    securityHub: 'true',
    ...SLACK,
    ...PAGERDUTY,
    dashboard: 'true',
  };
  // template.ts renders alarm ARNs of account 111111111111.
  const { stack, template } = synthStack(context, { account: '111111111111', region: 'eu-west-1' });

  it("lists every alarm in detector.alarms and in the health topic's policy", () => {
    const alarms = stack.detector.alarms.map((a) => a.node.path);
    expect(alarms.filter((p) => p.includes('/Outputs/'))).toEqual([
      'Trailwatch/Detector/Outputs/EventBusAgeAlarm',
      'Trailwatch/Detector/Outputs/SecurityHubAgeAlarm',
      'Trailwatch/Detector/Outputs/ChatAgeAlarm',
      'Trailwatch/Detector/Outputs/PagerDutyDeadLetterAlarm',
    ]);
    expect(alarms).toHaveLength(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length);
    const healthTopic = logicalId(template, 'AWS::SNS::Topic', 'DetectorHealthTopic');
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find((p) =>
      (p.Properties.Topics as Array<{ Ref: string }>).some((t) => t.Ref === healthTopic),
    );
    const deny = (policy!.Properties.PolicyDocument.Statement as Statement[]).find(
      (s) => s.Sid === 'OnlyThisStacksAlarmsMayPublish',
    );
    expectExactlyTheAlarms(template, deny?.Condition?.ArnNotEquals?.['aws:SourceArn']);
  });

  it('adds the stack outputs a user needs to test them', () => {
    expect(Object.keys(template.toJSON().Outputs)).toEqual(
      expect.arrayContaining(['ChatTopicArn', 'PagerDutyDeadLetterQueueUrl', 'DashboardName']),
    );
  });

  it('leaves no cdk-nag finding unacknowledged, each acknowledgement with a reason', () => {
    expect(unacknowledged(stack)).toEqual([]);
    const outputs = stack.node.findChild('Detector').node.findChild('Outputs');
    expect(
      acknowledgements(outputs)
        .map((a) => a.id.replace(/^annotation::/i, ''))
        .sort(),
    ).toEqual(['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']);
    for (const { reason } of acknowledgements(outputs)) expect(String(reason).length).toBeGreaterThan(40);
  });

  it('leaves no cdk-nag finding unacknowledged in organization mode, nor with the construct alone', () => {
    expect(unacknowledged(synthStack({ ...context, ...TEAMS, ...ORG }, ENV).stack)).toEqual([]);
    const { stack: bare } = build({
      eventBus: 'default',
      securityHub: true,
      chat: {
        teams: { tenantId: TEAMS.teamsTenantId, teamId: TEAMS.teamsTeamId, channelId: TEAMS.teamsChannelId },
      },
      pagerDuty: { routingKeySecret: 'pd', severities: ['critical'] },
      dashboard: true,
    });
    expect(unacknowledged(bare)).toEqual([]);
  });
});

describe('organization mode with the outputs', () => {
  const { template } = synthStack({ ...ORG, eventBus: 'default', securityHub: 'true', ...SLACK }, ENV);
  const chatTopic = logicalId(template, 'AWS::SNS::Topic', 'DetectorOutputsChatTopic');
  const functions = [
    ['detector', { idPrefix: 'DetectorFunction' }],
    ['dispatcher', { name: 'Trailwatch-org-dispatcher' }],
    ['worker', { name: 'Trailwatch-org-worker' }],
  ] as const;

  it.each(functions)('gives the %s the outputs variables', (_name, match) => {
    expect(variables(template, match)).toMatchObject({
      TRAILWATCH_EVENT_BUS: 'default',
      TRAILWATCH_SECURITY_HUB_PRODUCT_ARN: PRODUCT_ARN,
      TRAILWATCH_CHAT_TOPIC_ARN: { Ref: chatTopic },
      TRAILWATCH_CHAT_MIN_SEVERITY: 'high',
    });
  });

  it.each(functions)('grants the %s the same output actions, each on its one resource', (_name, match) => {
    const statements = roleStatements(template, lambdaFunction(template, match).roleId);
    expect(
      ['PutAlertEvents', 'ImportFindings', 'PublishChat'].flatMap((sid) =>
        statementsWithSid(statements, sid),
      ),
    ).toEqual([
      { Sid: 'PutAlertEvents', Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS_ARN },
      {
        Sid: 'ImportFindings',
        Effect: 'Allow',
        Action: 'securityhub:BatchImportFindings',
        Resource: PRODUCT_ARN,
      },
      { Sid: 'PublishChat', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: chatTopic } },
    ]);
  });

  it('lets the three functions publish to the chat topic, and no one else', () => {
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find((p) =>
      (p.Properties.Topics as Array<{ Ref: string }>).some((t) => t.Ref === chatTopic),
    );
    const deny = (policy!.Properties.PolicyDocument.Statement as Statement[]).find(
      (s) => s.Sid === 'OnlyTheDetectorMayPublish',
    );
    const roles = (
      deny!.Condition!.ArnNotEquals!['aws:PrincipalArn'] as Array<{ 'Fn::GetAtt': [string] }>
    ).map((r) => r['Fn::GetAtt'][0]);
    expect(roles.sort()).toEqual(functions.map(([, m]) => lambdaFunction(template, m).roleId).sort());
  });

  it('counts the outputs variables against the room of the suppression list', () => {
    // About 2.8 KB: room enough without outputs (3 KB), not with Security Hub and chat as well.
    const suppressions = {
      version: 1,
      suppressions: [1, 2, 3, 4, 5, 6].map((n) => ({
        id: `s-${n}`,
        reason: 'x'.repeat(420),
        ruleIds: ['iam.*'],
      })),
    };
    expect(JSON.stringify(suppressions).length).toBeGreaterThan(2700);
    expect(() =>
      build({
        suppressions,
        securityHub: true,
        chat: { slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' } },
        organization: { organizationId: 'o-abcdefghij', rootId: 'r-ab12' },
      }),
    ).toThrow(/suppressions: \d+ bytes of JSON; the detector function's environment holds \d+ bytes more/);
    expect(() =>
      build({
        suppressions,
        securityHub: true,
        chat: { slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' } },
      }),
    ).toThrow(/suppressions: \d+ bytes of JSON/);
    expect(() => build({ suppressions })).not.toThrow();
  });
});

describe('bad values', () => {
  const read = (context: Record<string, unknown>) => () => readContext((key) => context[key]);

  it.each([
    [{ eventBus: 'not a bus!' }, /eventBus: "not a bus!" is not an event bus \(expected default, a bus name/],
    [{ eventBus: 'true' }, /eventBus: "true" is not an event bus/],
    [{ securityHub: 'yes' }, /securityHub: "yes" is not true or false/],
    [{ dashboard: 'maybe' }, /dashboard: "maybe" is not true or false/],
    [{ slackWorkspaceId: 'T0123ABCD' }, /slackChannelId: is required with slackWorkspaceId/],
    [{ ...SLACK, slackChannelId: '#alerts' }, /slackChannelId: "#alerts" is not a Slack channel id/],
    [{ ...SLACK, slackWorkspaceId: 'my-team' }, /slackWorkspaceId: "my-team" is not a Slack workspace id/],
    [
      { teamsTenantId: TEAMS.teamsTenantId },
      /teamsTeamId: is required with teamsTenantId[\s\S]*teamsChannelId: is required/,
    ],
    [{ ...TEAMS, teamsTeamId: 'my team' }, /teamsTeamId: "my team" is not a Microsoft Teams team id/],
    [
      { ...TEAMS, teamsChannelId: 'General' },
      /teamsChannelId: "General" is not a Microsoft Teams channel id/,
    ],
    [{ chatMinSeverity: 'high' }, /chatMinSeverity: is set but no chat channel is/],
    [{ ...SLACK, chatMinSeverity: 'urgent' }, /chatMinSeverity: "urgent" is not a severity/],
    [{ pagerDutySeverities: 'critical' }, /pagerDutySeverities: is set but pagerDutyRoutingKeySecret is not/],
    [
      { ...PAGERDUTY, pagerDutySeverities: 'critical,urgent' },
      /pagerDutySeverities: "urgent" is not a severity/,
    ],
    [{ ...PAGERDUTY, pagerDutySeverities: 'low' }, /pagerDutySeverities: low is below minSeverity high/],
    [
      { pagerDutyRoutingKeySecret: 'my key' },
      /pagerDutyRoutingKeySecret: "my key" is not a Secrets Manager secret name/,
    ],
    [
      { ...PAGERDUTY, eventBus: 'arn:aws:events:eu-west-1:999988887777:event-bus/central' },
      /eventBus: is an ARN, but pagerDutyRoutingKeySecret puts its rules on the bus/,
    ],
  ])('reports %j clearly', (context, message) => {
    expect(read(context)).toThrow(message);
  });

  it('reports every problem together', () => {
    expect(read({ eventBus: '?', securityHub: 'yes', slackChannelId: 'C1' })).toThrow(
      /eventBus: [\s\S]*slackWorkspaceId: is required[\s\S]*securityHub: /,
    );
  });

  it.each([
    [{ chat: {} }, /chat: names neither a Slack nor a Microsoft Teams channel/],
    [{ pagerDuty: { routingKeySecret: 'pd', severities: [] } }, /pagerDuty.severities: names no severity/],
    [
      { pagerDuty: { routingKeySecret: 'pd', severities: ['critical', 'critical'] } },
      /names a severity twice/,
    ],
    [{ eventBus: 'bad bus' }, /eventBus: "bad bus" is not "default", an event bus name or an event bus ARN/],
    [
      { chat: { teams: { tenantId: 'x', teamId: TEAMS.teamsTeamId, channelId: TEAMS.teamsChannelId } } },
      /chat.teams.tenantId: "x" is not a tenant id/,
    ],
  ] as Array<[TrailwatchDetectorProps, RegExp]>)('rejects props %j clearly', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  it('takes eventBus=false as off', () => {
    expect(readContext((key) => ({ eventBus: 'false' })[key as string])).not.toHaveProperty('eventBus');
  });
});

describe('with no output set', () => {
  const SNAPSHOT = path.join(__dirname, '__snapshots__', 'single-account-templates.json');
  const pinned = JSON.parse(fs.readFileSync(SNAPSHOT, 'utf8')).templates as Record<string, unknown>;

  it('is the pinned template, with the output keys set off', () => {
    expect(normalizedTemplate({ eventBus: 'false', securityHub: 'false', dashboard: 'false' })).toEqual(
      pinned.default,
    );
  });

  it('creates no output construct', () => {
    const { stack } = synthStack({}, ENV);
    expect(stack.detector.outputs).toBeUndefined();
    expect(stack.detector.dashboard).toBeUndefined();
  });

  it('differs with an output set (the comparison can fail)', () => {
    expect(normalizedTemplate({ securityHub: 'true' })).not.toEqual(pinned.default);
  });
});
