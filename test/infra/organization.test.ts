// Organization mode: the CDK side of watching a whole AWS Organization (docs/organization.md).
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TrailwatchDetector, type TrailwatchDetectorProps } from '../../lib/detector';
import {
  memberRoleTemplate,
  WORK_MAX_RECEIVE_COUNT,
  WORK_RETENTION,
  WORK_VISIBILITY_MARGIN_SECONDS,
} from '../../lib/organization';
import { SKIP_BUNDLING, synthStack } from './synth';
import {
  actionList,
  expectExactlyTheAlarms,
  lambdaFunction,
  referenceCycle,
  roleStatements,
  type Statement,
} from './template';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const ORG = { organization: 'true', organizationId: 'o-abcdefghij', organizationRootId: 'r-ab12' };
const MEMBER_ROLE_ARN = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/trailwatch-member-reader']],
};

/** The one resource of `type` whose logical id is `prefix` and CDK's 8-character hash. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) =>
    new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id),
  );
  if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

function environmentOf(
  template: Template,
  match: { name?: string; idPrefix?: string },
): Record<string, unknown> {
  return lambdaFunction(template, match).properties.Environment.Variables;
}

/** The construct alone, in a stack of its own, with props (not context). */
function build(props: TrailwatchDetectorProps, stackName = 'Test'): Template {
  const stack = new Stack(new App({ context: SKIP_BUNDLING }), stackName, { env: ENV });
  new TrailwatchDetector(stack, 'Detector', props);
  return Template.fromStack(stack);
}

/** A valid suppression list of exactly `bytes` bytes of compact JSON. */
function suppressionsOf(bytes: number): unknown {
  const entry = (id: string, reason: string) => ({ id, reason, ruleIds: ['iam.*'] });
  const skeleton = (entries: unknown[]) => JSON.stringify({ version: 1, suppressions: entries }).length;
  const entries: Array<{ id: string; reason: string; ruleIds: string[] }> = [];
  while (skeleton([...entries, entry(`s-${entries.length}`, 'x'.repeat(400))]) < bytes) {
    entries.push(entry(`s-${entries.length}`, 'x'.repeat(400)));
  }
  const rest = bytes - skeleton([...entries, entry(`s-${entries.length}`, 'x')]) + 1;
  if (rest < 1) throw new Error('cannot size the list');
  entries.push(entry(`s-${entries.length}`, 'x'.repeat(rest)));
  const document = { version: 1, suppressions: entries };
  expect(JSON.stringify(document).length).toBe(bytes);
  return document;
}

describe('organization mode', () => {
  // Prepare / Act once: the template is read-only for every assertion below.
  const { template } = synthStack({ ...ORG, alertEmail: 'ops@example.com' }, ENV);
  const workQueue = logicalId(template, 'AWS::SQS::Queue', 'DetectorOrganizationWorkQueue');
  const workDlq = logicalId(template, 'AWS::SQS::Queue', 'DetectorOrganizationWorkDeadLetterQueue');
  const detectorDlq = logicalId(template, 'AWS::SQS::Queue', 'DetectorDeadLetterQueue');
  const dispatcher = lambdaFunction(template, { name: 'Trailwatch-org-dispatcher' });
  const worker = lambdaFunction(template, { name: 'Trailwatch-org-worker' });
  const detector = lambdaFunction(template, { idPrefix: 'DetectorFunction' });
  const healthTopic = logicalId(template, 'AWS::SNS::Topic', 'DetectorHealthTopic');

  describe('work queue', () => {
    it('is named after the stack, encrypted with SSE-SQS and keeps a work item one hour', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'Trailwatch-org-work',
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 3600,
      });
      expect(template.findResources('AWS::SQS::Queue')[workQueue]?.Properties.QueueName).toBe(
        'Trailwatch-org-work',
      );
    });

    it("hides a received item for the worker's timeout plus 30 seconds", () => {
      expect(dispatcher.properties.Timeout).toBe(280);
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'Trailwatch-org-work',
        VisibilityTimeout: 310,
      });
    });

    it('follows a longer timeout', () => {
      const { template: longer } = synthStack({ ...ORG, scheduleMinutes: '15', timeoutSeconds: '600' }, ENV);
      longer.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'Trailwatch-org-work',
        VisibilityTimeout: 630,
      });
      longer.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: 'Trailwatch-org-worker',
        Timeout: 600,
      });
    });

    it('sends an item to its own dead-letter queue after three receives', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'Trailwatch-org-work',
        RedrivePolicy: { deadLetterTargetArn: getAtt(workDlq), maxReceiveCount: 3 },
      });
    });

    it('lets three receives end before the retention does, even at the longest timeout', () => {
      // A failing item must reach the dead-letter queue (and its alarm) before it expires.
      const visibility = 900 + WORK_VISIBILITY_MARGIN_SECONDS;
      expect(WORK_MAX_RECEIVE_COUNT * visibility).toBeLessThan(WORK_RETENTION.toSeconds());
    });

    it('keeps dead work items 14 days, encrypted', () => {
      const dlq = template.findResources('AWS::SQS::Queue')[workDlq];
      expect(dlq?.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    });

    it.each([
      ['work queue', 'DetectorOrganizationWorkQueue'],
      ['work dead-letter queue', 'DetectorOrganizationWorkDeadLetterQueue'],
    ])('the %s denies requests without TLS', (_name, prefix) => {
      const queue = logicalId(template, 'AWS::SQS::Queue', prefix);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: [
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: getAtt(queue),
            }),
          ],
        },
      });
    });
  });

  describe('worker event source', () => {
    it('hands the worker one item at a time, at most 10 at once, with partial batch responses', () => {
      const mappings = template.findResources('AWS::Lambda::EventSourceMapping');
      expect(Object.values(mappings).map((m) => m.Properties)).toEqual([
        {
          EventSourceArn: getAtt(workQueue),
          FunctionName: { Ref: worker.id },
          BatchSize: 1,
          ScalingConfig: { MaximumConcurrency: 10 },
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        },
      ]);
    });

    it('takes organizationConcurrency as the maximum concurrency', () => {
      const { template: t } = synthStack({ ...ORG, organizationConcurrency: '25' }, ENV);
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ScalingConfig: { MaximumConcurrency: 25 },
      });
    });
  });

  describe('schedule', () => {
    it('starts the detector and the dispatcher, each with retries and the dead-letter queue', () => {
      const [rule, ...others] = Object.values(template.findResources('AWS::Events::Rule'));
      expect(others).toEqual([]);
      const target = (fn: string) =>
        expect.objectContaining({
          Arn: getAtt(fn),
          DeadLetterConfig: { Arn: getAtt(detectorDlq) },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        });
      expect(rule?.Properties.Targets).toEqual([target(detector.id), target(dispatcher.id)]);
    });

    it('may invoke the dispatcher', () => {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(dispatcher.id),
        Principal: 'events.amazonaws.com',
      });
    });
  });

  describe('functions', () => {
    it.each([
      ['dispatcher', 'Trailwatch-org-dispatcher'],
      ['worker', 'Trailwatch-org-worker'],
    ])('the %s runs like the detector function, in a log group of its own', (_name, functionName) => {
      const fn = lambdaFunction(template, { name: functionName });
      const same = ['Runtime', 'Architectures', 'Handler', 'MemorySize', 'Timeout'];
      for (const key of same)
        expect({ key, value: fn.properties[key] }).toEqual({ key, value: detector.properties[key] });
      expect(fn.properties.LoggingConfig.LogFormat).toBe('JSON');
      const logGroup = fn.properties.LoggingConfig.LogGroup.Ref;
      expect(logGroup).not.toEqual(detector.properties.LoggingConfig.LogGroup.Ref);
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
      expect(template.findResources('AWS::Logs::LogGroup')[logGroup]?.DeletionPolicy).toBe('Retain');
    });

    it("sends the dispatcher's given-up invocations to the detector's dead-letter queue", () => {
      expect(dispatcher.properties.DeadLetterConfig).toEqual({ TargetArn: getAtt(detectorDlq) });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: dispatcher.id },
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 3600,
      });
    });

    it('gives the worker no asynchronous dead-letter queue (its queue has one)', () => {
      expect(worker.properties.DeadLetterConfig).toBeUndefined();
    });
  });

  describe('IAM', () => {
    const dispatcherStatements = roleStatements(template, dispatcher.roleId);
    const workerStatements = roleStatements(template, worker.roleId);
    const withAction = (statements: Statement[], action: string) =>
      statements.filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action));

    const STATE_AND_ALERTS = [
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
    ];

    it('grants the dispatcher exactly what it uses', () => {
      expect(actionList(dispatcherStatements)).toEqual(
        [
          ...STATE_AND_ALERTS,
          'organizations:DescribeOrganization',
          'organizations:ListAccountsForParent',
          'organizations:ListOrganizationalUnitsForParent',
          'organizations:ListRoots',
          // The work queue, and the dead-letter queue of its asynchronous invocations.
          'sqs:SendMessage',
          'sqs:SendMessage',
        ].sort(),
      );
    });

    it('lets the dispatcher send to the work queue only (besides its own dead letters)', () => {
      const resources = withAction(dispatcherStatements, 'sqs:SendMessage').map((s) => s.Resource);
      expect(resources).toEqual(expect.arrayContaining([getAtt(workQueue), getAtt(detectorDlq)]));
      expect(resources).toHaveLength(2);
    });

    it('reads the organization on "*" only where no resource-level permission exists', () => {
      const starred = dispatcherStatements.filter((s) => s.Resource === '*');
      expect(actionList(starred)).toEqual(['organizations:DescribeOrganization', 'organizations:ListRoots']);
    });

    it("walks only this organization's roots and organizational units", () => {
      const [tree, ...others] = withAction(dispatcherStatements, 'organizations:ListAccountsForParent');
      expect(others).toEqual([]);
      expect(tree?.Action).toEqual([
        'organizations:ListAccountsForParent',
        'organizations:ListOrganizationalUnitsForParent',
      ]);
      expect(tree?.Resource).toEqual([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':organizations::*:root/o-abcdefghij/r-*']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':organizations::*:ou/o-abcdefghij/ou-*']] },
      ]);
    });

    it('grants the worker exactly what it uses', () => {
      expect(actionList(workerStatements)).toEqual(
        [
          ...STATE_AND_ALERTS,
          // The event source's polling of the work queue.
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
          'sts:AssumeRole',
        ].sort(),
      );
      for (const s of withAction(workerStatements, 'sqs:ReceiveMessage'))
        expect(s.Resource).toEqual(getAtt(workQueue));
    });

    it("lets the worker assume the member role only in this organization's accounts", () => {
      expect(withAction(workerStatements, 'sts:AssumeRole')).toEqual([
        {
          Sid: 'AssumeMemberRole',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: MEMBER_ROLE_ARN,
          Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-abcdefghij' } },
        },
      ]);
    });

    it('gives the table, topic and key grants of the detector function to both', () => {
      const detectorStatements = roleStatements(template, detector.roleId);
      const shared = (statements: Statement[]) =>
        statements.filter((s) => ['DetectorState', 'PublishAlerts', 'UseTopicKey'].includes(s.Sid ?? ''));
      expect(shared(detectorStatements)).toHaveLength(3);
      expect(shared(dispatcherStatements)).toEqual(shared(detectorStatements));
      expect(shared(workerStatements)).toEqual(shared(detectorStatements));
    });

    it('uses no wildcard action, and no cloudtrail or other STS action in the security account', () => {
      for (const statements of [dispatcherStatements, workerStatements]) {
        const actions = actionList(statements);
        expect(actions.filter((a) => a.includes('*'))).toEqual([]);
        expect(actions.filter((a) => a.startsWith('cloudtrail:'))).toEqual([]);
        expect(actions.filter((a) => a.startsWith('sts:') && a !== 'sts:AssumeRole')).toEqual([]);
      }
      expect(actionList(dispatcherStatements).filter((a) => a.startsWith('sts:'))).toEqual([]);
    });

    it("keeps the detector function's grants as they were", () => {
      expect(actionList(roleStatements(template, detector.roleId))).toEqual([
        'cloudtrail:LookupEvents',
        ...STATE_AND_ALERTS.filter((a) => a.startsWith('dynamodb:')),
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish',
        'sqs:SendMessage',
      ]);
    });

    it('lets the three roles, and nobody else, publish alerts', () => {
      const topic = logicalId(template, 'AWS::SNS::Topic', 'DetectorTopic');
      const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find((p) =>
        (p.Properties.Topics as Array<{ Ref: string }>).some((t) => t.Ref === topic),
      );
      const denies = ((policy?.Properties.PolicyDocument.Statement ?? []) as Statement[]).filter(
        (s) => s.Sid === 'OnlyTheDetectorMayPublish',
      );
      expect(denies.map((s) => s.Condition)).toEqual([
        {
          ArnNotEquals: {
            'aws:PrincipalArn': [getAtt(detector.roleId), getAtt(dispatcher.roleId), getAtt(worker.roleId)],
          },
        },
      ]);
    });

    it('follows memberRoleName', () => {
      const { template: t } = synthStack({ ...ORG, memberRoleName: 'audit-reader' }, ENV);
      const w = lambdaFunction(t, { name: 'Trailwatch-org-worker' });
      expect(
        roleStatements(t, w.roleId)
          .filter((s) => s.Action === 'sts:AssumeRole')
          .map((s) => s.Resource),
      ).toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/audit-reader']] }]);
      expect(environmentOf(t, { name: 'Trailwatch-org-worker' }).TRAILWATCH_MEMBER_ROLE_NAME).toBe(
        'audit-reader',
      );
    });
  });

  describe('environment', () => {
    const detectorEnvironment = environmentOf(template, { idPrefix: 'DetectorFunction' });
    const SELF = {
      TRAILWATCH_STACKSET_NAME: 'Trailwatch-member-role',
      TRAILWATCH_MEMBER_ROLE_NAME: 'trailwatch-member-reader',
      TRAILWATCH_WORK_QUEUE_NAME: 'Trailwatch-org-work',
      TRAILWATCH_ORG_FUNCTIONS: 'Trailwatch-org-dispatcher,Trailwatch-org-worker',
    };

    it("tells all three functions the organization's own resources", () => {
      for (const environment of [
        detectorEnvironment,
        dispatcher.properties.Environment.Variables,
        worker.properties.Environment.Variables,
      ]) {
        expect(environment).toMatchObject(SELF);
      }
    });

    it('names those resources as they are named', () => {
      template.hasResourceProperties('AWS::CloudFormation::StackSet', {
        StackSetName: SELF.TRAILWATCH_STACKSET_NAME,
      });
      expect(template.findResources('AWS::SQS::Queue')[workQueue]?.Properties.QueueName).toBe(
        SELF.TRAILWATCH_WORK_QUEUE_NAME,
      );
      expect([dispatcher.properties.FunctionName, worker.properties.FunctionName].join(',')).toBe(
        SELF.TRAILWATCH_ORG_FUNCTIONS,
      );
    });

    it("gives the dispatcher the detector's variables, the work queue's URL and the blind threshold, nothing more by default", () => {
      expect(dispatcher.properties.Environment.Variables).toEqual({
        ...detectorEnvironment,
        TRAILWATCH_WORK_QUEUE_URL: { Ref: workQueue },
        TRAILWATCH_LAG_ALARM_MINUTES: '30',
      });
    });

    it('gives the dispatcher the lag alarm threshold as the blind threshold', () => {
      const t = build({
        lagAlarmMinutes: 45,
        organization: { organizationId: 'o-abcdefghij', rootId: 'r-ab12' },
      });
      expect(environmentOf(t, { name: 'Test-org-dispatcher' }).TRAILWATCH_LAG_ALARM_MINUTES).toBe('45');
    });

    it("gives the worker the detector's variables", () => {
      expect(worker.properties.Environment.Variables).toEqual(detectorEnvironment);
    });

    it('leaves the detector function as it is, but for those four variables', () => {
      const { template: single } = synthStack({ alertEmail: 'ops@example.com' }, ENV);
      const before = environmentOf(single, { idPrefix: 'DetectorFunction' });
      expect(detectorEnvironment).toEqual({ ...before, ...SELF });
    });

    it('passes OUs, exclusions, the management account and the organization regions to the dispatcher only', () => {
      const { template: t } = synthStack(
        {
          ...ORG,
          organizationOus: 'ou-ab12-abcdefgh,ou-ab12-ijklmnop',
          organizationExclude: '222222222222,333333333333',
          organizationIncludeManagement: 'true',
          organizationRegions: 'eu-west-1,eu-central-1',
        },
        ENV,
      );
      const d = environmentOf(t, { name: 'Trailwatch-org-dispatcher' });
      expect(d).toMatchObject({
        TRAILWATCH_ORG_OUS: 'ou-ab12-abcdefgh,ou-ab12-ijklmnop',
        TRAILWATCH_ORG_EXCLUDE: '222222222222,333333333333',
        TRAILWATCH_ORG_INCLUDE_MANAGEMENT: 'true',
        TRAILWATCH_REGIONS: 'eu-west-1,eu-central-1',
      });
      expect(environmentOf(t, { name: 'Trailwatch-org-worker' }).TRAILWATCH_REGIONS).toBe(
        'eu-west-1,eu-central-1',
      );
      const w = environmentOf(t, { name: 'Trailwatch-org-worker' });
      const own = environmentOf(t, { idPrefix: 'DetectorFunction' });
      for (const env of [w, own]) {
        expect(
          Object.keys(env).filter((k) =>
            /^TRAILWATCH_(ORG_OUS|ORG_EXCLUDE|ORG_INCLUDE|WORK_QUEUE_URL)/.test(k),
          ),
        ).toEqual([]);
      }
      expect(own.TRAILWATCH_REGIONS).toBe('eu-west-1,us-east-1');
    });

    it('omits the OU, exclusion and management variables when they are not set', () => {
      expect(Object.keys(dispatcher.properties.Environment.Variables)).not.toEqual(
        expect.arrayContaining(['TRAILWATCH_ORG_OUS']),
      );
      for (const key of [
        'TRAILWATCH_ORG_OUS',
        'TRAILWATCH_ORG_EXCLUDE',
        'TRAILWATCH_ORG_INCLUDE_MANAGEMENT',
      ]) {
        expect({ key, value: dispatcher.properties.Environment.Variables[key] }).toEqual({
          key,
          value: undefined,
        });
      }
      const { template: t } = synthStack({ ...ORG, organizationIncludeManagement: 'false' }, ENV);
      expect(
        environmentOf(t, { name: 'Trailwatch-org-dispatcher' }).TRAILWATCH_ORG_INCLUDE_MANAGEMENT,
      ).toBeUndefined();
    });

    it("reads the detector's regions in member accounts by default", () => {
      expect(dispatcher.properties.Environment.Variables.TRAILWATCH_REGIONS).toBe('eu-west-1,us-east-1');
    });
  });

  describe('the 4 KB environment', () => {
    const org = { organizationId: 'o-abcdefghij', rootId: 'r-ab12' };

    it('accepts a suppression list that fits next to the organization variables', () => {
      expect(() => build({ organization: org, suppressions: suppressionsOf(2400) })).not.toThrow();
    });

    it('rejects a suppression list the detector alone could carry but the dispatcher cannot', () => {
      const suppressions = suppressionsOf(3000);
      expect(() => build({ suppressions })).not.toThrow();
      expect(() => build({ organization: org, suppressions })).toThrow(
        /suppressions: 3000 bytes of JSON; the dispatcher function's environment holds \d+ bytes more than the detector's, so at most \d+ fit/,
      );
    });

    it('rejects an exclusion list that cannot fit at all, naming the dispatcher', () => {
      const excludeAccounts = Array.from({ length: 260 }, (_, i) => String(100000000000 + i));
      expect(() => build({ organization: { ...org, excludeAccounts } })).toThrow(
        /organization: the dispatcher function's variables need \d+ bytes more than the detector's/,
      );
    });
  });

  describe('member-role StackSet', () => {
    const stackSets = template.findResources('AWS::CloudFormation::StackSet');
    const [stackSet] = Object.values(stackSets);

    it('is service-managed, deploys itself to new accounts and removes itself from leaving ones', () => {
      expect(Object.keys(stackSets)).toHaveLength(1);
      expect(stackSet?.Properties).toMatchObject({
        StackSetName: 'Trailwatch-member-role',
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
        CallAs: 'DELEGATED_ADMIN',
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      });
    });

    it('rolls out to every account at once', () => {
      expect(stackSet?.Properties.OperationPreferences).toEqual({
        RegionConcurrencyType: 'PARALLEL',
        ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        MaxConcurrentPercentage: 100,
        FailureTolerancePercentage: 100,
      });
    });

    it('targets the root, in the deployment region only (IAM is global)', () => {
      expect(stackSet?.Properties.StackInstancesGroup).toEqual([
        { DeploymentTargets: { OrganizationalUnitIds: ['r-ab12'] }, Regions: ['eu-west-1'] },
      ]);
      const { template: agnostic } = synthStack(ORG);
      agnostic.hasResourceProperties('AWS::CloudFormation::StackSet', {
        StackInstancesGroup: [
          { DeploymentTargets: { OrganizationalUnitIds: ['r-ab12'] }, Regions: [{ Ref: 'AWS::Region' }] },
        ],
      });
    });

    it('targets the given organizational units instead of the root', () => {
      const { template: t } = synthStack(
        { ...ORG, organizationOus: 'ou-ab12-abcdefgh,ou-ab12-ijklmnop' },
        ENV,
      );
      t.hasResourceProperties('AWS::CloudFormation::StackSet', {
        StackInstancesGroup: [
          {
            DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-abcdefgh', 'ou-ab12-ijklmnop'] },
            Regions: ['eu-west-1'],
          },
        ],
      });
    });

    it('is created as the management account with organizationCallAs=SELF', () => {
      synthStack({ ...ORG, organizationCallAs: 'self' }, ENV).template.hasResourceProperties(
        'AWS::CloudFormation::StackSet',
        { CallAs: 'SELF' },
      );
    });

    it("passes the worker role's ARN as the one parameter", () => {
      expect(stackSet?.Properties.Parameters).toEqual([
        { ParameterKey: 'WorkerRoleArn', ParameterValue: getAtt(worker.roleId) },
      ]);
    });

    describe('its template', () => {
      const body = JSON.parse(stackSet?.Properties.TemplateBody);
      const role = body.Resources.MemberRole;

      it('declares one resource, the member role', () => {
        expect(Object.keys(body.Resources)).toEqual(['MemberRole']);
        expect(role.Type).toBe('AWS::IAM::Role');
        expect(role.Properties.RoleName).toBe('trailwatch-member-reader');
        expect(role.Properties.MaxSessionDuration).toBe(3600);
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        expect(Object.keys(body.Parameters)).toEqual(['WorkerRoleArn']);
      });

      it('trusts the worker role only, and only as a principal of this organization', () => {
        expect(role.Properties.AssumeRolePolicyDocument).toEqual({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'TrailwatchWorkerOfThisOrganization',
              Effect: 'Allow',
              Principal: { AWS: { Ref: 'WorkerRoleArn' } },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } },
            },
          ],
        });
      });

      it('allows cloudtrail:LookupEvents and nothing else', () => {
        expect(role.Properties.Policies).toEqual([
          {
            PolicyName: 'ReadEventHistory',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Sid: 'LookupEvents', Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' },
              ],
            },
          },
        ]);
      });

      it('accepts a role ARN of any partition as the worker, and nothing else', () => {
        const pattern = new RegExp(body.Parameters.WorkerRoleArn.AllowedPattern);
        expect(
          pattern.test('arn:aws:iam::111111111111:role/Trailwatch-DetectorOrganizationWorkerRole-AB12'),
        ).toBe(true);
        expect(pattern.test('arn:aws-us-gov:iam::111111111111:role/x')).toBe(true);
        expect(pattern.test('arn:aws:iam::111111111111:user/alice')).toBe(false);
        expect(pattern.test('*')).toBe(false);
      });

      it('names the role after memberRoleName', () => {
        const t = memberRoleTemplate('audit-reader', 'o-zzzzzzzzzz') as {
          Resources: { MemberRole: { Properties: { RoleName: string } } };
        };
        expect(t.Resources.MemberRole.Properties.RoleName).toBe('audit-reader');
      });
    });
  });

  describe('alarms', () => {
    const alarm = (suffix: string) => {
      const found = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
        new RegExp(`^TrailwatchDetector[0-9A-F]{8}-${suffix}$`).test(a.Properties.AlarmName),
      );
      expect(found).toHaveLength(1);
      return found[0]?.Properties;
    };

    it.each([
      [
        'org-dispatcher-errors',
        () => ({
          MetricName: 'Errors',
          Namespace: 'AWS/Lambda',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: dispatcher.id } }],
        }),
      ],
      [
        'org-worker-errors',
        () => ({
          MetricName: 'Errors',
          Namespace: 'AWS/Lambda',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: worker.id } }],
        }),
      ],
      [
        'org-work-dead-letters',
        () => ({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Namespace: 'AWS/SQS',
          Dimensions: [{ Name: 'QueueName', Value: getAtt(workDlq, 'QueueName') }],
        }),
      ],
    ])('%s alarms at 1 or more on the health topic', (suffix, metric) => {
      expect(alarm(suffix)).toMatchObject({
        ...metric(),
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: healthTopic }],
      });
    });

    it("alarms when member accounts' lag passes lagAlarmMinutes, counting silence as blind", () => {
      expect(alarm('org-member-lag')).toMatchObject({
        Namespace: 'Trailwatch',
        MetricName: 'MemberLagSeconds',
        Dimensions: [{ Name: 'StackName', Value: 'Trailwatch' }],
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 1800,
        EvaluationPeriods: 6,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: healthTopic }],
      });
    });

    it('takes the lag threshold from lagAlarmMinutes', () => {
      build({
        lagAlarmMinutes: 45,
        organization: { organizationId: 'o-abcdefghij', rootId: 'r-ab12' },
      }).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'MemberLagSeconds', Threshold: 2700 });
    });

    it("lists every alarm, the organization's included, in the health topic's and key's policies", () => {
      const healthPolicy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find((p) =>
        (p.Properties.Topics as Array<{ Ref: string }>).some((t) => t.Ref === healthTopic),
      );
      const statements = healthPolicy?.Properties.PolicyDocument.Statement as Statement[];
      const allow = statements.find((s) => s.Sid === 'AllowThisStacksAlarmsToPublish');
      const deny = statements.find((s) => s.Sid === 'OnlyThisStacksAlarmsMayPublish');
      expectExactlyTheAlarms(template, allow?.Condition?.ArnEquals?.['aws:SourceArn']);
      expectExactlyTheAlarms(template, deny?.Condition?.ArnNotEquals?.['aws:SourceArn']);
      const healthKey = logicalId(template, 'AWS::KMS::Key', 'DetectorHealthKey');
      const keyStatement = (
        (template.findResources('AWS::KMS::Key')[healthKey]?.Properties.KeyPolicy.Statement ??
          []) as Statement[]
      ).find((s) => s.Sid === 'AllowThisStacksAlarmsToUseTheKey');
      expectExactlyTheAlarms(template, keyStatement?.Condition?.ArnEquals?.['aws:SourceArn']);
      expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(9);
    });

    it('leaves no circular reference', () => {
      expect(referenceCycle(template.toJSON().Resources)).toEqual([]);
    });
  });

  describe('outputs', () => {
    it('exports the StackSet name and the member role name', () => {
      template.hasOutput('OrganizationStackSetName', { Value: 'Trailwatch-member-role' });
      template.hasOutput('MemberRoleName', { Value: 'trailwatch-member-reader' });
    });

    it('exports neither without organization mode', () => {
      const outputs = synthStack({}).template.toJSON().Outputs;
      expect(Object.keys(outputs)).not.toContain('OrganizationStackSetName');
      expect(Object.keys(outputs)).not.toContain('MemberRoleName');
    });
  });

  describe('construct props', () => {
    const org = { organizationId: 'o-abcdefghij', rootId: 'r-ab12' };

    it.each<[string, TrailwatchDetectorProps['organization'], RegExp]>([
      [
        'a malformed organization id',
        { ...org, organizationId: 'o-ABC' },
        /organization\.organizationId: "o-ABC" is not an organization id/,
      ],
      [
        'neither a root nor OUs',
        { organizationId: org.organizationId },
        /organization\.rootId is required when no organizationalUnitIds/,
      ],
      ['a malformed root id', { ...org, rootId: 'root' }, /organization\.rootId: "root" is not a root id/],
      [
        'a malformed OU',
        { ...org, organizationalUnitIds: ['ou-1'] },
        /organization: "ou-1" is not an organizational unit or root id/,
      ],
      [
        'a malformed account to exclude',
        { ...org, excludeAccounts: ['1234'] },
        /organization: "1234" is not an account id/,
      ],
      ['no regions', { ...org, regions: [] }, /organization\.regions must name at least one region/],
      [
        'a concurrency of 1',
        { ...org, maxConcurrency: 1 },
        /organization\.maxConcurrency is not a whole number from 2 to 1000, got 1/,
      ],
      [
        'a concurrency of 1001',
        { ...org, maxConcurrency: 1001 },
        /organization\.maxConcurrency is not a whole number from 2 to 1000, got 1001/,
      ],
      [
        'a fractional concurrency',
        { ...org, maxConcurrency: 2.5 },
        /organization\.maxConcurrency is not a whole number/,
      ],
      [
        'a role name with a space',
        { ...org, memberRoleName: 'member reader' },
        /organization\.memberRoleName: "member reader" is not an IAM role name/,
      ],
      [
        'a role name of 65 characters',
        { ...org, memberRoleName: 'r'.repeat(65) },
        /organization\.memberRoleName: "r{65}" is not an IAM role name/,
      ],
      [
        'an unknown callAs',
        { ...org, callAs: 'ADMIN' as never },
        /organization\.callAs: "ADMIN" is not one of DELEGATED_ADMIN, SELF/,
      ],
    ])('rejects %s', (_name, organization, expected) => {
      expect(() => build({ organization })).toThrow(expected);
    });

    it('accepts the bounds of maxConcurrency', () => {
      for (const maxConcurrency of [2, 1000]) {
        expect(() => build({ organization: { ...org, maxConcurrency } })).not.toThrow();
      }
    });

    it('rejects a stack name too long for the function names', () => {
      expect(() => build({ organization: org }, `S${'x'.repeat(49)}`)).toThrow(
        /the stack name "Sx+" is too long for the function name Sx+-org-dispatcher \(at most 64 characters\)/,
      );
      expect(() => build({ organization: org }, `S${'x'.repeat(48)}`)).not.toThrow();
    });

    it('schedules the dispatcher with the detector at every schedule', () => {
      build({ schedule: Duration.minutes(10), organization: org }).hasResourceProperties(
        'AWS::Events::Rule',
        {
          ScheduleExpression: 'rate(10 minutes)',
          Targets: Match.arrayWith([Match.objectLike({ Id: 'Target1' })]),
        },
      );
    });
  });
});
