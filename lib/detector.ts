import { ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FIRST_SEEN_DIMENSIONS, isFirstSeenDimension } from '../lambda/core/first-seen';
import {
  DEFAULT_MIN_SEVERITY,
  WHOLE_NUMBER_SETTINGS as SETTINGS,
  TIMEOUT_MARGIN_SECONDS,
} from '../lambda/core/settings';
import { DetectorDashboard } from './dashboard';
import { addDetectorAlarms } from './detector-alarms';
import { acknowledgeFunctionFindings, grantDetectorState, grantLookupEvents } from './detector-permissions';
import type { TrailwatchDetectorProps as DetectorBaseProps } from './detector-props';
import {
  assertValid,
  checkEnvironmentBudget,
  checkRange,
  checkSuppressions,
  environmentBytes,
  regionList,
  settingsEnvironment,
  wholeMinutes,
} from './detector-settings';
import { addSubscriptions, restrictPublishers } from './detector-topics';
import { trailwatchFunction } from './function';
import { OrganizationWatch } from './organization';
import { organizationProblems } from './organization-props';
import { anyOutput, DetectorOutputs } from './outputs';
import { type OutputsProps, outputsProblems } from './outputs-props';

export type { AlertSubscriber } from './detector-props';
export type {
  ChatOutputProps,
  OutputsProps,
  PagerDutyOutputProps,
  SlackChannel,
  TeamsChannel,
} from './outputs-props';

/** Every prop of TrailwatchDetector: lib/detector-props.ts, and the outputs' in lib/outputs-props.ts. */
export interface TrailwatchDetectorProps extends DetectorBaseProps, OutputsProps {}
export { atOrAbove } from './detector-settings';
export type { OrganizationCallAs, OrganizationWatchProps } from './organization-props';

/** The whole detector: schedule -> function -> table and topic, with its keys, DLQ and alarms. */
export class TrailwatchDetector extends Construct {
  /**
   * Encrypts the alert topic; the function may use it (to publish), CloudWatch may not. Undefined
   * with an `alertTopic` of yours and no `alertKey`.
   */
  public readonly key: kms.IKey | undefined;
  /**
   * Encrypts the health topic, and nothing else. A key of its own, so that disabling the alert key,
   * scheduling its deletion or rewriting its policy cannot also silence the alarms that would report
   * it. Its policy lets CloudWatch use it for this stack's alarms only; the function has no
   * permission on it (it never publishes health).
   */
  public readonly healthKey: kms.Key;
  /** Alerts. Only the function's role may publish to it. */
  public readonly topic: sns.ITopic;
  /**
   * Detector health (CloudWatch alarms). Separate from `topic` because alarm notifications carry no
   * message attributes, and SNS drops such messages for every subscription with a filter policy.
   * Only this stack's alarms may publish to it.
   */
  public readonly healthTopic: sns.Topic;
  public readonly table: dynamodb.ITable;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly function: lambda.Function;
  /** The schedule that starts every run: the function, and in organization mode the dispatcher too. */
  public readonly schedule: events.Rule;
  /** The organization fan-out, when `organization` is set. */
  public readonly organization?: OrganizationWatch;
  /** The outputs besides the alert topic (bus, Security Hub, chat, PagerDuty), when any is set. */
  public readonly outputs?: DetectorOutputs;
  /** The CloudWatch dashboard, with `dashboard: true`. */
  public readonly dashboard?: cloudwatch.Dashboard;

  /** Every alarm of this detector (and of its organization fan-out), all notifying the health topic. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  /**
   * The value of the `StackName` dimension of this detector's metrics: the stack's name in a
   * dedicated stack, `<stack>/<construct path>` when embedded in a host app's stack.
   */
  public readonly metricsId: string;

  private readonly alarmNamePrefix: string;
  /** False with an `alertTopic` of yours. */
  private readonly ownsTopic: boolean;
  private readonly alarmArns: string[] = [];
  private notifyHealth?: cloudwatchActions.SnsAction;

  constructor(scope: Construct, id: string, props: TrailwatchDetectorProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);

    const scheduleMinutes = wholeMinutes(props.schedule, SETTINGS.scheduleMinutes.default);
    const timeoutSeconds =
      props.timeout?.toSeconds() ??
      Math.min(SETTINGS.timeoutSeconds.default, scheduleMinutes * 60 - TIMEOUT_MARGIN_SECONDS);
    const overlapMinutes = wholeMinutes(props.overlap, SETTINGS.overlapMinutes.default);
    const lateAlertMinutes = wholeMinutes(props.lateAlert, SETTINGS.lateAlertMinutes.default);
    const initialLookbackMinutes = wholeMinutes(
      props.initialLookback,
      SETTINGS.initialLookbackMinutes.default,
    );
    const alertRetentionDays = props.alertRetention
      ? props.alertRetention.toSeconds() / 86400
      : SETTINGS.alertRetentionDays.default;
    const maxPagesPerRun = props.maxPagesPerRun ?? SETTINGS.maxPagesPerRun.default;
    const maxAlertsPerRun = props.maxAlertsPerRun ?? SETTINGS.maxAlertsPerRun.default;
    const repeatWindowMinutes = wholeMinutes(props.repeatWindow, SETTINGS.repeatWindowMinutes.default);
    const firstSeenDimensions = [...new Set(props.firstSeen ?? FIRST_SEEN_DIMENSIONS)];
    const learningDays = props.firstSeenLearningPeriod
      ? props.firstSeenLearningPeriod.toSeconds() / 86400
      : SETTINGS.firstSeenLearningDays.default;
    const memoryMb = props.memorySize ?? SETTINGS.memoryMb.default;
    const minSeverity = props.minSeverity ?? DEFAULT_MIN_SEVERITY;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const regions = props.regions ?? [stack.region, 'us-east-1'];
    const dedicated = props.dedicatedStack === true;
    this.ownsTopic = props.alertTopic === undefined;
    const pathInStack = this.node.path.split('/').slice(stack.node.path.split('/').length).join('/');
    this.metricsId = dedicated ? stack.stackName : `${stack.stackName}/${pathInStack}`;

    assertValid([
      ...checkRange('schedule (minutes)', scheduleMinutes, 'scheduleMinutes'),
      ...checkRange('overlap (minutes)', overlapMinutes, 'overlapMinutes'),
      ...checkRange('lateAlert (minutes)', lateAlertMinutes, 'lateAlertMinutes'),
      ...checkRange('initialLookback (minutes)', initialLookbackMinutes, 'initialLookbackMinutes'),
      ...checkRange('alertRetention (days)', alertRetentionDays, 'alertRetentionDays'),
      ...checkRange('maxPagesPerRun', maxPagesPerRun, 'maxPagesPerRun'),
      ...checkRange('maxAlertsPerRun', maxAlertsPerRun, 'maxAlertsPerRun'),
      ...checkRange('repeatWindow (minutes)', repeatWindowMinutes, 'repeatWindowMinutes'),
      ...checkRange('firstSeenLearningPeriod (days)', learningDays, 'firstSeenLearningDays'),
      ...firstSeenDimensions
        .filter((d) => !isFirstSeenDimension(d))
        .map(
          (d) => `firstSeen: "${String(d).slice(0, 40)}" is not one of ${FIRST_SEEN_DIMENSIONS.join(', ')}`,
        ),
      ...checkRange('memorySize (MB)', memoryMb, 'memoryMb'),
      ...checkRange('timeout (seconds)', timeoutSeconds, 'timeoutSeconds'),
      ...(timeoutSeconds >= scheduleMinutes * 60
        ? [`timeout (${timeoutSeconds} s) must be shorter than the schedule (${scheduleMinutes * 60} s)`]
        : []),
      ...(regions.length === 0 ? ['regions must name at least one region'] : []),
      ...(props.reservedConcurrentExecutions !== undefined &&
      !(Number.isInteger(props.reservedConcurrentExecutions) && props.reservedConcurrentExecutions >= 1)
        ? ['reservedConcurrentExecutions must be a whole number of at least 1']
        : []),
      ...checkSuppressions(props.suppressions),
      ...(props.organization ? organizationProblems(props.organization) : []),
      ...outputsProblems(props, minSeverity),
    ]);
    const suppressionsJson =
      props.suppressions === undefined ? undefined : JSON.stringify(props.suppressions);

    // Named up front: the function's environment names its own schedule, and a reference to the
    // rule would be circular (the rule already references the function).
    const scheduleRuleName = Names.uniqueResourceName(this, { maxLength: 55 }) + '-schedule';

    // Two keys, so that one DisableKey, ScheduleKeyDeletion or PutKeyPolicy cannot silence both the
    // alerts and the alarms that would report it. Their policies are completed by restrictPublishers().
    this.key =
      props.alertKey ??
      (props.alertTopic
        ? undefined
        : new kms.Key(this, 'Key', {
            description: 'trailwatch: encrypts the alert topic',
            enableKeyRotation: true,
            removalPolicy,
          }));
    this.healthKey = new kms.Key(this, 'HealthKey', {
      description: 'trailwatch: encrypts the health topic (CloudWatch alarms), apart from the alert key',
      enableKeyRotation: true,
      removalPolicy,
    });

    this.topic =
      props.alertTopic ??
      new sns.Topic(this, 'Topic', {
        displayName: 'trailwatch alerts',
        masterKey: this.key,
        enforceSSL: true,
      });

    this.healthTopic = new sns.Topic(this, 'HealthTopic', {
      displayName: 'trailwatch health',
      masterKey: this.healthKey,
      enforceSSL: true,
    });

    // SSE-SQS: SNS, EventBridge and Lambda can all write to it without a key policy of their own.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    addSubscriptions(
      { topic: this.topic, healthTopic: this.healthTopic, deadLetterQueue: this.deadLetterQueue },
      props,
    );

    this.table =
      props.table ??
      new dynamodb.Table(this, 'Table', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: 'expiresAt',
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        deletionProtection: props.tableDeletionProtection ?? false,
        removalPolicy,
      });

    // Before the functions: they publish to the outputs, so their variables and grants come from here.
    const outputs = anyOutput(props)
      ? new DetectorOutputs(this, 'Outputs', { ...props, removalPolicy })
      : undefined;
    this.outputs = outputs;
    if (outputs && !props.organization) {
      assertValid(
        checkEnvironmentBudget('detector', environmentBytes(outputs.environment), props.suppressions),
      );
    }

    // The detector function's variables; the organization's dispatcher and worker start from the same.
    const environment: Record<string, string> = {
      // The whole-number settings under the variable names the settings give them.
      ...settingsEnvironment({
        scheduleMinutes,
        overlapMinutes,
        lateAlertMinutes,
        initialLookbackMinutes,
        alertRetentionDays,
        maxPagesPerRun,
        maxAlertsPerRun,
        repeatWindowMinutes,
        firstSeenLearningDays: learningDays,
      }),
      TRAILWATCH_TABLE_NAME: this.table.tableName,
      TRAILWATCH_TOPIC_ARN: this.topic.topicArn,
      TRAILWATCH_REGIONS: regionList(regions),
      TRAILWATCH_MIN_SEVERITY: minSeverity,
      TRAILWATCH_FIRST_SEEN: firstSeenDimensions.length === 0 ? 'off' : firstSeenDimensions.join(','),
      // trailwatch's own resources, so that tampering with them is recognised; the function and
      // its log group are named by Lambda's own AWS_LAMBDA_FUNCTION_NAME / _LOG_GROUP_NAME.
      TRAILWATCH_STACK_NAME: stack.stackName,
      ...(this.key ? { TRAILWATCH_KEY_ARN: this.key.keyArn } : {}),
      TRAILWATCH_HEALTH_KEY_ARN: this.healthKey.keyArn,
      TRAILWATCH_QUEUE_NAME: this.deadLetterQueue.queueName,
      TRAILWATCH_SCHEDULE_RULE_NAME: scheduleRuleName,
      // Embedded in a host app's stack: its deployments update the stack, and its metrics are its own.
      ...(dedicated ? {} : { TRAILWATCH_STACK_UPDATES: 'expected', TRAILWATCH_METRICS_ID: this.metricsId }),
      ...(suppressionsJson ? { TRAILWATCH_SUPPRESSIONS: suppressionsJson } : {}),
      ...outputs?.environment,
    };
    const logRetention = props.logRetention ?? (SETTINGS.logRetentionDays.default as logs.RetentionDays);

    const detector = trailwatchFunction(this, {
      ids: { logGroup: 'LogGroup', role: 'Role', function: 'Function' },
      entry: 'handler.ts',
      description: 'trailwatch: scores new CloudTrail management events and publishes alerts',
      roleDescription: 'trailwatch detector function',
      memorySize: memoryMb,
      timeoutSeconds,
      logRetention,
      removalPolicy,
      // A copy: the function adds the organization's variables to its own later.
      environment: { ...environment },
      grant: (role) => {
        this.grantDetectorState(role);
        grantLookupEvents(this, role);
      },
      deadLetterQueue: this.deadLetterQueue,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    });
    this.function = detector.fn;

    this.schedule = new events.Rule(this, 'Schedule', {
      ruleName: scheduleRuleName,
      description: `trailwatch: run the detector every ${scheduleMinutes} minute(s)`,
      schedule: events.Schedule.rate(Duration.minutes(scheduleMinutes)),
      targets: [
        new targets.LambdaFunction(this.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    // Unique per stack and construct, like the schedule rule's name; alarm names may be 255 characters.
    this.alarmNamePrefix = Names.uniqueResourceName(this, { maxLength: 64 });
    const lagAlarmMinutes = props.lagAlarmMinutes ?? SETTINGS.lagAlarmMinutes.default;
    addDetectorAlarms(this, [...new Set(regions)], lagAlarmMinutes);

    const publishers: iam.IRole[] = [detector.role];
    if (props.organization) {
      this.organization = new OrganizationWatch(this, 'Organization', {
        ...props.organization,
        detector: {
          environment,
          regions,
          memorySize: memoryMb,
          timeoutSeconds,
          logRetention,
          removalPolicy,
          lagAlarmMinutes,
          suppressions: props.suppressions,
          outputEnvironment: outputs?.environment,
        },
      });
      publishers.push(this.organization.dispatcherRole, this.organization.workerRole);
      for (const [name, value] of Object.entries(this.organization.selfEnvironment)) {
        this.function.addEnvironment(name, value);
      }
    }
    outputs?.addAlarms();
    if (props.dashboard === true) {
      this.dashboard = new DetectorDashboard(this, 'Dashboard', {
        detector: this,
        regions,
        outputs,
        organization: this.organization,
      }).dashboard;
    }
    restrictPublishers(
      this,
      {
        topic: this.ownsTopic ? this.topic : undefined,
        healthTopic: this.healthTopic,
        healthKey: this.healthKey,
        chatTopic: outputs?.chat?.topic,
      },
      publishers,
      this.alarmArns,
    );
    acknowledgeFunctionFindings(this.function, this.deadLetterQueue);
  }

  /**
   * What every trailwatch function needs to keep its state and publish alerts: the table's item
   * actions, sns:Publish on the alert topic and its key, and each output's one action when it is on.
   * Every action named, each on the one resource it needs.
   */
  public grantDetectorState(grantee: iam.IGrantable): void {
    grantDetectorState(grantee, this);
    this.outputs?.grant(grantee);
  }

  /**
   * How far a region's fully processed time trails the clock, in seconds (the lag alarms' metric):
   * the maximum over each period by default.
   */
  public metricLag(region: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'Trailwatch',
      metricName: 'LagSeconds',
      dimensionsMap: { StackName: this.metricsId, Region: region },
      period: Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
      ...options,
    });
  }

  /**
   * A named alarm that notifies the health topic, its ARN remembered for the policies of the health
   * topic and its key (see addAlarms). `nameSuffix` follows this construct's unique name.
   */
  public addAlarm(scope: Construct, id: string, nameSuffix: string, alarmProps: cloudwatch.AlarmProps): void {
    const alarmName = `${this.alarmNamePrefix}-${nameSuffix}`;
    this.notifyHealth ??= new cloudwatchActions.SnsAction(this.healthTopic);
    const alarm = new cloudwatch.Alarm(scope, id, { ...alarmProps, alarmName });
    alarm.addAlarmAction(this.notifyHealth);
    this.alarms.push(alarm);
    this.alarmArns.push(
      Stack.of(this).formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: alarmName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
  }
}
