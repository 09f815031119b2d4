/**
 * Reads trailwatch's CDK context (`cdk.json` "context" or `-c key=value`) into detector props.
 * Every problem is collected and reported in one Error, each line naming the key and the expected form.
 *
 * | Key | Default | Accepted values |
 * |---|---|---|
 * | `alertEmail` | none | email address(es): one, a comma-separated list, or a JSON array; each may end in `:<severity>` (default `:high`) |
 * | `alertPhone` | none | E.164 number(s) like `+15551234567`, list as above; each may end in `:<severity>` (default `:critical`) |
 * | `alertUrl` | none | `https://` URL(s), list as above; each may end in `:<severity>` (default `:critical`) |
 * | `scheduleMinutes` | `5` | whole number, 1..1440 |
 * | `regions` | deployment region + `us-east-1` | comma-separated list or JSON array of AWS commercial region codes |
 * | `overlapMinutes` | `60` | whole number, 5..1440 |
 * | `lateAlertMinutes` | `30` | whole number, 1..1440 |
 * | `initialLookbackMinutes` | `1440` | whole number, 1..129600 (90 days) |
 * | `minSeverity` | `high` | `info`, `low`, `medium`, `high` or `critical` |
 * | `alertRetentionDays` | `14` | whole number, 2..365 |
 * | `maxPagesPerRun` | `600` | whole number, 1..10000 |
 * | `maxAlertsPerRun` | `10` | whole number, 1..1000: individual messages per run; the rest go out as digests |
 * | `repeatWindowMinutes` | `60` | whole number, 0..1440: repeats of a finding in this window go out as one summary; 0 = off |
 * | `firstSeen` | `network,region,agent,api,volume` | `off`, or a list (as `regions`) of `network`, `region`, `agent`, `api`, `volume`: the anomaly checks turned on |
 * | `firstSeenLearningDays` | `7` | whole number, 0..90: days a principal is only learned before its novelties count |
 * | `memoryMb` | `256` | whole number, 128..10240 |
 * | `timeoutSeconds` | `280` (less on schedules under 5 minutes) | whole number, 1..900, shorter than the schedule |
 * | `logRetentionDays` | `30` | one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999 (never expire) |
 * | `removalPolicy` | `retain` | `retain` or `destroy` (table, log group, key) |
 * | `reservedConcurrency` | none | whole number >= 1; leave unset on accounts with a concurrency quota of 10 |
 * | `suppressionsFile` | none | path to a suppression list (docs/suppressions.md), validated here and at Lambda start |
 * | `organization` | `false` | `true` or `false`: watch a whole AWS Organization as well (docs/organization.md); `false` ignores the keys below |
 * | `organizationId` | none | required with `organization=true`: `o-` and 10 to 32 lowercase letters or digits |
 * | `organizationRootId` | none | `r-xxxx`; required when `organizationOus` is not set (the member-role StackSet targets it) |
 * | `organizationOus` | the whole organization | list (as `regions`) of `ou-...` ids: only their accounts are watched and get the member role |
 * | `organizationExclude` | none | list of 12-digit account ids never watched |
 * | `organizationRegions` | the detector's regions | list of AWS commercial region codes read in every member account |
 * | `organizationConcurrency` | `10` | whole number, 2..1000: workers at once (the work queue's maximum concurrency) |
 * | `memberRoleName` | `trailwatch-member-reader` | IAM role name (1 to 64 of letters, digits and `+=,.@_-`) of the member accounts' read-only role |
 * | `organizationCallAs` | `DELEGATED_ADMIN` | `DELEGATED_ADMIN` (from a StackSets delegated administrator) or `SELF` (from the management account) |
 * | `organizationIncludeManagement` | `false` | `true` also watches the management account, whose role you create by hand |
 * | `eventBus` | none | `default`, an EventBridge bus name or ARN: every alert, digest and repeat summary is put on it too (docs/integrations/eventbridge.md); `false` = off |
 * | `securityHub` | `false` | `true` imports every alerted finding into Security Hub (docs/integrations/security-hub.md) |
 * | `slackWorkspaceId`, `slackChannelId` | none | both or neither: a Slack channel through AWS Chatbot (docs/integrations/chat.md) |
 * | `teamsTenantId`, `teamsTeamId`, `teamsChannelId` | none | all three or none: a Microsoft Teams channel through AWS Chatbot |
 * | `chatMinSeverity` | `high` | a severity: the least severe alert posted to chat; only with a chat channel |
 * | `pagerDutyRoutingKeySecret` | none | Secrets Manager secret name or ARN holding a PagerDuty Events API v2 routing key; turns the bus output on (docs/integrations/pagerduty.md) |
 * | `pagerDutySeverities` | `critical` | list (as `regions`) of severities that page, each at or above `minSeverity`; only with `pagerDutyRoutingKeySecret` |
 * | `dashboard` | `false` | `true` adds a CloudWatch dashboard (docs/integrations/dashboard.md) |
 *
 * Severities: info < low < medium < high < critical; a recipient gets its severity and above.
 */
import { readFileSync } from 'node:fs';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { suppressionProblems } from '../lambda/compose';
import { FIRST_SEEN_DIMENSIONS, isFirstSeenDimension } from '../lambda/core/first-seen';
import {
  DEFAULT_MIN_SEVERITY,
  WHOLE_NUMBER_SETTINGS as SETTINGS,
  type WholeNumberSettingKey,
} from '../lambda/core/settings';
import { isSeverity, SEVERITIES, type Severity } from '../lambda/core/types';
import { readOutputs } from './context-outputs';
import {
  type ContextKey,
  isUnset,
  type Report,
  readList,
  readRegions,
  readWholeNumber,
} from './context-readers';
import type { AlertSubscriber, TrailwatchDetectorProps } from './detector';
import { readOrganization } from './organization-context';

export { COMMERCIAL_REGIONS, CONTEXT_KEYS, type ContextKey } from './context-readers';

const EMAIL = /^[^\s@:,]+@[^\s@:,]+\.[^\s@:,]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const SEVERITY_SUFFIX = /^(.*):(info|low|medium|high|critical)$/i;
const SEVERITY_HINT = `optionally followed by :<severity>, one of ${SEVERITIES.join('|')}`;
const LOG_RETENTION_DAYS: readonly number[] = Object.values(logs.RetentionDays).filter(
  (v): v is number => typeof v === 'number',
);

/** Validates the context and returns the detector props it sets; unset keys are left to the construct's defaults. */
export function readContext(
  get: (key: ContextKey) => unknown,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
  nowMs: number = Date.now(),
): TrailwatchDetectorProps {
  const problems: string[] = [];
  const report = (key: ContextKey, message: string): void => {
    problems.push(`${key}: ${message}`);
  };
  const int = (key: ContextKey & WholeNumberSettingKey): number | undefined =>
    readWholeNumber(key, get(key), SETTINGS[key], report);

  const alertEmails = readSubscribers('alertEmail', get('alertEmail'), report, (endpoint) =>
    EMAIL.test(endpoint)
      ? undefined
      : `is not an email address (expected name@example.com, ${SEVERITY_HINT})`,
  );
  const alertPhones = readSubscribers('alertPhone', get('alertPhone'), report, (endpoint) =>
    E164.test(endpoint)
      ? undefined
      : `is not an E.164 number (expected +<country><number>, e.g. +15551234567, ${SEVERITY_HINT})`,
  );
  const alertUrls = readSubscribers('alertUrl', get('alertUrl'), report, (endpoint) =>
    isHttpsUrl(endpoint) ? undefined : `is not an https URL (expected https://host/path, ${SEVERITY_HINT})`,
  );

  const scheduleMinutes = int('scheduleMinutes');
  const overlapMinutes = int('overlapMinutes');
  const lateAlertMinutes = int('lateAlertMinutes');
  const initialLookbackMinutes = int('initialLookbackMinutes');
  const alertRetentionDays = int('alertRetentionDays');
  const maxPagesPerRun = int('maxPagesPerRun');
  const maxAlertsPerRun = int('maxAlertsPerRun');
  const repeatWindowMinutes = int('repeatWindowMinutes');
  const firstSeenLearningDays = int('firstSeenLearningDays');
  const firstSeenRaw = get('firstSeen');
  const firstSeen =
    firstSeenRaw === 'off' ? [] : readList('firstSeen', firstSeenRaw, report)?.map((d) => d.toLowerCase());
  for (const dimension of firstSeen ?? []) {
    if (!isFirstSeenDimension(dimension)) {
      report(
        'firstSeen',
        `"${dimension}" is not a first-seen dimension (expected "off" or a list of ${FIRST_SEEN_DIMENSIONS.join(', ')})`,
      );
    }
  }
  const memoryMb = int('memoryMb');
  const timeoutSeconds = int('timeoutSeconds');
  const reservedConcurrency = int('reservedConcurrency');

  const effectiveSchedule = scheduleMinutes ?? SETTINGS.scheduleMinutes.default;
  if (timeoutSeconds !== undefined && timeoutSeconds >= effectiveSchedule * 60) {
    report(
      'timeoutSeconds',
      `${timeoutSeconds} is not shorter than the schedule of ${effectiveSchedule} minute(s) ` +
        `(expected at most ${effectiveSchedule * 60 - 1} seconds, or a longer scheduleMinutes)`,
    );
  }

  const regions = readRegions('regions', get('regions'), report);

  const minSeverity = readSeverity(get('minSeverity'), report);
  const logRetentionDays = int('logRetentionDays');
  if (logRetentionDays !== undefined && !LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    report(
      'logRetentionDays',
      `${logRetentionDays} is not a CloudWatch Logs retention (expected one of ${LOG_RETENTION_DAYS.join(', ')})`,
    );
  }
  const removalPolicy = readRemovalPolicy(get('removalPolicy'), report);
  const suppressions = readSuppressionsFile(get('suppressionsFile'), readFile, nowMs, report);
  const organization = readOrganization(get, report);
  const outputs = readOutputs(
    get,
    report,
    minSeverity ?? (isUnset(get('minSeverity')) ? DEFAULT_MIN_SEVERITY : undefined),
  );

  if (problems.length > 0) {
    throw new Error(`Invalid trailwatch context:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }

  return {
    alertEmails,
    alertPhones,
    alertUrls,
    schedule: scheduleMinutes === undefined ? undefined : Duration.minutes(scheduleMinutes),
    regions,
    overlap: overlapMinutes === undefined ? undefined : Duration.minutes(overlapMinutes),
    lateAlert: lateAlertMinutes === undefined ? undefined : Duration.minutes(lateAlertMinutes),
    initialLookback:
      initialLookbackMinutes === undefined ? undefined : Duration.minutes(initialLookbackMinutes),
    minSeverity,
    alertRetention: alertRetentionDays === undefined ? undefined : Duration.days(alertRetentionDays),
    maxPagesPerRun,
    maxAlertsPerRun,
    repeatWindow: repeatWindowMinutes === undefined ? undefined : Duration.minutes(repeatWindowMinutes),
    firstSeen: firstSeen?.filter(isFirstSeenDimension),
    firstSeenLearningPeriod:
      firstSeenLearningDays === undefined ? undefined : Duration.days(firstSeenLearningDays),
    memorySize: memoryMb,
    timeout: timeoutSeconds === undefined ? undefined : Duration.seconds(timeoutSeconds),
    logRetention: logRetentionDays as logs.RetentionDays | undefined,
    removalPolicy,
    reservedConcurrentExecutions: reservedConcurrency,
    suppressions,
    organization,
    ...outputs,
  };
}

/** Reads and validates the suppression list named by `suppressionsFile`; every problem names its entry. */
function readSuppressionsFile(
  value: unknown,
  readFile: (path: string) => string,
  nowMs: number,
  report: Report,
): unknown {
  if (isUnset(value)) return undefined;
  if (typeof value !== 'string') {
    report('suppressionsFile', 'is not a path (expected e.g. suppressions.json)');
    return undefined;
  }
  let document: unknown;
  try {
    document = JSON.parse(readFile(value));
  } catch (error) {
    report('suppressionsFile', `"${value}" could not be read as JSON (${(error as Error).message})`);
    return undefined;
  }
  const problems = suppressionProblems(document, nowMs);
  for (const problem of problems) report('suppressionsFile', `${value}: ${problem}`);
  return problems.length > 0 ? undefined : document;
}

/** The adapter the stack uses: the same reader over `node.tryGetContext`. */
export function readContextFrom(node: Node): TrailwatchDetectorProps {
  return readContext((key) => node.tryGetContext(key));
}

function readSubscribers(
  key: ContextKey,
  value: unknown,
  report: Report,
  problemWith: (endpoint: string) => string | undefined,
): AlertSubscriber[] | undefined {
  const items = readList(key, value, report);
  if (items === undefined) return undefined;
  const subscribers: AlertSubscriber[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    // Only a trailing known severity is a suffix: URLs carry ':' of their own.
    const match = SEVERITY_SUFFIX.exec(item);
    const endpoint = match?.[1] ?? item;
    const severity = match?.[2]?.toLowerCase();
    const problem = problemWith(endpoint);
    if (problem !== undefined) {
      report(key, `"${item}" ${problem}`);
    } else if (seen.has(endpoint)) {
      report(key, `"${endpoint}" is listed twice (expected each recipient once)`);
    } else {
      seen.add(endpoint);
      subscribers.push(isSeverity(severity) ? { endpoint, minSeverity: severity } : { endpoint });
    }
  }
  return subscribers;
}

function isHttpsUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && url.hostname !== '';
  } catch {
    return false;
  }
}

function readSeverity(value: unknown, report: Report): Severity | undefined {
  if (isUnset(value)) return undefined;
  const normalised = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (isSeverity(normalised)) return normalised;
  report(
    'minSeverity',
    `${JSON.stringify(value)} is not a severity (expected one of ${SEVERITIES.join(', ')})`,
  );
  return undefined;
}

function readRemovalPolicy(value: unknown, report: Report): RemovalPolicy | undefined {
  if (isUnset(value)) return undefined;
  const normalised = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (normalised === 'retain') return RemovalPolicy.RETAIN;
  if (normalised === 'destroy') return RemovalPolicy.DESTROY;
  report('removalPolicy', `${JSON.stringify(value)} is not a removal policy (expected retain or destroy)`);
  return undefined;
}
