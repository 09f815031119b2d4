// Size fitting: SNS's limits (subject, SMS part, whole message), what SNS counts against them,
// and the search for the largest rendering that fits.
import type { AlertAttribute, RenderedAlert, Severity } from '../types';
import { clean, UNKNOWN } from './text';

export const MAX_SUBJECT_CHARS = 100;

export const MAX_SMS_BYTES = 140;

export const MAX_MESSAGE_BYTES = 262_144;

export const ALERT_SCHEMA_ID = 'trailwatch.alert/1';

export const DIGEST_SCHEMA_ID = 'trailwatch.digest/1';

/** The Publish API reference says subjects must be *less than* 100 characters. */
export const SUBJECT_LIMIT = MAX_SUBJECT_CHARS - 1;

/** Headroom for however SNS frames attributes when it counts the 256 KB. */
export const MESSAGE_BUDGET = MAX_MESSAGE_BYTES - 1024;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Protocols that get the JSON document rather than text. */
export const MACHINE_PROTOCOLS = ['https', 'http', 'sqs', 'lambda', 'email-json'] as const;

/** The `MessageStructure: 'json'` body: text for people, the JSON document for machines. */
export function perProtocol(texts: { default: string; email: string; sms: string }, machine: string): string {
  const message: Record<string, string> = { ...texts };
  for (const protocol of MACHINE_PROTOCOLS) message[protocol] = machine;
  return JSON.stringify(message);
}

/** What SNS counts against its limit: message, subject and every attribute's name, type and value. */
export function renderedBytes(alert: RenderedAlert): number {
  let total = utf8Bytes(alert.message) + utf8Bytes(alert.subject);
  for (const [name, attribute] of Object.entries(alert.attributes)) {
    total += utf8Bytes(name) + utf8Bytes(attribute.type) + utf8Bytes(attribute.value);
  }
  return total;
}

/** Largest k in [0, max] with fits(k), given fits is monotone (true then false). */
export function largestFitting(max: number, fits: (k: number) => boolean): number {
  let low = 0;
  let high = max;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

// ---------------------------------------------------------------------------------------------
// Shared

export interface AttributeInput {
  readonly severity: Severity;
  readonly ruleId: string;
  readonly eventName: string;
  readonly account: string;
  readonly region: string;
  readonly eventIds: readonly string[];
}

/** SNS rejects empty attribute values, and filter policies match whole strings: keep them short. */
export function attributesOf(input: AttributeInput): Record<string, AlertAttribute> {
  const value = (raw: string) => ({ type: 'String' as const, value: clean(raw, 128) || UNKNOWN });
  return {
    severity: value(input.severity),
    ruleId: value(input.ruleId),
    eventName: value(input.eventName),
    account: value(input.account),
    region: value(input.region),
    eventIds: {
      type: 'String.Array',
      value: JSON.stringify(input.eventIds.map((id) => clean(id, 128) || UNKNOWN)),
    },
  };
}
