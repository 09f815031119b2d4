// The props of TrailwatchDetector: every setting a host app may give, documented with its default.
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { FirstSeenDimension } from '../lambda/core/first-seen';
import type { Severity } from '../lambda/core/types';
import type { OrganizationWatchProps } from './organization-props';

/** An alert recipient: an email address, an E.164 phone number or an https URL. */
export interface AlertSubscriber {
  readonly endpoint: string;
  /**
   * Alerts below this severity are filtered out by SNS for this recipient.
   * @default - `high` for email, `critical` for SMS and https
   */
  readonly minSeverity?: Severity;
}

export interface TrailwatchDetectorProps {
  /**
   * Email recipients. Each must confirm the subscription from the email SNS sends.
   * @default - none
   */
  readonly alertEmails?: readonly AlertSubscriber[];
  /**
   * SMS recipients, E.164 numbers such as `+15551234567`.
   * @default - none
   */
  readonly alertPhones?: readonly AlertSubscriber[];
  /**
   * https endpoints. Each must confirm the subscription by visiting the SubscribeURL SNS posts.
   * @default - none
   */
  readonly alertUrls?: readonly AlertSubscriber[];
  /**
   * How often the detector runs; whole minutes, at least 1.
   * @default Duration.minutes(5)
   */
  readonly schedule?: Duration;
  /**
   * Regions whose CloudTrail event history is read.
   * @default - the stack's region and us-east-1 (where IAM, STS and console sign-in events land)
   */
  readonly regions?: readonly string[];
  /**
   * How far each window reaches back before the cursor, to catch events CloudTrail delivers late.
   * Whole minutes, 5 to 1440.
   * @default Duration.minutes(60)
   */
  readonly overlap?: Duration;
  /**
   * How soon after CloudTrail makes a late event visible it is read, at most (plus the time a run
   * takes to reach it): the spacing of the re-reads behind the cursor. A busy region re-reads its
   * overlap at this spacing instead of every run. Whole minutes, 1 to 1440.
   * @default Duration.minutes(30)
   */
  readonly lateAlert?: Duration;
  /**
   * Where the very first run of a region starts. Whole minutes, 1 to 129600 (90 days, the limit of Event history).
   * @default Duration.minutes(1440)
   */
  readonly initialLookback?: Duration;
  /**
   * Findings below this severity are not published at all.
   * @default 'high'
   */
  readonly minSeverity?: Severity;
  /**
   * How long alert idempotency records are kept in the table. Whole days, 2 to 365.
   * @default Duration.days(14)
   */
  readonly alertRetention?: Duration;
  /**
   * Upper bound of LookupEvents pages one run reads per region (1 to 10000); the rest waits for the
   * next run. A cost ceiling: the default is above the about 520 pages a run's time allows.
   * @default 600
   */
  readonly maxPagesPerRun?: number;
  /**
   * Individual alert messages per run (1 to 1000). A burst beyond it goes out as one digest
   * message per page, with the count and the top findings, instead of one page per finding.
   * @default 10
   */
  readonly maxAlertsPerRun?: number;
  /**
   * Repeats of a finding (same rule and subject, its dedup key) within this fixed window are
   * folded: the first is alerted at once, the rest go out as one summary message once the window
   * and the overlap have passed. Whole minutes, 0 (off) to 1440.
   * @default Duration.minutes(60)
   */
  readonly repeatWindow?: Duration;
  /**
   * Anomaly checks per principal: first seen (rule `anomaly.first-seen`) `network`, `region`,
   * `agent` (user-agent family) and `api` (a sensitive API's first call), and write `volume`
   * against the principal's own baseline (rule `anomaly.write-volume`). An empty list turns them off.
   * @default - all five
   */
  readonly firstSeen?: readonly FirstSeenDimension[];
  /**
   * How long after trailwatch first sees a principal its novelties and write volume start to count
   * (they are only learned until then). Whole days, 0 to 90.
   * @default Duration.days(7)
   */
  readonly firstSeenLearningPeriod?: Duration;
  /**
   * A region's lag (time not yet fully processed) above this raises its alarm on the health topic.
   * @default 30
   */
  readonly lagAlarmMinutes?: number;
  /**
   * Lambda memory in MB, 128 to 10240.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Lambda timeout; must be shorter than the schedule so that runs do not pile up.
   * @default - 280 seconds, or 20 seconds less than the schedule when that is shorter
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the table, the log group and the key when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Turns on DynamoDB deletion protection for the table.
   * @default false
   */
  readonly tableDeletionProtection?: boolean;
  /**
   * Reserved concurrency for the function. Off by default: accounts with a concurrency quota of 10
   * cannot reserve any, and overlapping runs are already kept apart by a lease in the table.
   * @default - none reserved
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * A suppression list (the JSON document described in docs/suppressions.md): reviewed exceptions,
   * each with a reason and optionally an expiry. Validated at synth and again at Lambda start.
   * It travels in the function's environment, so it must stay under 3 KB as compact JSON.
   * @default - no suppressions
   */
  readonly suppressions?: unknown;
  /**
   * Watch a whole AWS Organization as well (docs/organization.md): a dispatcher, a work queue and
   * workers that read every member account's Event history through a read-only role, which a
   * service-managed StackSet deploys. The detector itself is unchanged and keeps watching this account.
   * @default - this account only
   */
  readonly organization?: OrganizationWatchProps;
  /**
   * Whether the stack is trailwatch's own (TrailwatchStack sets it). In a host app's stack
   * (false): the stack's updates are that app's deployments, so the self-tamper rule does not
   * report UpdateStack or ExecuteChangeSet on it (its deletion, and any change to trailwatch's own
   * resources, still are); and the metrics carry a name of this detector's own
   * (`<stack>/<construct path>`, see `metricsId`), so that two detectors never share a series.
   * @default false
   */
  readonly dedicatedStack?: boolean;
  /**
   * An SNS topic of yours for the alerts. Subscriptions from `alertEmails`, `alertPhones` and
   * `alertUrls` are added to it, and the function may publish to it. Its access policy stays
   * yours: trailwatch adds no statement to it (with a topic of its own, it denies sns:Publish to
   * everyone but its functions). If it is encrypted with a customer managed key, pass the key as
   * `alertKey` so that the function may use it.
   * @default - a topic of its own, encrypted with `alertKey`
   */
  readonly alertTopic?: sns.ITopic;
  /**
   * The KMS key of the alert topic: the key trailwatch's own topic is encrypted with, or the key of
   * your `alertTopic`. The function may use it to publish; the self-tamper rule watches it.
   * @default - a key of its own for its own topic; none with your `alertTopic`
   */
  readonly alertKey?: kms.IKey;
  /**
   * A DynamoDB table of yours for the state: partition key `pk` and sort key `sk` (strings), TTL on
   * `expiresAt`, on-demand or with capacity for a run's writes. Share none of its keys with other
   * data: trailwatch writes items under `pk` values of its own (lease, cursor, alert, ...).
   * @default - a table of its own (on demand, point-in-time recovery, AWS-managed encryption)
   */
  readonly table?: dynamodb.ITable;
}
