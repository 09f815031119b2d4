// Turns a `CloudTrailEvent` string into a TrailEvent that rules can read without guarding.
import type { Actor, JsonObject, JsonValue, TrailEvent } from './types';

/** What `LookupEvents` tells about an event outside its JSON body; used when the body is broken. */
export interface LookupEnvelope {
  readonly eventId?: string | undefined;
  readonly eventName?: string | undefined;
  readonly eventSource?: string | undefined;
  readonly eventTimeMs?: number | undefined;
  readonly readOnly?: boolean | undefined;
}

export type ParseResult =
  | { readonly ok: true; readonly event: TrailEvent }
  | { readonly ok: false; readonly eventId: string; readonly reason: string };

/** Larger bodies than this are refused before JSON.parse: CloudTrail's own records stay far below. */
export const MAX_EVENT_BYTES = 1024 * 1024;

export function parseCloudTrailEvent(body: unknown, envelope: LookupEnvelope = {}): ParseResult {
  const fallbackId = envelope.eventId ?? '';
  if (typeof body !== 'string' || body.length === 0) {
    return { ok: false, eventId: fallbackId, reason: 'CloudTrailEvent is missing or empty' };
  }
  if (body.length > MAX_EVENT_BYTES) {
    return {
      ok: false,
      eventId: fallbackId,
      reason: `CloudTrailEvent is larger than ${MAX_EVENT_BYTES} bytes`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return {
      ok: false,
      eventId: fallbackId,
      reason: `CloudTrailEvent is not valid JSON (${(error as Error).message.slice(0, 120)})`,
    };
  }
  if (!isObject(parsed)) {
    return { ok: false, eventId: fallbackId, reason: 'CloudTrailEvent is not a JSON object' };
  }
  return normalizeRecord(parsed, envelope);
}

/**
 * The top-level `readOnly` of a raw record, without parsing it: CloudTrail writes it after every
 * field a caller can shape (request parameters, response elements), and what follows it
 * (resources, TLS details) has a fixed schema, so its last `"readOnly":` key is the top-level one.
 */
export function rawReadOnly(body: string): boolean | undefined {
  const at = body.lastIndexOf('"readOnly":');
  if (at < 0) return undefined;
  if (body.startsWith('false', at + 11)) return false;
  return body.startsWith('true', at + 11) ? true : undefined;
}

const HEAD_END = ',"requestParameters":';

/**
 * For events that only need who, where from, with what and when (first-seen profiles): parses the
 * part of the record before `requestParameters`, which CloudTrail writes first, and leaves the
 * parameters and response, most of a record's size, unparsed. A cut that falls inside a nested
 * object leaves unbalanced JSON: then, as for any other surprise, the whole record is parsed.
 */
export function parseRecordHead(body: unknown, envelope: LookupEnvelope = {}): ParseResult {
  if (typeof body === 'string' && body.length <= MAX_EVENT_BYTES) {
    const cut = body.indexOf(HEAD_END);
    if (cut > 0) {
      let head: unknown;
      try {
        head = JSON.parse(`${body.slice(0, cut)}}`);
      } catch {
        head = undefined;
      }
      if (isObject(head)) {
        const readOnly = envelope.readOnly ?? rawReadOnly(body);
        if (readOnly !== undefined) head.readOnly = readOnly;
        return normalizeRecord(head, envelope);
      }
    }
  }
  return parseCloudTrailEvent(body, envelope);
}

/** Normalises an already-parsed record (trail log files, JSON lines). */
export function normalizeRecord(record: JsonObject, envelope: LookupEnvelope = {}): ParseResult {
  const eventId = str(record.eventID) || envelope.eventId || '';
  const eventName = str(record.eventName) || envelope.eventName || '';
  if (!eventId) return { ok: false, eventId: '', reason: 'record has no eventID' };
  if (!eventName) return { ok: false, eventId, reason: 'record has no eventName' };
  const eventTime = str(record.eventTime);
  const parsedTime = eventTime ? parseEventTime(eventTime) : Number.NaN;
  const event: TrailEvent = {
    eventId,
    eventName,
    eventSource: str(record.eventSource) || envelope.eventSource || '',
    eventTime,
    eventTimeMs: Number.isFinite(parsedTime) ? parsedTime : (envelope.eventTimeMs ?? Number.NaN),
    eventType: str(record.eventType),
    awsRegion: str(record.awsRegion),
    recipientAccountId: str(record.recipientAccountId),
    sourceIPAddress: str(record.sourceIPAddress),
    userAgent: str(record.userAgent),
    errorCode: str(record.errorCode),
    errorMessage: str(record.errorMessage),
    readOnly: bool(record.readOnly),
    actor: readActor(record.userIdentity, str(record.recipientAccountId)),
    requestParameters: obj(record.requestParameters),
    responseElements: obj(record.responseElements),
    additionalEventData: obj(record.additionalEventData),
    raw: record,
  };
  return { ok: true, event };
}

function readActor(value: JsonValue | undefined, recipientAccountId: string): Actor {
  const identity = obj(value);
  const session = obj(identity.sessionContext);
  const issuer = obj(session.sessionIssuer);
  const attributes = obj(session.attributes);
  const type = str(identity.type);
  const arn = str(identity.arn);
  let userName = str(identity.userName);
  if (!userName && type === 'AssumedRole') userName = arn.slice(arn.lastIndexOf('/') + 1);
  if (!userName && type === 'Root') userName = 'root';
  return {
    type,
    arn,
    accountId: str(identity.accountId) || recipientAccountId,
    principalId: str(identity.principalId),
    userName,
    accessKeyId: str(identity.accessKeyId),
    sessionIssuerArn: str(issuer.arn),
    sessionIssuerType: str(issuer.type),
    mfaAuthenticated: String(attributes.mfaAuthenticated).toLowerCase() === 'true',
    invokedBy: str(identity.invokedBy),
  };
}

/**
 * Date.parse, with a fast path for the one shape CloudTrail writes (`2026-11-01T12:34:56Z`).
 * Anything else, or any field out of its everyday range, goes to Date.parse itself.
 */
export function parseEventTime(text: string): number {
  if (
    text.length === 20 &&
    text.charCodeAt(4) === 0x2d && // -
    text.charCodeAt(7) === 0x2d &&
    text.charCodeAt(10) === 0x54 && // T
    text.charCodeAt(13) === 0x3a && // :
    text.charCodeAt(16) === 0x3a &&
    text.charCodeAt(19) === 0x5a // Z
  ) {
    const year = digits(text, 0, 4);
    const month = digits(text, 5, 2);
    const day = digits(text, 8, 2);
    const hour = digits(text, 11, 2);
    const minute = digits(text, 14, 2);
    const second = digits(text, 17, 2);
    if (
      year >= 1970 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 28 &&
      hour >= 0 &&
      hour <= 23 &&
      minute >= 0 &&
      minute <= 59 &&
      second >= 0 &&
      second <= 59
    ) {
      return Date.UTC(year, month - 1, day, hour, minute, second);
    }
  }
  return Date.parse(text);
}

/** The decimal number in text[start, start + count), or -1 if any of those is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field, or '' for anything else: rules never see undefined or a number posing as a name. */
export function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** An object field, or {} for anything else. */
export function obj(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}
