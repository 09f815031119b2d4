// The detector's own health alarms, each notifying the health topic through TrailwatchDetector.addAlarm.
import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** What the alarms need of the detector (TrailwatchDetector provides it). */
export interface AlarmedDetector extends Construct {
  readonly function: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  readonly metricsId: string;
  metricLag(region: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric;
  addAlarm(scope: Construct, id: string, nameSuffix: string, alarmProps: cloudwatch.AlarmProps): void;
}

/**
 * Detector health alarms, to the unfiltered health topic. Each is named, and its ARN built from its
 * name, so that the topic and key policies can name the alarms without referring to them: the
 * alarms refer to the topic, and the topic refers to the key, so a reference back would be a cycle.
 * Their ARNs, and those of the organization's alarms, go to the policies of the health topic and its key.
 */
export function addDetectorAlarms(
  detector: AlarmedDetector,
  regions: readonly string[],
  lagThresholdMinutes: number,
): void {
  const period = Duration.minutes(5);
  const addAlarm = (id: string, nameSuffix: string, alarmProps: cloudwatch.AlarmProps): void =>
    detector.addAlarm(detector, id, nameSuffix, alarmProps);

  addAlarm('ErrorsAlarm', 'errors', {
    alarmDescription: 'trailwatch: the detector function failed; alerts may be delayed until it recovers.',
    metric: detector.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  addAlarm('DeadLetterAlarm', 'dead-letters', {
    alarmDescription: 'trailwatch: a scheduled run or an alert delivery was given up and sits in the DLQ.',
    metric: detector.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
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
      dimensionsMap: { StackName: detector.metricsId },
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
      metric: detector.metricLag(region, { period }),
      threshold: lagThresholdMinutes * 60,
      // Half an hour, so that the catch-up after the first deployment does not alarm.
      evaluationPeriods: 6,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  });
}
