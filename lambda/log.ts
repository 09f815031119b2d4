// One JSON object per line on stdout: CloudWatch Logs Insights reads the fields directly.
// The level threshold follows the function's logging config (AWS_LAMBDA_LOG_LEVEL).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<string, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };

function threshold(): number {
  return RANK[(process.env.AWS_LAMBDA_LOG_LEVEL ?? 'INFO').toUpperCase()] ?? RANK.INFO!;
}

export function logJson(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  if ((RANK[level.toUpperCase()] ?? 0) < threshold()) return;
  process.stdout.write(
    `${JSON.stringify({ level, message, ...fields, timestamp: new Date().toISOString() })}\n`,
  );
}

/** CloudWatch metric namespace of the detector's metrics (Embedded Metric Format, no API call needed). */
export const METRIC_NAMESPACE = 'Trailwatch';

/**
 * One Embedded Metric Format line: CloudWatch turns `metric` (one of `values`) into a metric with
 * the named dimensions, each of which is a key of `values` or `StackName`.
 */
export function emitMetric(
  stackName: string,
  nowMs: number,
  dimensions: readonly string[],
  metric: string,
  unit: string,
  values: Record<string, string | number>,
): void {
  if (process.env.TRAILWATCH_METRICS === 'off') return;
  process.stdout.write(
    `${JSON.stringify({
      _aws: {
        Timestamp: nowMs,
        CloudWatchMetrics: [
          { Namespace: METRIC_NAMESPACE, Dimensions: [dimensions], Metrics: [{ Name: metric, Unit: unit }] },
        ],
      },
      StackName: stackName,
      ...values,
    })}\n`,
  );
}
