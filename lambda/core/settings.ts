// trailwatch's settings: every default and bound, stated once. The construct, the CDK context
// reader, the Lambda's configuration loader and the command line all read them here;
// test/unit/settings.test.ts fails if any of them disagrees.
import type { Severity } from './types';

/** A whole-number setting: its default and the bounds accepted, inclusive. */
export interface WholeNumberSetting {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** The Lambda environment variable that carries it, when the function reads it. */
  readonly env?: string;
}

/** Whole-number settings, keyed by their CDK context key. */
export const WHOLE_NUMBER_SETTINGS = {
  scheduleMinutes: { default: 5, min: 1, max: 1440, env: 'TRAILWATCH_SCHEDULE_MINUTES' },
  /** How far before the cursor each run reads again, for late events. */
  overlapMinutes: { default: 60, min: 5, max: 1440, env: 'TRAILWATCH_OVERLAP_MINUTES' },
  /** How soon after it becomes visible a late event is read again, at most (plus a run's reading time). */
  lateAlertMinutes: { default: 30, min: 1, max: 1440, env: 'TRAILWATCH_LATE_ALERT_MINUTES' },
  /** Where a region's first run starts: at most the 90 days Event history keeps. */
  initialLookbackMinutes: { default: 1440, min: 1, max: 129_600, env: 'TRAILWATCH_INITIAL_LOOKBACK_MINUTES' },
  /** The most new time one slice covers. */
  sliceMinutes: { default: 60, min: 1, max: 1440, env: 'TRAILWATCH_SLICE_MINUTES' },
  /** Idempotency records must outlive every re-read of their event: 2 days > the largest overlap. */
  alertRetentionDays: { default: 14, min: 2, max: 365, env: 'TRAILWATCH_ALERT_RETENTION_DAYS' },
  /** A cost ceiling: above what a run's time budget allows at 2 pages a second, so the budget decides. */
  maxPagesPerRun: { default: 600, min: 1, max: 10_000, env: 'TRAILWATCH_MAX_PAGES_PER_RUN' },
  maxAlertsPerRun: { default: 10, min: 1, max: 1000, env: 'TRAILWATCH_MAX_ALERTS_PER_RUN' },
  /** 0 turns folding off. */
  repeatWindowMinutes: { default: 60, min: 0, max: 1440, env: 'TRAILWATCH_REPEAT_WINDOW_MINUTES' },
  firstSeenLearningDays: { default: 7, min: 0, max: 90, env: 'TRAILWATCH_FIRST_SEEN_LEARNING_DAYS' },
  lagAlarmMinutes: { default: 30, min: 1, max: 1440 },
  memoryMb: { default: 256, min: 128, max: 10_240 },
  /** The default is shortened to leave a margin on schedules under 5 minutes (TIMEOUT_MARGIN_SECONDS). */
  timeoutSeconds: { default: 280, min: 1, max: 900 },
  /** Reserved concurrency is off unless set; when set, at least 1. */
  reservedConcurrency: { default: 0, min: 1, max: 100_000 },
  /** One of CloudWatch Logs' retentions (the context reader checks the value is one of them). */
  logRetentionDays: { default: 30, min: 1, max: 9999 },
} as const satisfies Record<string, WholeNumberSetting>;

export type WholeNumberSettingKey = keyof typeof WHOLE_NUMBER_SETTINGS;

/** Findings below this are not published by the deployed detector. */
export const DEFAULT_MIN_SEVERITY: Severity = 'high';

/** What each kind of subscriber receives unless its entry says otherwise. */
export const SUBSCRIBER_MIN_SEVERITY = {
  email: 'high',
  phone: 'critical',
  url: 'critical',
} as const satisfies Record<string, Severity>;

/** The margin the default timeout leaves before the next scheduled run. */
export const TIMEOUT_MARGIN_SECONDS = 20;

/** A run stops reading this long before its Lambda timeout, to save its cursor and log. */
export const SAFETY_MARGIN_MS = 20_000;

/** Outbox entries a run re-sends at most. */
export const MAX_OUTBOX_PER_RUN = 200;

/** The suppression list travels in the function's environment (4 KB in all): at most this, as compact JSON. */
export const MAX_SUPPRESSIONS_BYTES = 3072;

/** `trailwatch poll` and `scan`: what they show unless told otherwise. */
export const CLI_MIN_SEVERITY: Severity = 'medium';

/** `trailwatch poll --since`: the default, and Event history's reach. */
export const POLL_SINCE_DEFAULT = '24h';
export const EVENT_HISTORY_DAYS = 90;

/** `trailwatch poll --table`: how long such a run holds the detector's lease at most. */
export const TABLE_RUN_MINUTES = 10;

/** An AWS region code: `eu-west-1`. */
export const REGION_CODE = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** An SNS topic ARN in any partition. */
export const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/;
/** A DynamoDB table name. */
export const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** A comma-separated list of regions: trimmed, empties and repeats dropped, and those that are not region codes. */
export function splitRegions(text: string): { regions: string[]; invalid: string[] } {
  const regions = [
    ...new Set(
      text
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    ),
  ];
  return { regions, invalid: regions.filter((r) => !REGION_CODE.test(r)) };
}

/** A whole-number setting's problem, or undefined when `value` is within its bounds. */
export function wholeNumberProblem(key: WholeNumberSettingKey, value: number): string | undefined {
  const { min, max } = WHOLE_NUMBER_SETTINGS[key];
  return Number.isInteger(value) && value >= min && value <= max
    ? undefined
    : `is not a whole number from ${min} to ${max}`;
}
