// Reads the machine document an output forwards (`trailwatch.alert/1` or `trailwatch.digest/1`, the
// body SNS's HTTPS subscribers get) back into a typed view. PURE: no SDK, no environment, no clock.
//
// The renderers wrote the document, so its strings are already sanitised; they still came from a
// CloudTrail event, and every output escapes them again for its own destination. A document that
// does not have the schema's shape is refused here with an error naming the first field at fault:
// the output answers that item with a permanent failure and sends the rest.
import { ALERT_SCHEMA_ID, DIGEST_SCHEMA_ID } from '../alert/fit';
import { isSeverity, SEVERITIES, type Severity } from '../types';

/** The console link's shape in both schemas: our own host, never one an event could choose. */
export const CONSOLE_LINK = /^https:\/\/([a-z0-9-]+\.)?console\.aws\.amazon\.com\/cloudtrailv2\//;

/** Far above anything the renderers produce (the whole SNS publish is at most 256 KB). */
export const MAX_DOCUMENT_CHARS = 1_048_576;

export class DocumentError extends Error {
  override readonly name = 'DocumentError';
}

export interface AlertActorView {
  readonly type: string;
  readonly name: string;
  readonly arn: string;
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly sessionIssuerArn: string;
  readonly mfaAuthenticated: boolean;
}

export interface AlertEventView {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  /** ISO-8601 UTC, the recorded text when unparseable, '' when absent. */
  readonly time: string;
  readonly region: string;
  readonly account: string;
  /** '' outside organization mode. */
  readonly accountName: string;
  readonly ouPath: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly requestParameters: string;
}

/** A `trailwatch.alert/1` document: one finding. */
export interface AlertDocument {
  readonly kind: 'alert';
  readonly schema: typeof ALERT_SCHEMA_ID;
  /** 32 hex digits, SHA-256 of `eventId#ruleId`. */
  readonly id: string;
  readonly severity: Severity;
  readonly ruleId: string;
  readonly title: string;
  readonly summary: string;
  readonly runbook: string;
  readonly reference: string;
  readonly whyItMatters: string;
  readonly description: string;
  readonly mitre: readonly string[];
  readonly dedupKey: string;
  readonly actor: AlertActorView;
  readonly source: { readonly ipAddress: string; readonly userAgent: string };
  readonly event: AlertEventView;
  readonly eventIds: readonly string[];
  readonly relatedEventIds: readonly string[];
  readonly console: string;
  /** '' when the renderer was given no time. */
  readonly generatedAt: string;
}

/** One finding listed in a digest: fewer fields than an alert. */
export interface DigestEntry {
  readonly severity: Severity;
  readonly ruleId: string;
  readonly title: string;
  readonly summary: string;
  readonly eventId: string;
  readonly eventName: string;
  readonly eventTime: string;
  readonly actor: string;
  readonly ipAddress: string;
  readonly region: string;
  readonly account: string;
  readonly console: string;
}

export interface DigestRepeatsOf {
  /** `eventId#ruleId` of the alert these repeat. */
  readonly alert: string;
  readonly windowStart: string;
  readonly windowEnd: string;
}

/** A `trailwatch.digest/1` document: a burst of findings, or the repeats of an alert already sent. */
export interface DigestDocument {
  readonly kind: 'digest';
  readonly schema: typeof DIGEST_SCHEMA_ID;
  readonly id: string;
  readonly severity: Severity;
  readonly count: number;
  readonly countsBySeverity: Readonly<Record<Severity, number>>;
  readonly findings: readonly DigestEntry[];
  readonly findingsOmitted: number;
  readonly eventIds: readonly string[];
  readonly eventIdsOmitted: number;
  /** Present for a repeat summary. */
  readonly repeatsOf: DigestRepeatsOf | undefined;
  readonly generatedAt: string;
}

export type OutputDocument = AlertDocument | DigestDocument;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Field readers that name the path of the first field at fault. */
class Fields {
  constructor(
    private readonly schema: string,
    private readonly object: Json,
    private readonly path: string,
  ) {}

  private fail(key: string, what: string): never {
    throw new DocumentError(`${this.schema} document: ${this.path}${key} ${what}`);
  }

  string(key: string): string {
    const value = this.object[key];
    if (typeof value !== 'string') this.fail(key, value === undefined ? 'is missing' : 'is not a string');
    return value;
  }

  optionalString(key: string): string {
    return this.object[key] === undefined ? '' : this.string(key);
  }

  boolean(key: string): boolean {
    const value = this.object[key];
    if (typeof value !== 'boolean') this.fail(key, value === undefined ? 'is missing' : 'is not a boolean');
    return value;
  }

  count(key: string, minimum = 0): number {
    const value = this.object[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
      this.fail(key, `is not an integer of at least ${minimum}`);
    }
    return value;
  }

  severity(key: string): Severity {
    const value = this.object[key];
    if (!isSeverity(value)) this.fail(key, `is not one of ${SEVERITIES.join(', ')}`);
    return value;
  }

  id(key: string): string {
    const value = this.string(key);
    if (!/^[0-9a-f]{32}$/.test(value)) this.fail(key, 'is not 32 lower-case hex digits');
    return value;
  }

  console(key: string): string {
    const value = this.string(key);
    if (!CONSOLE_LINK.test(value)) this.fail(key, 'is not a CloudTrail console link');
    return value;
  }

  strings(key: string, optional = false): string[] {
    const value = this.object[key];
    if (value === undefined && optional) return [];
    if (!Array.isArray(value)) this.fail(key, value === undefined ? 'is missing' : 'is not an array');
    value.forEach((item, i) => {
      if (typeof item !== 'string') this.fail(`${key}[${i}]`, 'is not a string');
    });
    return value as string[];
  }

  child(key: string): Fields {
    const value = this.object[key];
    if (!isObject(value)) this.fail(key, value === undefined ? 'is missing' : 'is not an object');
    return new Fields(this.schema, value, `${this.path}${key}.`);
  }

  optionalChild(key: string): Fields | undefined {
    return this.object[key] === undefined ? undefined : this.child(key);
  }

  objects(key: string): Fields[] {
    const value = this.object[key];
    if (!Array.isArray(value)) this.fail(key, value === undefined ? 'is missing' : 'is not an array');
    return value.map((item, i) => {
      if (!isObject(item)) this.fail(`${key}[${i}]`, 'is not an object');
      return new Fields(this.schema, item, `${this.path}${key}[${i}].`);
    });
  }
}

/**
 * Parses an output's `item.document`. Throws a {@link DocumentError} naming what is wrong: not
 * JSON, an unknown schema, or a required field missing or of the wrong type.
 */
export function parseDocument(text: string): OutputDocument {
  if (typeof text !== 'string') throw new DocumentError('document is not a string');
  if (text.length > MAX_DOCUMENT_CHARS) {
    throw new DocumentError(`document is ${text.length} characters, more than ${MAX_DOCUMENT_CHARS}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DocumentError('document is not valid JSON');
  }
  if (!isObject(parsed)) throw new DocumentError('document is not a JSON object');
  const schema = parsed.schema;
  if (schema === ALERT_SCHEMA_ID) return alertDocument(new Fields(ALERT_SCHEMA_ID, parsed, ''));
  if (schema === DIGEST_SCHEMA_ID) return digestDocument(new Fields(DIGEST_SCHEMA_ID, parsed, ''));
  throw new DocumentError(
    `document schema is ${typeof schema === 'string' ? JSON.stringify(schema.slice(0, 64)) : 'missing'}, ` +
      `not ${ALERT_SCHEMA_ID} or ${DIGEST_SCHEMA_ID}`,
  );
}

function alertDocument(f: Fields): AlertDocument {
  const actor = f.child('actor');
  const source = f.child('source');
  const event = f.child('event');
  const links = f.child('links');
  const eventIds = f.strings('eventIds');
  if (eventIds.length === 0) throw new DocumentError(`${ALERT_SCHEMA_ID} document: eventIds is empty`);
  return {
    kind: 'alert',
    schema: ALERT_SCHEMA_ID,
    id: f.id('id'),
    severity: f.severity('severity'),
    ruleId: f.string('ruleId'),
    title: f.string('title'),
    summary: f.string('summary'),
    runbook: f.string('runbook'),
    reference: f.string('reference'),
    whyItMatters: f.optionalString('whyItMatters'),
    description: f.optionalString('description'),
    mitre: f.strings('mitre'),
    dedupKey: f.string('dedupKey'),
    actor: {
      type: actor.string('type'),
      name: actor.string('name'),
      arn: actor.string('arn'),
      accountId: actor.string('accountId'),
      accessKeyId: actor.string('accessKeyId'),
      sessionIssuerArn: actor.string('sessionIssuerArn'),
      mfaAuthenticated: actor.boolean('mfaAuthenticated'),
    },
    source: { ipAddress: source.string('ipAddress'), userAgent: source.string('userAgent') },
    event: {
      id: event.string('id'),
      name: event.string('name'),
      source: event.string('source'),
      time: event.string('time'),
      region: event.string('region'),
      account: event.string('account'),
      accountName: event.optionalString('accountName'),
      ouPath: event.optionalString('ouPath'),
      errorCode: event.string('errorCode'),
      errorMessage: event.string('errorMessage'),
      requestParameters: event.string('requestParameters'),
    },
    eventIds,
    relatedEventIds: f.strings('relatedEventIds', true),
    console: links.console('console'),
    generatedAt: f.optionalString('generatedAt'),
  };
}

function digestDocument(f: Fields): DigestDocument {
  const counts = f.child('countsBySeverity');
  const countsBySeverity = {} as Record<Severity, number>;
  for (const severity of SEVERITIES) countsBySeverity[severity] = counts.count(severity);
  const repeats = f.optionalChild('repeatsOf');
  return {
    kind: 'digest',
    schema: DIGEST_SCHEMA_ID,
    id: f.id('id'),
    severity: f.severity('severity'),
    count: f.count('count', 1),
    countsBySeverity,
    findings: f.objects('findings').map(
      (e): DigestEntry => ({
        severity: e.severity('severity'),
        ruleId: e.string('ruleId'),
        title: e.string('title'),
        summary: e.string('summary'),
        eventId: e.string('eventId'),
        eventName: e.string('eventName'),
        eventTime: e.string('eventTime'),
        actor: e.string('actor'),
        ipAddress: e.string('ipAddress'),
        region: e.string('region'),
        account: e.string('account'),
        console: e.console('console'),
      }),
    ),
    findingsOmitted: f.count('findingsOmitted'),
    eventIds: f.strings('eventIds'),
    eventIdsOmitted: f.count('eventIdsOmitted'),
    repeatsOf: repeats
      ? {
          alert: repeats.string('alert'),
          windowStart: repeats.string('windowStart'),
          windowEnd: repeats.string('windowEnd'),
        }
      : undefined,
    generatedAt: f.optionalString('generatedAt'),
  };
}

/** The error's message for a result's `reason`: a parse failure names the field, anything else its kind. */
export function documentProblem(error: unknown): string {
  if (error instanceof DocumentError) return `malformed document: ${error.message}`;
  return `could not format the document: ${error instanceof Error ? error.name : 'unknown error'}`;
}
