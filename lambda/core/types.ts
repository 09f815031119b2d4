// The detector's vocabulary. Pure types: no AWS SDK, no environment, no clock.

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Rank used for comparisons: critical > high > medium > low > info. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

export function atLeast(severity: Severity, minimum: Severity): boolean {
  return severityRank(severity) >= severityRank(minimum);
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Who made the call, read defensively from `userIdentity`. Every field may be empty. */
export interface Actor {
  /** `Root`, `IAMUser`, `AssumedRole`, `FederatedUser`, `AWSService`, `IdentityCenterUser`, ... or ''. */
  readonly type: string;
  readonly arn: string;
  readonly accountId: string;
  readonly principalId: string;
  /** IAM user name, or the role session name for assumed roles; '' when unknown. */
  readonly userName: string;
  readonly accessKeyId: string;
  /** For assumed roles and federated users: the role (or user) that issued the session. */
  readonly sessionIssuerArn: string;
  readonly sessionIssuerType: string;
  /** `sessionContext.attributes.mfaAuthenticated === "true"`. */
  readonly mfaAuthenticated: boolean;
  /** Set when an AWS service made the call on the principal's behalf (`userIdentity.invokedBy`). */
  readonly invokedBy: string;
}

/**
 * One CloudTrail management event, normalised so that rules never meet a missing field or
 * a field of the wrong type. Every string here is attacker-controlled text: render it
 * through `sanitize` before it reaches a message.
 */
export interface TrailEvent {
  readonly eventId: string;
  readonly eventName: string;
  readonly eventSource: string;
  /** ISO-8601 as recorded; '' if absent. */
  readonly eventTime: string;
  /** Milliseconds since the epoch; NaN when eventTime is absent or unparseable. */
  readonly eventTimeMs: number;
  readonly eventType: string;
  readonly awsRegion: string;
  readonly recipientAccountId: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  /** '' when the call succeeded. */
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly readOnly: boolean | undefined;
  readonly actor: Actor;
  readonly requestParameters: JsonObject;
  readonly responseElements: JsonObject;
  readonly additionalEventData: JsonObject;
  /** The whole record as parsed, for rules that need a field not lifted above. */
  readonly raw: JsonObject;
}

/** A rule's verdict on one event. */
export interface Finding {
  readonly ruleId: string;
  readonly title: string;
  readonly severity: Severity;
  readonly mitre: readonly string[];
  /** One sentence, built from sanitised event fields. */
  readonly summary: string;
  readonly runbook: string;
  readonly reference: string;
  /** Groups repeats of the same finding (same rule, same subject). */
  readonly dedupKey: string;
  readonly event: TrailEvent;
}

/** An SNS message attribute as the sink sends it. */
export interface AlertAttribute {
  readonly type: 'String' | 'String.Array';
  /** For String.Array: a JSON array of strings, as SNS expects. */
  readonly value: string;
}

/**
 * An alert ready for SNS: `message` is the JSON object of per-protocol renderings that
 * `MessageStructure: 'json'` expects (`default`, `email`, `sms`, `https`, ...).
 */
export interface RenderedAlert {
  /** At most 100 characters (SNS's limit for email subjects), printable ASCII only. */
  readonly subject: string;
  readonly message: string;
  readonly attributes: Readonly<Record<string, AlertAttribute>>;
}
