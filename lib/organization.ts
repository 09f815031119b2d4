// The organization fan-out of TrailwatchDetector: a dispatcher on the detector's schedule queues one
// work item per member account, workers read each account's Event history through a read-only role,
// and a service-managed StackSet deploys that role to the organization's accounts.
import { Duration, type RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TrailwatchDetector } from './detector';
import { assertValid, checkEnvironmentBudget, environmentBytes, regionList } from './detector-settings';
import { trailwatchFunction } from './function';
import {
  memberRoleTemplate,
  WORK_MAX_RECEIVE_COUNT,
  WORK_RETENTION,
  WORK_VISIBILITY_MARGIN_SECONDS,
} from './member-role';
import { ORGANIZATION_DEFAULTS, type OrganizationWatchProps } from './organization-props';

export { memberRoleTemplate, WORK_MAX_RECEIVE_COUNT, WORK_RETENTION, WORK_VISIBILITY_MARGIN_SECONDS };

/**
 * The partition as cdk-nag writes it in a finding's id: `<AWS::Partition>` while it is a token, the
 * literal when the app's `@aws-cdk/core:target-partitions` fixes it (cdk.json sets `aws`).
 */
function nagPartition(stack: Stack): string {
  return Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
}

/** What the detector shares with its dispatcher and worker. */
export interface DetectorShare {
  /** The detector function's environment; the dispatcher's and worker's start from it. */
  readonly environment: Record<string, string>;
  /** The detector's regions: the default of the organization's. */
  readonly regions: readonly string[];
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly lagAlarmMinutes: number;
  /** The suppression list, which travels in every function's environment. */
  readonly suppressions: unknown;
  /**
   * The outputs' variables (part of `environment`), which every function carries too; they count
   * against the room the suppression list has, like the organization's own.
   */
  readonly outputEnvironment?: Readonly<Record<string, string>>;
}

export interface OrganizationWatchConstructProps extends OrganizationWatchProps {
  readonly detector: DetectorShare;
}

/**
 * The organization fan-out. Created by TrailwatchDetector when its `organization` prop is set; the
 * detector itself is unchanged and keeps watching the account it runs in.
 */
export class OrganizationWatch extends Construct {
  /** One message per member account per run. SSE-SQS, TLS only, its own dead-letter queue. */
  public readonly workQueue: sqs.Queue;
  /** Work items given up after WORK_MAX_RECEIVE_COUNT receives; alarmed. */
  public readonly workDeadLetterQueue: sqs.Queue;
  /** Lists the organization's accounts every run and queues their work items. */
  public readonly dispatcher: lambda.Function;
  public readonly dispatcherRole: iam.Role;
  /** Reads one member account's Event history per work item. */
  public readonly worker: lambda.Function;
  /** The only principal the member roles trust. */
  public readonly workerRole: iam.Role;
  /** Deploys the member role to the organization's accounts (never the management account). */
  public readonly stackSet: cloudformation.CfnStackSet;
  public readonly stackSetName: string;
  public readonly memberRoleName: string;
  /**
   * The variables all three functions carry in organization mode, so that tampering with the
   * organization's own resources is recognised: the StackSet, the member role, the work queue and
   * the dispatcher and worker functions.
   */
  public readonly selfEnvironment: Readonly<Record<string, string>>;

  constructor(scope: TrailwatchDetector, id: string, props: OrganizationWatchConstructProps) {
    super(scope, id);
    const detector = scope;
    const share = props.detector;
    const stack = Stack.of(this);

    // Named up front, like the schedule rule: the dispatcher and the worker name each other in their
    // environments (TRAILWATCH_ORG_FUNCTIONS), which references would make a cycle.
    const stackName = stack.stackName;
    const workQueueName = `${stackName}-org-work`;
    const dispatcherName = `${stackName}-org-dispatcher`;
    const workerName = `${stackName}-org-worker`;
    this.stackSetName = `${stackName}-member-role`;
    this.memberRoleName = props.memberRoleName ?? ORGANIZATION_DEFAULTS.memberRoleName;
    const ous = [...new Set(props.organizationalUnitIds ?? [])];
    const exclude = [...new Set(props.excludeAccounts ?? [])];
    const includeManagement =
      props.includeManagementAccount ?? ORGANIZATION_DEFAULTS.includeManagementAccount;
    const regions = props.regions ?? share.regions;

    this.selfEnvironment = {
      TRAILWATCH_STACKSET_NAME: this.stackSetName,
      TRAILWATCH_MEMBER_ROLE_NAME: this.memberRoleName,
      TRAILWATCH_WORK_QUEUE_NAME: workQueueName,
      TRAILWATCH_ORG_FUNCTIONS: `${dispatcherName},${workerName}`,
    };
    const common = { ...share.environment, TRAILWATCH_REGIONS: regionList(regions), ...this.selfEnvironment };

    // SSE-SQS, like the detector's dead-letter queue: the dispatcher sends and the event source
    // receives without any KMS permission or key policy, and a work item holds an account's id, name
    // and OU path and a region: nothing secret. A customer-managed key would add kms grants to both
    // roles, and a key policy, for nothing to guard.
    this.workDeadLetterQueue = new sqs.Queue(this, 'WorkDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Longer than the work queue's: a dead letter keeps its first enqueue time.
      retentionPeriod: Duration.days(14),
    });
    this.workQueue = new sqs.Queue(this, 'WorkQueue', {
      queueName: workQueueName,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: WORK_RETENTION,
      visibilityTimeout: Duration.seconds(share.timeoutSeconds + WORK_VISIBILITY_MARGIN_SECONDS),
      deadLetterQueue: { queue: this.workDeadLetterQueue, maxReceiveCount: WORK_MAX_RECEIVE_COUNT },
    });

    const dispatcherEnvironment: Record<string, string> = {
      ...common,
      TRAILWATCH_WORK_QUEUE_URL: this.workQueue.queueUrl,
      // A pair trailing longer than the lag alarm's threshold raises its blind alert.
      TRAILWATCH_LAG_ALARM_MINUTES: String(share.lagAlarmMinutes),
      ...(ous.length > 0 ? { TRAILWATCH_ORG_OUS: ous.join(',') } : {}),
      ...(exclude.length > 0 ? { TRAILWATCH_ORG_EXCLUDE: exclude.join(',') } : {}),
      ...(includeManagement ? { TRAILWATCH_ORG_INCLUDE_MANAGEMENT: 'true' } : {}),
    };
    const workerEnvironment: Record<string, string> = { ...common };

    // What the suppression list leaves room for is the detector's own variables: the outputs' count as extra.
    const outputBytes = environmentBytes({ ...share.outputEnvironment });
    const baseBytes = environmentBytes(share.environment) - outputBytes;
    assertValid([
      ...(dispatcherName.length > 64
        ? [
            `organization: the stack name "${stackName}" is too long for the function name ${dispatcherName} (at most 64 characters)`,
          ]
        : []),
      ...checkEnvironmentBudget(
        'detector',
        environmentBytes(this.selfEnvironment) + outputBytes,
        share.suppressions,
      ),
      ...checkEnvironmentBudget(
        'dispatcher',
        environmentBytes(dispatcherEnvironment) - baseBytes,
        share.suppressions,
      ),
      ...checkEnvironmentBudget(
        'worker',
        environmentBytes(workerEnvironment) - baseBytes,
        share.suppressions,
      ),
    ]);

    const functionDefaults = {
      memorySize: share.memorySize,
      timeoutSeconds: share.timeoutSeconds,
      logRetention: share.logRetention,
      removalPolicy: share.removalPolicy,
    };

    const dispatcher = trailwatchFunction(this, {
      ...functionDefaults,
      ids: { logGroup: 'DispatcherLogGroup', role: 'DispatcherRole', function: 'Dispatcher' },
      entry: 'organization/dispatcher.ts',
      functionName: dispatcherName,
      description:
        "trailwatch: lists the organization's accounts and queues one work item per member account",
      roleDescription: 'trailwatch organization dispatcher',
      environment: dispatcherEnvironment,
      grant: (role) => {
        detector.grantDetectorState(role);
        this.grantReadOrganization(role, props.organizationId);
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'QueueWork',
            actions: ['sqs:SendMessage'],
            resources: [this.workQueue.queueArn],
          }),
        );
      },
      // Asynchronous invocations by the schedule, as for the detector function.
      deadLetterQueue: detector.deadLetterQueue,
    });
    this.dispatcher = dispatcher.fn;
    this.dispatcherRole = dispatcher.role;

    // A second target of the detector's schedule, with the detector target's retries and dead letters.
    detector.schedule.addTarget(
      new targets.LambdaFunction(this.dispatcher, {
        deadLetterQueue: detector.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    );

    const worker = trailwatchFunction(this, {
      ...functionDefaults,
      ids: { logGroup: 'WorkerLogGroup', role: 'WorkerRole', function: 'Worker' },
      entry: 'organization/worker.ts',
      functionName: workerName,
      description: "trailwatch: reads one member account's Event history through its read-only role",
      roleDescription: 'trailwatch organization worker',
      environment: workerEnvironment,
      grant: (role) => {
        detector.grantDetectorState(role);
        this.grantAssumeMemberRole(role, props.organizationId);
      },
    });
    this.worker = worker.fn;
    this.workerRole = worker.role;
    this.worker.addEventSource(
      new SqsEventSource(this.workQueue, {
        batchSize: 1,
        maxConcurrency: props.maxConcurrency ?? ORGANIZATION_DEFAULTS.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );

    this.stackSet = new cloudformation.CfnStackSet(this, 'MemberRoleStackSet', {
      stackSetName: this.stackSetName,
      description: `trailwatch (${stackName}): the read-only role ${this.memberRoleName} for the organization's worker`,
      permissionModel: 'SERVICE_MANAGED',
      callAs: props.callAs ?? ORGANIZATION_DEFAULTS.callAs,
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      // Every account at once. SOFT_FAILURE_TOLERANCE keeps the concurrency at 100 % whatever fails,
      // and a tolerance of 100 % lets every account that can take the role get it: an account that
      // cannot is not read, and the dispatcher raises a blind alert for each of its regions.
      operationPreferences: {
        regionConcurrencyType: 'PARALLEL',
        concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        maxConcurrentPercentage: 100,
        failureTolerancePercentage: 100,
      },
      parameters: [{ parameterKey: 'WorkerRoleArn', parameterValue: this.workerRole.roleArn }],
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: ous.length > 0 ? ous : [props.rootId ?? ''] },
          // IAM is global: one region, the deployment region, creates the role.
          regions: [stack.region],
        },
      ],
      templateBody: JSON.stringify(memberRoleTemplate(this.memberRoleName, props.organizationId)),
    });

    this.addAlarms(detector, share.lagAlarmMinutes);
    this.acknowledgeNagFindings();
  }

  /**
   * The organization's tree, read from the security account (a delegated administrator) or the
   * management account. ListRoots and DescribeOrganization support no resource-level permissions
   * (Service Authorization Reference, AWS Organizations: no resource type), so they take Resource "*".
   * ListOrganizationalUnitsForParent and ListAccountsForParent take the root and organizational unit
   * resource types: they are held to this organization's roots and OUs, in any management account.
   */
  private grantReadOrganization(role: iam.Role, organizationId: string): void {
    const stack = Stack.of(this);
    const policy = new iam.Policy(this, 'ReadOrganizationPolicy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'DescribeOrganization',
          actions: ['organizations:DescribeOrganization', 'organizations:ListRoots'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'ListOrganizationTree',
          actions: ['organizations:ListAccountsForParent', 'organizations:ListOrganizationalUnitsForParent'],
          resources: [
            `arn:${stack.partition}:organizations::*:root/${organizationId}/r-*`,
            `arn:${stack.partition}:organizations::*:ou/${organizationId}/ou-*`,
          ],
        }),
      ],
    });
    role.attachInlinePolicy(policy);
    Validations.of(policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'organizations:ListRoots and organizations:DescribeOrganization support no resource-level permissions ' +
          '(Service Authorization Reference); AWS requires Resource "*" for them.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:${nagPartition(stack)}:organizations::*:root/${organizationId}/r-*]`,
        reason:
          "The organization's roots: their ARNs hold the management account's id, which the security account " +
          'does not know at synth; the organization id pins them.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:${nagPartition(stack)}:organizations::*:ou/${organizationId}/ou-*]`,
        reason:
          'Every organizational unit of this organization, at any depth: the dispatcher walks the tree; the ' +
          'organization id pins them.',
      },
    );
  }

  /**
   * sts:AssumeRole on the member role in any account, but only in this organization's accounts
   * (aws:ResourceOrgID is the organization of the account that owns the role being assumed).
   */
  private grantAssumeMemberRole(role: iam.Role, organizationId: string): void {
    const memberRoleArn = Stack.of(this).formatArn({
      service: 'iam',
      region: '',
      account: '*',
      resource: 'role',
      resourceName: this.memberRoleName,
    });
    const policy = new iam.Policy(this, 'AssumeMemberRolePolicy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'AssumeMemberRole',
          actions: ['sts:AssumeRole'],
          resources: [memberRoleArn],
          conditions: { StringEquals: { 'aws:ResourceOrgID': organizationId } },
        }),
      ],
    });
    role.attachInlinePolicy(policy);
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${nagPartition(Stack.of(this))}:iam::*:role/${this.memberRoleName}]`,
      reason:
        'The member role has the same name in every member account, and accounts join and leave the ' +
        'organization; aws:ResourceOrgID holds the role to accounts of this organization.',
    });
  }

  /** Dispatcher and worker failures, work given up, and member accounts falling behind. */
  private addAlarms(detector: TrailwatchDetector, lagThresholdMinutes: number): void {
    const period = Duration.minutes(5);
    const atLeastOne = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    detector.addAlarm(this, 'DispatcherErrorsAlarm', 'org-dispatcher-errors', {
      ...atLeastOne,
      alarmDescription:
        'trailwatch: the organization dispatcher failed; member accounts were not queued for this run.',
      metric: this.dispatcher.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
    });
    detector.addAlarm(this, 'WorkerErrorsAlarm', 'org-worker-errors', {
      ...atLeastOne,
      alarmDescription:
        'trailwatch: an organization worker invocation failed as a whole (its configuration, a crash or a ' +
        "timeout). A member account's own failures (its role missing, its Event history unreadable) are " +
        'reported per item instead: by its blind alert and the work dead-letter queue.',
      metric: this.worker.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
    });
    detector.addAlarm(this, 'WorkDeadLetterAlarm', 'org-work-dead-letters', {
      ...atLeastOne,
      alarmDescription:
        "trailwatch: a member account's work item failed three times and sits in the work dead-letter queue.",
      metric: this.workDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
    });
    // The workers' lag, the most behind of every member account and region. Missing data counts, as
    // for the detector's own lag alarms: workers that stopped reporting are blind.
    detector.addAlarm(this, 'MemberLagAlarm', 'org-member-lag', {
      alarmDescription: `trailwatch: a member account's events have not been fully processed for over ${lagThresholdMinutes} minutes.`,
      metric: new cloudwatch.Metric({
        namespace: 'Trailwatch',
        metricName: 'MemberLagSeconds',
        dimensionsMap: { StackName: detector.metricsId },
        period,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: lagThresholdMinutes * 60,
      // Half an hour, so that the catch-up after the first deployment does not alarm.
      evaluationPeriods: 6,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  private acknowledgeNagFindings(): void {
    for (const fn of [this.dispatcher, this.worker]) {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaTracing',
        reason:
          'Batch functions with a structured JSON summary log per run; X-Ray would add cost and xray:* ' +
          'permissions on Resource "*" for little insight.',
      });
    }
    Validations.of(this.dispatcher).acknowledge({
      id: 'Serverless-LambdaAsyncFailureDestination',
      reason:
        "Failed asynchronous invocations go to the detector's dead-letter queue (DeadLetterConfig), which is " +
        'alarmed; an on-failure destination as well would deliver each failure twice.',
    });
    Validations.of(this.worker).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'The worker is invoked synchronously by its SQS event source, where a function dead-letter queue never ' +
        "applies; a work item that keeps failing goes to the work queue's own dead-letter queue, which is alarmed.",
    });
    // The event source mapping is the worker's child.
    Validations.of(this.worker).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        "Lambda's on-failure destinations are for stream and Kafka event sources; for an SQS source the " +
        "queue's redrive policy (the work dead-letter queue, alarmed) holds the failed items.",
    });
    Validations.of(this.workDeadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        "This queue is itself the work queue's dead-letter queue; a dead work item is superseded by the next " +
        'run, so there is nothing to redrive, and its alarm reports it.',
    });
  }
}
