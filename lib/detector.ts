import { ArnFormat, Duration, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FIRST_SEEN_DIMENSIONS, isFirstSeenDimension } from '../lambda/core/first-seen';
import {
  DEFAULT_MIN_SEVERITY,
  WHOLE_NUMBER_SETTINGS as SETTINGS,
  SUBSCRIBER_MIN_SEVERITY,
  TIMEOUT_MARGIN_SECONDS,
} from '../lambda/core/settings';
import type { Severity } from '../lambda/core/types';
import type { AlertSubscriber, TrailwatchDetectorProps } from './detector-props';
import {
  assertValid,
  atOrAbove,
  checkRange,
  checkSuppressions,
  regionList,
  settingsEnvironment,
  wholeMinutes,
} from './detector-settings';
import { trailwatchFunction } from './function';
import { OrganizationWatch } from './organization';
import { organizationProblems } from './organization-props';

export type { AlertSubscriber, TrailwatchDetectorProps } from './detector-props';
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

    this.addSubscriptions(props);

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
        this.grantLookupEvents(role);
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
    this.addAlarms([...new Set(regions)], lagAlarmMinutes);

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
        },
      });
      publishers.push(this.organization.dispatcherRole, this.organization.workerRole);
      for (const [name, value] of Object.entries(this.organization.selfEnvironment)) {
        this.function.addEnvironment(name, value);
      }
    }
    this.restrictPublishers(publishers, this.alarmArns);
    this.acknowledgeNagFindings();
  }

  private addSubscriptions(props: TrailwatchDetectorProps): void {
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
        const subscription = this.topic.addSubscription(
          make(subscriber.endpoint, {
            filterPolicy: {
              severity: sns.SubscriptionFilter.stringFilter({ allowlist: atOrAbove(minimum) }),
            },
            // Deliveries SNS gives up on land here too, and the DLQ alarm reports them.
            deadLetterQueue: this.deadLetterQueue,
          }),
        );
        afterAdd?.(subscription);
        // Health alarms go to every recipient, unfiltered: a blind detector matters at any severity.
        const health = this.healthTopic.addSubscription(
          make(subscriber.endpoint, { deadLetterQueue: this.deadLetterQueue }),
        );
        afterAdd?.(health);
      }
    };
    add(
      props.alertEmails,
      SUBSCRIBER_MIN_SEVERITY.email,
      (e, o) => new subscriptions.EmailSubscription(e, o),
    );
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
   * What every trailwatch function needs to keep its state and publish alerts: the table's item
   * actions, sns:Publish on the alert topic, and the alert key for it. Every action named, each on the
   * one resource it needs.
   */
  public grantDetectorState(grantee: iam.IGrantable): void {
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
        resources: [this.table.tableArn],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishAlerts',
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
    );
    if (this.key) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'UseTopicKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [this.key.keyArn],
        }),
      );
    }
  }

  /** Event history of this account, for the detector function only. */
  private grantLookupEvents(role: iam.Role): void {
    // Kept in a policy of its own so that the IAM5 acknowledgement covers this statement only.
    const lookupPolicy = new iam.Policy(this, 'LookupEventsPolicy', {
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

  /**
   * Detector health alarms, to the unfiltered health topic. Each is named, and its ARN built from its
   * name, so that the topic and key policies can name the alarms without referring to them: the
   * alarms refer to the topic, and the topic refers to the key, so a reference back would be a cycle.
   * Their ARNs, and those of the organization's alarms, go to the policies of the health topic and its key.
   */
  private addAlarms(regions: readonly string[], lagThresholdMinutes: number): void {
    const period = Duration.minutes(5);
    const addAlarm = (id: string, nameSuffix: string, alarmProps: cloudwatch.AlarmProps): void =>
      this.addAlarm(this, id, nameSuffix, alarmProps);

    addAlarm('ErrorsAlarm', 'errors', {
      alarmDescription: 'trailwatch: the detector function failed; alerts may be delayed until it recovers.',
      metric: this.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    addAlarm('DeadLetterAlarm', 'dead-letters', {
      alarmDescription: 'trailwatch: a scheduled run or an alert delivery was given up and sits in the DLQ.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // An alert SNS refused for good is kept in the table, not lost; the function counts it in an
    // Embedded Metric Format line, and this alarm says so on the health topic, whose key is not the
    // alert key (a disabled alert key is one way to get there).
    addAlarm('AlertsSetAsideAlarm', 'alerts-set-aside', {
      alarmDescription:
        'trailwatch: an alert was refused for good by SNS (or could not be read back) and was set aside ' +
        "in the table; see the function's log for its alert id.",
      metric: new cloudwatch.Metric({
        namespace: 'Trailwatch',
        metricName: 'AlertsSetAside',
        dimensionsMap: { StackName: this.metricsId },
        period,
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // One lag alarm per region: a region whose lookups keep failing (or a detector that stopped
    // running: missing data counts) alarms once, on the state change, not on every run.
    regions.forEach((region, index) => {
      // The stack's own region is a token in an environment-agnostic stack, and may turn out to be
      // us-east-1 as well: a name of its own keeps the two alarm names apart.
      const nameSuffix = Token.isUnresolved(region) ? 'lag-deployment-region' : `lag-${region}`;
      addAlarm(`LagAlarm${index}`, nameSuffix, {
        alarmDescription: `trailwatch: events in ${region} have not been fully processed for over ${lagThresholdMinutes} minutes.`,
        metric: this.metricLag(region, { period }),
        threshold: lagThresholdMinutes * 60,
        // Half an hour, so that the catch-up after the first deployment does not alarm.
        evaluationPeriods: 6,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
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
  private restrictPublishers(publishers: readonly iam.IRole[], alarmArns: readonly string[]): void {
    const stack = Stack.of(this);
    const fromTheseAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnEquals: { 'aws:SourceArn': [...alarmArns] },
    };
    // A topic of yours keeps its own policy: denying everyone else would cut off its other publishers.
    if (this.ownsTopic)
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OnlyTheDetectorMayPublish',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: {
            ArnNotEquals: {
              'aws:PrincipalArn':
                publishers.length === 1 ? publishers[0]?.roleArn : publishers.map((r) => r.roleArn),
            },
          },
        }),
      );
    this.healthTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisStacksAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.healthTopic.topicArn],
        conditions: fromTheseAlarms,
      }),
    );
    this.healthTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyThisStacksAlarmsMayPublish',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.healthTopic.topicArn],
        conditions: { ArnNotEquals: { 'aws:SourceArn': [...alarmArns] } },
      }),
    );
    this.healthKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisStacksAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: fromTheseAlarms,
      }),
    );
  }

  /** Findings that are by design, each with the reason; placed here so every user of the construct gets them. */
  private acknowledgeNagFindings(): void {
    Validations.of(this.function).acknowledge(
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
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is itself the dead-letter queue of the function, the schedule and the subscriptions; ' +
        'nothing consumes it, so there is nothing to redrive.',
    });
  }
}
