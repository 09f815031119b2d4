// The detector's CloudWatch dashboard (docs/integrations/dashboard.md). The metrics it shows are the
// ones the functions already emit (Embedded Metric Format) and AWS's own; the numbers that exist only
// in the run summary log line are read with CloudWatch Logs Insights widgets, not made into metrics.
import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SEVERITIES } from '../lambda/core/types';
import { type DetectorOutputs, OUTPUT_AGE_ALARM_SECONDS } from './outputs';

/** What the dashboard shows of the detector (TrailwatchDetector provides it). */
export interface DashboardSource {
  readonly function: lambda.Function;
  readonly deadLetterQueue: sqs.IQueue;
  readonly metricsId: string;
  readonly alarms: readonly cloudwatch.IAlarm[];
  metricLag(region: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

export interface DetectorDashboardProps {
  readonly detector: DashboardSource;
  readonly regions: readonly string[];
  readonly outputs?: DetectorOutputs;
  /** Organization mode: the dispatcher, the worker and the work dead-letter queue. */
  readonly organization?: {
    readonly dispatcher: lambda.Function;
    readonly worker: lambda.Function;
    readonly workDeadLetterQueue: sqs.IQueue;
  };
}

/**
 * The per-region counts of events read for the first time, by age band: lambda/handler.ts
 * FIRST_READ_METRICS (not imported: the handler module builds its runtime when loaded).
 */
export const FIRST_READ_METRIC_NAMES = [
  'EventsFirstReadUnder5Min',
  'EventsFirstRead5To15Min',
  'EventsFirstRead15To30Min',
  'EventsFirstRead30To60Min',
  'EventsFirstReadOver60Min',
] as const;

const PERIOD = Duration.minutes(5);
const WIDE = 12;
const HEIGHT = 6;

/** The run summary lines (lambda/run-report.ts logReport): one per run, in each function's log group. */
const RUN_SUMMARIES = 'filter message = "run summary"';

/**
 * The Logs Insights queries of the widgets, over the run summary line. Exported for the tests and
 * the docs: each names only fields `summarize()` writes.
 */
export const DASHBOARD_QUERIES = {
  findingsBySeverity: [
    RUN_SUMMARIES,
    `stats ${[...SEVERITIES]
      .reverse()
      .map((s) => `sum(findingsBySeverity.${s}) as ${s}`)
      .join(', ')} by bin(1h)`,
  ],
  alerts: [
    RUN_SUMMARIES,
    'stats sum(alertsSent) as sent, sum(digestsSent) as digests, sum(alertsFolded) as folded by bin(1h)',
  ],
  perRegion: [
    RUN_SUMMARIES,
    'fields jsonParse(@message) as summary',
    'unnest summary.regionDetails into r',
    'stats sum(r.events) as events, sum(r.unparseableEvents) as unparseable, sum(r.pages) as pages, ' +
      'max(r.lagMs) / 1000 as maxLagSeconds by r.region',
    'sort r.region asc',
  ],
  outbox: [
    RUN_SUMMARIES,
    'stats max(outbox.pendingFound) as pending, sum(outbox.delivered) as delivered, ' +
      'sum(outbox.failed) as failed, max(alertsSetAside) as setAside by bin(1h)',
  ],
} as const;

/** One dashboard per detector, named after its stack and construct so that two never collide. */
export class DetectorDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DetectorDashboardProps) {
    super(scope, id);
    const { detector, organization, outputs } = props;
    const regions = [...new Set(props.regions)];
    const metric = (metricName: string, dimensionsMap: Record<string, string>, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'Trailwatch',
        metricName,
        dimensionsMap: { StackName: detector.metricsId, ...dimensionsMap },
        period: PERIOD,
        statistic,
      });
    const label = (region: string) => (Token.isUnresolved(region) ? 'deployment region' : region);
    const logGroupNames = [detector.function, ...(organization ? [organization.worker] : [])].map(
      (fn) => fn.logGroup.logGroupName,
    );
    const query = (title: string, lines: readonly string[], view: cloudwatch.LogQueryVisualizationType) =>
      new cloudwatch.LogQueryWidget({
        title,
        logGroupNames,
        queryLines: [...lines],
        view,
        width: WIDE,
        height: HEIGHT,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
      periodOverride: cloudwatch.PeriodOverride.AUTO,
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms (to the health topic)',
        alarms: [...detector.alarms],
        width: 24,
        height: 3,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lag per region (seconds not yet fully processed)',
        left: [
          ...regions.map((region) => detector.metricLag(region, { period: PERIOD, label: label(region) })),
          ...(organization
            ? [metric('MemberLagSeconds', {}, cloudwatch.Stats.MAXIMUM).with({ label: 'member accounts' })]
            : []),
        ],
        width: WIDE,
        height: HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Events read for the first time, per region',
        // Metric ids are per graph: each region's five get ids of their own.
        left: regions.map(
          (region, r) =>
            new cloudwatch.MathExpression({
              expression: FIRST_READ_METRIC_NAMES.map((_, i) => `FILL(r${r}m${i}, 0)`).join(' + '),
              usingMetrics: Object.fromEntries(
                FIRST_READ_METRIC_NAMES.map((name, i) => [
                  `r${r}m${i}`,
                  metric(name, { Region: region }, cloudwatch.Stats.SUM),
                ]),
              ),
              label: label(region),
              period: PERIOD,
            }),
        ),
        width: WIDE,
        height: HEIGHT,
      }),
    );
    this.dashboard.addWidgets(
      query(
        'Findings by severity (run summaries)',
        DASHBOARD_QUERIES.findingsBySeverity,
        cloudwatch.LogQueryVisualizationType.BAR,
      ),
      query(
        'Alerts sent, digests, repeats folded (run summaries)',
        DASHBOARD_QUERIES.alerts,
        cloudwatch.LogQueryVisualizationType.BAR,
      ),
    );
    this.dashboard.addWidgets(
      query(
        'Per region: events read, unparseable events, pages, lag (run summaries)',
        DASHBOARD_QUERIES.perRegion,
        cloudwatch.LogQueryVisualizationType.TABLE,
      ),
      query('Outbox (run summaries)', DASHBOARD_QUERIES.outbox, cloudwatch.LogQueryVisualizationType.LINE),
    );
    const functions: Array<[string, lambda.IFunction]> = [
      ['detector', detector.function],
      ...(organization
        ? ([
            ['dispatcher', organization.dispatcher],
            ['worker', organization.worker],
          ] as Array<[string, lambda.IFunction]>)
        : []),
    ];
    const queues: Array<[string, sqs.IQueue]> = [
      ['dead-letter queue', detector.deadLetterQueue],
      ...(organization
        ? ([['work dead-letter queue', organization.workDeadLetterQueue]] as Array<[string, sqs.IQueue]>)
        : []),
      ...(outputs?.pagerDuty
        ? ([['PagerDuty dead-letter queue', outputs.pagerDuty.deadLetterQueue]] as Array<
            [string, sqs.IQueue]
          >)
        : []),
    ];
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Errors (Lambda)',
        left: functions.map(([name, fn]) =>
          fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: name }),
        ),
        width: WIDE,
        height: HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead letters (visible messages)',
        left: queues.map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: name,
          }),
        ),
        width: WIDE,
        height: HEIGHT,
      }),
    );
    const enabled = outputs?.enabled ?? [];
    const depth = new cloudwatch.GraphWidget({
      title: 'Outbox depth: alerts set aside, alerts waiting per output',
      left: [
        metric('AlertsSetAside', {}, cloudwatch.Stats.MAXIMUM).with({ label: 'set aside (SNS refused)' }),
        ...enabled.map((output) => outputs!.metricQueued(output, { label: `queued: ${output}` })),
      ],
      width: WIDE,
      height: HEIGHT,
    });
    if (outputs && enabled.length > 0) {
      this.dashboard.addWidgets(
        depth,
        new cloudwatch.GraphWidget({
          title: 'Oldest undelivered alert per output (seconds)',
          left: enabled.map((output) => outputs.metricOldestAge(output, { label: output })),
          leftAnnotations: [{ value: OUTPUT_AGE_ALARM_SECONDS, label: 'alarm' }],
          width: WIDE,
          height: HEIGHT,
        }),
      );
    } else {
      this.dashboard.addWidgets(depth);
    }
  }
}
