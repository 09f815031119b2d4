// The outputs besides the SNS alert topic (docs/integrations/): what each needs in the functions'
// environment and roles, the resources it brings (the chat topic and channels, the PagerDuty path),
// and an alarm per output on the age of its oldest undelivered alert.
import { ArnFormat, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { Severity } from '../lambda/core/types';
import { ChatChannels } from './chat';
import {
  CHAT_DEFAULT_MIN_SEVERITY,
  type OutputMetricName,
  type OutputsProps,
  PAGERDUTY_DEFAULT_SEVERITIES,
} from './outputs-props';
import { PagerDutyRouting } from './pagerduty';

/** What the outputs need of the detector (TrailwatchDetector provides it). */
export interface OutputsHost extends Construct {
  /** The alert key, which the chat topic shares when there is one. */
  readonly key: kms.IKey | undefined;
  readonly metricsId: string;
  addAlarm(scope: Construct, id: string, nameSuffix: string, alarmProps: cloudwatch.AlarmProps): void;
}

/** The age (seconds) of an output's oldest undelivered alert above which its alarm goes off: three 5-minute runs. */
export const OUTPUT_AGE_ALARM_SECONDS = 900;

/** Whether any output (or the dashboard's companion, none) is on: without one, nothing is added. */
export function anyOutput(props: OutputsProps): boolean {
  return (
    props.eventBus !== undefined ||
    props.securityHub === true ||
    props.chat !== undefined ||
    props.pagerDuty !== undefined
  );
}

/**
 * The outputs that are on. Created by TrailwatchDetector before its functions, whose environment
 * (`environment`) and roles (`grant`) it completes; every trailwatch function (the detector, and in
 * organization mode the dispatcher and the worker) publishes alerts, so each gets the same.
 */
export class DetectorOutputs extends Construct {
  /** The functions' variables the runtime reads (TRAILWATCH_EVENT_BUS, ...). */
  public readonly environment: Readonly<Record<string, string>>;
  /** The outputs that are on, by the `Output` dimension of their metrics. */
  public readonly enabled: readonly OutputMetricName[];
  /** The bus's ARN (PutEvents is granted on it), when the bus output is on. */
  public readonly eventBusArn?: string;
  /** The account's default Security Hub product, when the Security Hub output is on. */
  public readonly securityHubProductArn?: string;
  public readonly chat?: ChatChannels;
  public readonly pagerDuty?: PagerDutyRouting;

  private readonly host: OutputsHost;

  constructor(
    scope: OutputsHost,
    id: string,
    props: OutputsProps & { readonly removalPolicy: RemovalPolicy },
  ) {
    super(scope, id);
    this.host = scope;
    const stack = Stack.of(this);
    const environment: Record<string, string> = {};
    const enabled: OutputMetricName[] = [];

    // PagerDuty rides on the bus: it turns the bus output on, on the default bus unless one is given.
    const busProp = props.eventBus ?? (props.pagerDuty ? 'default' : undefined);
    let rulesBus: events.IEventBus | undefined;
    if (busProp !== undefined) {
      if (typeof busProp === 'string') {
        const isArn = busProp.startsWith('arn:');
        environment.TRAILWATCH_EVENT_BUS = busProp;
        this.eventBusArn = isArn
          ? busProp
          : stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: busProp });
        if (!isArn && busProp !== 'default')
          rulesBus = events.EventBus.fromEventBusName(this, 'Bus', busProp);
      } else {
        environment.TRAILWATCH_EVENT_BUS = busProp.eventBusArn;
        this.eventBusArn = busProp.eventBusArn;
        rulesBus = busProp;
      }
      enabled.push('eventBus');
    }
    if (props.securityHub === true) {
      this.securityHubProductArn = stack.formatArn({
        service: 'securityhub',
        resource: 'product',
        resourceName: `${stack.account}/default`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
      environment.TRAILWATCH_SECURITY_HUB_PRODUCT_ARN = this.securityHubProductArn;
      enabled.push('securityHub');
    }
    if (props.chat) {
      this.chat = new ChatChannels(this, 'Chat', {
        ...props.chat,
        key: scope.key,
        removalPolicy: props.removalPolicy,
      });
      environment.TRAILWATCH_CHAT_TOPIC_ARN = this.chat.topic.topicArn;
      environment.TRAILWATCH_CHAT_MIN_SEVERITY = props.chat.minSeverity ?? CHAT_DEFAULT_MIN_SEVERITY;
      enabled.push('chat');
    }
    if (props.pagerDuty) {
      this.pagerDuty = new PagerDutyRouting(this, 'PagerDuty', {
        routingKeySecret: props.pagerDuty.routingKeySecret,
        severities: [...(props.pagerDuty.severities ?? PAGERDUTY_DEFAULT_SEVERITIES)] as Severity[],
        eventBus: rulesBus,
      });
    }
    this.environment = environment;
    this.enabled = enabled;
    this.acknowledgeNagFindings();
  }

  /**
   * What a function needs to deliver to the outputs that are on, every action named on the one
   * resource it needs: events:PutEvents on the bus, securityhub:BatchImportFindings on the account's
   * default product, sns:Publish on the chat topic (and the chat key, when it is not the alert key,
   * which grantDetectorState already covers).
   */
  public grant(grantee: iam.IGrantable): void {
    const add = (sid: string, actions: string[], resource: string) =>
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid, actions, resources: [resource] }),
      );
    if (this.eventBusArn) add('PutAlertEvents', ['events:PutEvents'], this.eventBusArn);
    if (this.securityHubProductArn) {
      add('ImportFindings', ['securityhub:BatchImportFindings'], this.securityHubProductArn);
    }
    const chat = this.chat;
    if (chat) {
      add('PublishChat', ['sns:Publish'], chat.topic.topicArn);
      if (chat.key !== this.host.key)
        add('UseChatTopicKey', ['kms:Decrypt', 'kms:GenerateDataKey'], chat.key.keyArn);
    }
  }

  /** The age of the output's oldest alert not yet delivered (emitted while the output is on). */
  public metricOldestAge(
    output: OutputMetricName,
    options: cloudwatch.MetricOptions = {},
  ): cloudwatch.Metric {
    return this.outputMetric('OutputOldestAgeSeconds', output, cloudwatch.Stats.MAXIMUM, options);
  }

  /** How many alerts wait for the output. */
  public metricQueued(output: OutputMetricName, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.outputMetric('OutputQueued', output, cloudwatch.Stats.MAXIMUM, options);
  }

  /**
   * One alarm per output that is on, on its oldest undelivered alert, and one on the PagerDuty
   * dead-letter queue; all through the detector's addAlarm, to the health topic. Missing data is not
   * breaching: the runtime emits the metrics only while the output is on and has run.
   */
  public addAlarms(): void {
    const names: Record<OutputMetricName, { id: string; suffix: string; text: string }> = {
      eventBus: { id: 'EventBusAgeAlarm', suffix: 'output-event-bus', text: 'the EventBridge bus' },
      securityHub: { id: 'SecurityHubAgeAlarm', suffix: 'output-security-hub', text: 'Security Hub' },
      chat: { id: 'ChatAgeAlarm', suffix: 'output-chat', text: 'the chat topic' },
    };
    for (const output of this.enabled) {
      const { id, suffix, text } = names[output];
      this.host.addAlarm(this, id, suffix, {
        alarmDescription:
          `trailwatch: an alert has waited over ${OUTPUT_AGE_ALARM_SECONDS / 60} minutes for ${text}; ` +
          "its deliveries keep failing (see the function's log). The SNS alerts are not held up.",
        metric: this.metricOldestAge(output),
        threshold: OUTPUT_AGE_ALARM_SECONDS,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    const pagerDuty = this.pagerDuty;
    if (pagerDuty) {
      this.host.addAlarm(this, 'PagerDutyDeadLetterAlarm', 'pagerduty-dead-letters', {
        alarmDescription:
          'trailwatch: EventBridge gave up delivering a page to PagerDuty (refused, or not accepted within ' +
          'an hour); the bus event sits in the PagerDuty dead-letter queue with the error in its attributes.',
        metric: pagerDuty.metricDeadLetters(),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
  }

  private outputMetric(
    metricName: string,
    output: OutputMetricName,
    statistic: string,
    options: cloudwatch.MetricOptions,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'Trailwatch',
      metricName,
      dimensionsMap: { StackName: this.host.metricsId, Output: output },
      period: Duration.minutes(5),
      statistic,
      ...options,
    });
  }

  private acknowledgeNagFindings(): void {
    const pagerDuty = this.pagerDuty;
    if (pagerDuty) {
      Validations.of(pagerDuty.deadLetterQueue).acknowledge(
        {
          id: 'Serverless-SQSRedrivePolicy',
          reason:
            'This queue is itself the dead-letter queue of the PagerDuty rules; nothing consumes it, and its ' +
            'alarm reports every page it holds.',
        },
        {
          id: 'AwsSolutions-SQS3',
          reason:
            "This queue is the dead-letter queue of the PagerDuty rules' targets (their DeadLetterConfig), which " +
            'the rule does not recognise as a use; a dead-letter queue of its own would hold nothing.',
        },
      );
    }
  }
}
