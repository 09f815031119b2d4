// One StopLogging finding, rendered as the outputs receive it: the fixtures the outputs' tests share
// (bus, Security Hub, chat, and their adapters against the local servers).
import { normalizeRecord } from '../../lambda/core/event';
import type { ForwardItem } from '../../lambda/core/ports';
import type { Finding, JsonObject, RenderedAlert, Severity } from '../../lambda/core/types';

export const EVENT_ACCOUNT = '111122223333';
export const EVENT_TIME = '2026-03-01T10:00:00Z';

/** A successful StopLogging by the IAM user alice in us-east-1; `overrides` replace top-level fields. */
export function stopLoggingRecord(eventId: string, overrides: JsonObject = {}): JsonObject {
  return {
    eventVersion: '1.09',
    eventID: eventId,
    eventName: 'StopLogging',
    eventSource: 'cloudtrail.amazonaws.com',
    eventTime: EVENT_TIME,
    eventType: 'AwsApiCall',
    awsRegion: 'us-east-1',
    recipientAccountId: EVENT_ACCOUNT,
    sourceIPAddress: '203.0.113.9',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: { name: 'main' },
    responseElements: null,
    userIdentity: {
      type: 'IAMUser',
      userName: 'alice',
      arn: `arn:aws:iam::${EVENT_ACCOUNT}:user/alice`,
      accountId: EVENT_ACCOUNT,
      accessKeyId: 'AKIAEXAMPLEKEY123456',
    },
    ...overrides,
  };
}

/** The logging-stopped finding of that record; `meta` replaces the finding's own fields. */
export function stopLoggingFinding(
  eventId: string,
  overrides: JsonObject = {},
  meta: Partial<Finding> = {},
): Finding {
  const parsed = normalizeRecord(stopLoggingRecord(eventId, overrides));
  if (!parsed.ok) throw new Error(parsed.reason);
  return {
    ruleId: 'cloudtrail.logging-stopped',
    title: 'CloudTrail logging stopped',
    severity: 'critical',
    mitre: ['TA0005:T1562.008'],
    summary: 'alice stopped trail main.',
    runbook: 'Confirm with the caller; StartLogging; review what the caller did next.',
    reference: 'https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html',
    dedupKey: 'cloudtrail.logging-stopped:main',
    event: parsed.event,
    ...meta,
  };
}

/** The document SNS's HTTPS subscribers get, as an output's queue keeps it. */
export function documentOf(rendered: RenderedAlert): string {
  const https = (JSON.parse(rendered.message) as Record<string, string>).https;
  if (https === undefined) throw new Error('no https body');
  return https;
}

/** A queue entry holding `document`. */
export function forwardItem(document: string, key = 'e#r', severity: Severity = 'critical'): ForwardItem {
  return { key, severity, eventTimeMs: Date.parse(EVENT_TIME), document };
}
