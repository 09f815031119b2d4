// Renders findings into the per-protocol SNS message (`MessageStructure: 'json'`).
//
// PURE: no SDK, no environment, no clock. Every event field is hostile: it goes through
// `sanitize` (or the GSM-7 / ASCII transliterators for SMS and subjects), and the whole
// publish is shrunk until it fits SNS's 256 KB limit.
import { createHash } from 'node:crypto';
import { clipAscii, toGsm7, toPrintableAscii } from './gsm7';
import { safeStringify, sanitize } from './sanitize';
import {
  type AlertAttribute,
  type Finding,
  type JsonObject,
  type RenderedAlert,
  SEVERITIES,
  type Severity,
  severityRank,
} from './types';

export { clipAscii, toGsm7, toPrintableAscii } from './gsm7';

export const MAX_SUBJECT_CHARS = 100;
export const MAX_SMS_BYTES = 140;
export const MAX_MESSAGE_BYTES = 262_144;

export const ALERT_SCHEMA_ID = 'trailwatch.alert/1';
export const DIGEST_SCHEMA_ID = 'trailwatch.digest/1';

/** The Publish API reference says subjects must be *less than* 100 characters. */
const SUBJECT_LIMIT = MAX_SUBJECT_CHARS - 1;
/** Headroom for however SNS frames attributes when it counts the 256 KB. */
const MESSAGE_BUDGET = MAX_MESSAGE_BYTES - 1024;
const UNKNOWN = 'unknown';

const SEVERITY_SHORT: Readonly<Record<Severity, string>> = {
  critical: 'CRIT',
  high: 'HIGH',
  medium: 'MED',
  low: 'LOW',
  info: 'INFO',
};

/** Rule text that `Finding` does not carry; the caller looks it up by `ruleId`. */
export interface AlertDetails {
  readonly whyItMatters?: string | undefined;
  readonly description?: string | undefined;
}

export interface RenderOptions {
  /** Other findings of the same actor in this run; listed, never alerted on. */
  readonly related?: readonly Finding[] | undefined;
  /** When the alert was rendered; omitted from the output when absent. */
  readonly generatedAtMs?: number | undefined;
  readonly details?: AlertDetails | undefined;
}

export interface DigestOptions {
  readonly generatedAtMs?: number | undefined;
  /** The findings repeat an alert already sent: they were folded over this window (see repeats.ts). */
  readonly repeatsOf?: RepeatsOf | undefined;
}

export interface RepeatsOf {
  /** `eventId#ruleId` of the alert sent for the window's first finding. */
  readonly leadAlertKey: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
}

// ---------------------------------------------------------------------------------------------
// Helpers other modules use

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Protocols that get the JSON document rather than text. */
const MACHINE_PROTOCOLS = ['https', 'http', 'sqs', 'lambda', 'email-json'] as const;

/** The `MessageStructure: 'json'` body: text for people, the JSON document for machines. */
function perProtocol(texts: { default: string; email: string; sms: string }, machine: string): string {
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

const REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/**
 * The event in the CloudTrail console. An unrecognised region falls back to the global
 * console host: a hostile `awsRegion` must never choose the link's host name.
 */
export function consoleEventUrl(region: string, eventId: string): string {
  const id = encodeURIComponent(wellFormed(eventId.slice(0, 256)));
  if (!REGION_PATTERN.test(region)) return `https://console.aws.amazon.com/cloudtrailv2/home#/events/${id}`;
  return `https://${region}.console.aws.amazon.com/cloudtrailv2/home?region=${region}#/events/${id}`;
}

/** `111122223333` -> `1111..3333`, GSM-7 safe; short or odd values are kept (transliterated). */
export function shortAccount(accountId: string): string {
  const account = toGsm7(accountId.slice(0, 64));
  if (account === '') return UNKNOWN;
  return account.length <= 10 ? account : `${account.slice(0, 4)}..${account.slice(-4)}`;
}

// ---------------------------------------------------------------------------------------------
// Single alert

/** Per-field caps, in code points. Halved level by level until the publish fits. */
interface Limits {
  readonly short: number;
  readonly long: number;
  readonly params: number;
  readonly related: number;
}

const ALERT_LIMITS: Limits = { short: 256, long: 1024, params: 4096, related: 50 };
const ALERT_LEVELS = 8;

function limitsAt(level: number): Limits {
  const scale = 2 ** level;
  return {
    short: Math.max(16, Math.floor(ALERT_LIMITS.short / scale)),
    long: Math.max(32, Math.floor(ALERT_LIMITS.long / scale)),
    params: Math.max(64, Math.floor(ALERT_LIMITS.params / scale)),
    related: Math.floor(ALERT_LIMITS.related / scale),
  };
}

export function renderAlert(finding: Finding, options: RenderOptions = {}): RenderedAlert {
  const related = sortFindings(
    (options.related ?? []).filter(
      (other) => !(other.event.eventId === finding.event.eventId && other.ruleId === finding.ruleId),
    ),
  );
  // Stringify once: a 1 MB requestParameters costs one pass, not one per level.
  const params = safeStringify(finding.event.requestParameters);
  let rendered: RenderedAlert | undefined;
  for (let level = 0; level < ALERT_LEVELS; level++) {
    rendered = renderAlertAt(finding, related, params, options, limitsAt(level));
    if (renderedBytes(rendered) <= MESSAGE_BUDGET) return rendered;
  }
  // Unreachable with the floors above (a few KB per field at most); kept as a hard guarantee.
  return minimalAlert(finding);
}

interface AlertView {
  readonly severity: Severity;
  readonly ruleId: string;
  readonly title: string;
  readonly summary: string;
  readonly runbook: string;
  readonly reference: string;
  readonly whyItMatters: string;
  readonly description: string;
  readonly mitre: string[];
  readonly dedupKey: string;
  readonly actorType: string;
  readonly actorName: string;
  readonly actorArn: string;
  readonly actorAccountId: string;
  readonly accessKeyId: string;
  readonly sessionIssuerArn: string;
  readonly mfaAuthenticated: boolean;
  readonly invokedBy: string;
  readonly ipAddress: string;
  readonly userAgent: string;
  readonly eventId: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly eventTime: string;
  readonly region: string;
  readonly account: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly requestParameters: string;
  readonly console: string;
}

function viewOf(finding: Finding, params: string, details: AlertDetails, limits: Limits): AlertView {
  const e = finding.event;
  const a = e.actor;
  const s = (value: unknown) => clean(value, limits.short);
  const l = (value: unknown) => clean(value, limits.long);
  return {
    severity: finding.severity,
    ruleId: s(finding.ruleId),
    title: s(finding.title),
    summary: l(finding.summary),
    runbook: l(finding.runbook),
    reference: s(finding.reference),
    whyItMatters: l(details.whyItMatters),
    description: l(details.description),
    mitre: finding.mitre.slice(0, 16).map((m) => clean(m, 32)),
    dedupKey: s(finding.dedupKey),
    actorType: s(a.type),
    actorName: s(a.userName),
    actorArn: s(a.arn),
    actorAccountId: s(a.accountId),
    accessKeyId: s(a.accessKeyId),
    sessionIssuerArn: s(a.sessionIssuerArn),
    mfaAuthenticated: a.mfaAuthenticated,
    invokedBy: s(a.invokedBy),
    ipAddress: s(e.sourceIPAddress),
    userAgent: l(e.userAgent),
    eventId: s(e.eventId),
    eventName: s(e.eventName),
    eventSource: s(e.eventSource),
    eventTime: isoTime(e.eventTimeMs) || s(e.eventTime),
    region: s(e.awsRegion),
    account: s(e.recipientAccountId || a.accountId),
    errorCode: s(e.errorCode),
    errorMessage: l(e.errorMessage),
    requestParameters: clean(params, limits.params),
    console: consoleEventUrl(e.awsRegion, e.eventId),
  };
}

function renderAlertAt(
  finding: Finding,
  related: readonly Finding[],
  params: string,
  options: RenderOptions,
  limits: Limits,
): RenderedAlert {
  const v = viewOf(finding, params, options.details ?? {}, limits);
  const listed = related.slice(0, limits.related);
  const generatedAt = isoTime(options.generatedAtMs);
  const document: JsonObject = {
    schema: ALERT_SCHEMA_ID,
    id: stableId(`${finding.event.eventId}#${finding.ruleId}`),
    severity: v.severity,
    ruleId: v.ruleId,
    title: v.title,
    summary: v.summary,
    runbook: v.runbook,
    reference: v.reference,
    ...(v.whyItMatters ? { whyItMatters: v.whyItMatters } : {}),
    ...(v.description ? { description: v.description } : {}),
    mitre: v.mitre,
    dedupKey: v.dedupKey,
    actor: {
      type: v.actorType,
      name: v.actorName,
      arn: v.actorArn,
      accountId: v.actorAccountId,
      accessKeyId: v.accessKeyId,
      sessionIssuerArn: v.sessionIssuerArn,
      mfaAuthenticated: v.mfaAuthenticated,
    },
    source: { ipAddress: v.ipAddress, userAgent: v.userAgent },
    event: {
      id: v.eventId,
      name: v.eventName,
      source: v.eventSource,
      time: v.eventTime,
      region: v.region,
      account: v.account,
      errorCode: v.errorCode,
      errorMessage: v.errorMessage,
      requestParameters: v.requestParameters,
    },
    eventIds: [v.eventId || UNKNOWN],
    ...(listed.length > 0 ? { relatedEventIds: unique(listed.map((f) => clean(f.event.eventId, 128))) } : {}),
    links: { console: v.console },
    ...(generatedAt ? { generatedAt } : {}),
  };
  const machine = JSON.stringify(document);
  const message = perProtocol(
    {
      default: defaultText(v),
      email: emailText(v, related, listed, generatedAt),
      sms: alertSms(finding),
    },
    machine,
  );
  return {
    subject: alertSubject(finding),
    message,
    attributes: attributesOf({
      severity: finding.severity,
      ruleId: finding.ruleId,
      eventName: finding.event.eventName,
      account: finding.event.recipientAccountId || finding.event.actor.accountId,
      region: finding.event.awsRegion,
      eventIds: [v.eventId],
    }),
  };
}

function who(v: AlertView): string {
  return v.actorName || v.actorArn || v.invokedBy || UNKNOWN;
}

function defaultText(v: AlertView): string {
  const lines = [
    `${v.severity.toUpperCase()}: ${v.title || v.ruleId}`,
    v.summary,
    `Who: ${who(v)} (${or(v.actorType)}${v.actorArn ? `, ${v.actorArn}` : ''})`,
    `From: ${or(v.ipAddress)}`,
    `Where: account ${or(v.account)}, region ${or(v.region)}`,
    `When: ${humanTime(v.eventTime)}`,
    `Event: ${or(v.eventName)} (${or(v.eventSource)}), event id ${or(v.eventId)}`,
  ];
  if (v.errorCode || v.errorMessage)
    lines.push(`Error: ${or(v.errorCode)}${v.errorMessage ? `: ${v.errorMessage}` : ''}`);
  lines.push(`Console: ${v.console}`);
  if (v.runbook) lines.push(`Next: ${v.runbook}`);
  return lines.filter((line) => line !== '').join('\n');
}

function emailText(
  v: AlertView,
  related: readonly Finding[],
  listed: readonly Finding[],
  generatedAt: string,
): string {
  const out: string[] = [`${v.severity.toUpperCase()}: ${v.title || v.ruleId}`, '', v.summary || UNKNOWN, ''];
  if (v.whyItMatters) out.push(`Why it matters: ${v.whyItMatters}`);
  if (v.description) out.push(`What the rule looks for: ${v.description}`);
  out.push(`What to do next: ${or(v.runbook)}`);
  if (v.reference) out.push(`Reference: ${v.reference}`);
  out.push(
    '',
    'Who',
    field('Actor type', v.actorType),
    field('User / session', v.actorName),
    field('ARN', v.actorArn),
    field('Session issued by', v.sessionIssuerArn),
    field('Access key id', v.accessKeyId),
    field('MFA', v.mfaAuthenticated ? 'yes' : 'no'),
  );
  if (v.invokedBy) out.push(field('Invoked by', v.invokedBy));
  out.push(
    '',
    'Where from',
    field('Source IP', v.ipAddress),
    field('User agent', v.userAgent),
    field('Region', v.region),
    field('Account', v.account),
    '',
    'What',
    field('Event time', humanTime(v.eventTime)),
    field('Event', v.eventName),
    field('Event source', v.eventSource),
    field('Result', v.errorCode || v.errorMessage ? 'failed' : 'succeeded'),
  );
  if (v.errorCode || v.errorMessage) {
    out.push(field('Error code', v.errorCode), field('Error message', v.errorMessage));
  }
  out.push(
    field('Request params', v.requestParameters),
    field('Event id', v.eventId),
    field('Console', v.console),
    '',
    `Other findings of the same actor in this run: ${related.length === 0 ? 'none' : related.length}`,
  );
  for (const other of listed) out.push(`  - ${relatedLine(other)}`);
  if (related.length > listed.length) out.push(`  and ${related.length - listed.length} more`);
  out.push(
    '',
    'About this alert',
    field('Rule', v.ruleId),
    field('MITRE ATT&CK', v.mitre.join(', ') || 'none'),
    field('Dedup key', v.dedupKey),
  );
  if (generatedAt) out.push(field('Generated at', humanTime(generatedAt)));
  return out.join('\n');
}

function relatedLine(f: Finding): string {
  const e = f.event;
  return [
    f.severity.toUpperCase(),
    or(clean(e.eventName, 64)),
    `at ${humanTime(isoTime(e.eventTimeMs) || clean(e.eventTime, 40))}:`,
    or(clean(f.summary, 200)),
    `(rule ${or(clean(f.ruleId, 64))}, event id ${or(clean(e.eventId, 64))})`,
  ].join(' ');
}

function field(label: string, value: string): string {
  return `  ${`${label}:`.padEnd(20)}${value || UNKNOWN}`;
}

/** E.g. `CRITICAL: CloudTrail logging stopped by alice (111122223333 us-east-1)`. */
function alertSubject(f: Finding): string {
  const e = f.event;
  const head = `${f.severity.toUpperCase()}: `;
  const actor = clipAscii(ascii(displayActor(f), 64) || UNKNOWN, 32);
  const error = e.errorCode ? ` - ${clipAscii(ascii(e.errorCode, 48), 24)}` : '';
  const account = clipAscii(ascii(e.recipientAccountId || e.actor.accountId, 32) || UNKNOWN, 16);
  const tail = ` (${account} ${clipAscii(ascii(e.awsRegion, 32) || UNKNOWN, 20)})`;
  const room = SUBJECT_LIMIT - head.length - ' by '.length - actor.length - error.length - tail.length;
  const title = clipAscii(ascii(f.title, 200) || ascii(f.ruleId, 200) || 'alert', Math.max(12, room));
  return clipAscii(`${head}${title} by ${actor}${error}${tail}`, SUBJECT_LIMIT, '...');
}

/** E.g. `CRIT StopLogging by alice 203.0.113.9 acct 1111..3333 us-east-1 #a1b2c3`. */
function alertSms(f: Finding): string {
  const e = f.event;
  const parts = [
    SEVERITY_SHORT[f.severity],
    gsm(e.eventName, 40),
    'by',
    gsm(displayActor(f), 24),
    gsm(e.sourceIPAddress, 39),
  ];
  if (e.errorCode) parts.push('ERR', gsm(e.errorCode, 24));
  parts.push('acct', shortAccount(e.recipientAccountId || e.actor.accountId), gsm(e.awsRegion, 16));
  const ref = `#${
    toGsm7(e.eventId.slice(0, 64))
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 6) || UNKNOWN
  }`;
  // The reference survives any clipping: it is how the reader finds the email.
  return `${clipAscii(parts.join(' '), MAX_SMS_BYTES - ref.length - 1)} ${ref}`;
}

/** The raw name to show for the actor: session or user name, else the ARN, else the service. */
function displayActor(f: Finding): string {
  const a = f.event.actor;
  return a.userName || a.arn || a.principalId || a.invokedBy || '';
}

function minimalAlert(f: Finding): RenderedAlert {
  const eventId = clean(f.event.eventId, 128) || UNKNOWN;
  const text = `${f.severity.toUpperCase()}: ${clean(f.title, 128)} (event id ${eventId}). The full alert was too large to send.`;
  return {
    subject: alertSubject(f),
    message: JSON.stringify({ default: text, sms: alertSms(f) }),
    attributes: attributesOf({
      severity: f.severity,
      ruleId: f.ruleId,
      eventName: f.event.eventName,
      account: f.event.recipientAccountId,
      region: f.event.awsRegion,
      eventIds: [eventId],
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Digest

/** At most this many findings get a full entry in the JSON document; the rest are ids only. */
const DIGEST_DOCUMENT_TOP = 25;
/** Findings named in the digest's subject and SMS. */
const DIGEST_HEADLINE_TOP = 3;

/**
 * One message for a burst: counts by severity and the top findings everywhere, the full list
 * in the email, every event id in the JSON document and the `eventIds` attribute — as many
 * of each as fit in 256 KB, with the number left out stated.
 */
export function renderDigest(findings: readonly Finding[], options: DigestOptions = {}): RenderedAlert {
  if (findings.length === 0) throw new Error('renderDigest needs at least one finding; send nothing instead');
  const sorted = sortFindings(findings);
  const eventIds = unique(sorted.map((f) => clean(f.event.eventId, 128) || UNKNOWN));
  const generatedAt = isoTime(options.generatedAtMs);
  // Sorted keys: the same set of findings gets the same id whatever order the run found them in.
  const id = stableId(JSON.stringify(findings.map((f) => `${f.event.eventId}#${f.ruleId}`).sort()));
  const repeatsOf = options.repeatsOf;
  const render = (idCount: number, itemCount: number) =>
    renderDigestWith(sorted, eventIds, { id, idCount, itemCount, generatedAt, repeatsOf });
  // Event ids first (they are what subscribers filter and deduplicate on), with up to half the
  // budget; the listed findings get the rest.
  const ids = largestFitting(eventIds.length, (k) => renderedBytes(render(k, 0)) <= MESSAGE_BUDGET / 2);
  const items = largestFitting(sorted.length, (k) => renderedBytes(render(ids, k)) <= MESSAGE_BUDGET);
  return render(ids, items);
}

function renderDigestWith(
  sorted: readonly Finding[],
  eventIds: readonly string[],
  shape: {
    readonly id: string;
    readonly idCount: number;
    readonly itemCount: number;
    readonly generatedAt: string;
    readonly repeatsOf: RepeatsOf | undefined;
  },
): RenderedAlert {
  const { id, idCount, itemCount, generatedAt, repeatsOf } = shape;
  const top = sorted[0]!;
  const counts = countBySeverity(sorted);
  const listedIds = eventIds.slice(0, idCount);
  const entries = sorted.slice(0, Math.min(itemCount, DIGEST_DOCUMENT_TOP));
  const document: JsonObject = {
    schema: DIGEST_SCHEMA_ID,
    id,
    severity: top.severity,
    count: sorted.length,
    countsBySeverity: counts,
    findings: entries.map(digestEntry),
    findingsOmitted: sorted.length - entries.length,
    eventIds: listedIds,
    eventIdsOmitted: eventIds.length - listedIds.length,
    ...(repeatsOf
      ? {
          repeatsOf: {
            alert: clean(repeatsOf.leadAlertKey, 300),
            windowStart: isoTime(repeatsOf.windowStartMs),
            windowEnd: isoTime(repeatsOf.windowEndMs),
          },
        }
      : {}),
    ...(generatedAt ? { generatedAt } : {}),
  };
  const machine = JSON.stringify(document);
  const message = perProtocol(
    {
      default: digestEmail(sorted, counts, Math.min(itemCount, 20), generatedAt, repeatsOf),
      email: digestEmail(sorted, counts, itemCount, generatedAt, repeatsOf),
      sms: digestSms(sorted, counts, repeatsOf),
    },
    machine,
  );
  return {
    subject: digestSubject(sorted, counts, repeatsOf),
    message,
    attributes: attributesOf({
      severity: top.severity,
      ruleId: 'digest',
      eventName: sameOrMultiple(sorted.map((f) => f.event.eventName)),
      account: sameOrMultiple(sorted.map((f) => f.event.recipientAccountId || f.event.actor.accountId)),
      region: sameOrMultiple(sorted.map((f) => f.event.awsRegion)),
      eventIds: listedIds,
    }),
  };
}

function digestEntry(f: Finding): JsonObject {
  const e = f.event;
  return {
    severity: f.severity,
    ruleId: clean(f.ruleId, 128),
    title: clean(f.title, 128),
    summary: clean(f.summary, 256),
    eventId: clean(e.eventId, 128),
    eventName: clean(e.eventName, 128),
    eventTime: isoTime(e.eventTimeMs) || clean(e.eventTime, 40),
    actor: clean(displayActor(f), 128),
    ipAddress: clean(e.sourceIPAddress, 64),
    region: clean(e.awsRegion, 32),
    account: clean(e.recipientAccountId || e.actor.accountId, 32),
    console: consoleEventUrl(e.awsRegion, e.eventId),
  };
}

function digestEmail(
  sorted: readonly Finding[],
  counts: Record<Severity, number>,
  itemCount: number,
  generatedAt: string,
  repeatsOf: RepeatsOf | undefined,
): string {
  const out = [
    repeatsOf
      ? `${sorted[0]!.severity.toUpperCase()}: trailwatch, ${sorted.length} repeats of an alert already sent (${countsText(counts)})`
      : `${sorted[0]!.severity.toUpperCase()}: trailwatch digest, ${sorted.length} findings in one run (${countsText(counts)})`,
    '',
    ...(repeatsOf
      ? [
          `The first finding with the same rule and subject between ${humanTime(isoTime(repeatsOf.windowStartMs))} and ` +
            `${humanTime(isoTime(repeatsOf.windowEndMs))} was alerted on its own (${or(clean(repeatsOf.leadAlertKey, 200))});`,
          'these repeated it in that window and were folded into this one message.',
          '',
        ]
      : []),
    'Highest severity first. Each finding: severity, event time (UTC), event, actor, source IP, account, region;',
    'then the rule and its summary; then the event id and its CloudTrail console link.',
    '',
  ];
  sorted.slice(0, itemCount).forEach((f, index) => {
    const e = f.event;
    out.push(
      `${index + 1}. ${f.severity.toUpperCase()} ${humanTime(isoTime(e.eventTimeMs) || clean(e.eventTime, 40))} ` +
        `${or(clean(e.eventName, 64))} by ${or(clean(displayActor(f), 96))} from ${or(clean(e.sourceIPAddress, 64))} ` +
        `in ${or(clean(e.recipientAccountId || e.actor.accountId, 32))} ${or(clean(e.awsRegion, 32))}`,
      `   ${or(clean(f.ruleId, 96))}: ${or(clean(f.summary, 240))}`,
      `   event id ${or(clean(e.eventId, 96))} ${consoleEventUrl(e.awsRegion, e.eventId)}`,
    );
  });
  if (sorted.length > itemCount) {
    out.push(
      `and ${sorted.length - itemCount} more, not listed to keep this message under the SNS size limit`,
    );
  }
  if (generatedAt) out.push('', `Generated at ${humanTime(generatedAt)}`);
  return out.join('\n');
}

function digestSubject(
  sorted: readonly Finding[],
  counts: Record<Severity, number>,
  repeatsOf: RepeatsOf | undefined,
): string {
  const headline = sorted
    .slice(0, DIGEST_HEADLINE_TOP)
    .map(
      (f) =>
        `${clipAscii(ascii(f.event.eventName, 64), 24)} by ${clipAscii(ascii(displayActor(f), 64) || UNKNOWN, 16)}`,
    )
    .join('; ');
  const what = repeatsOf ? `${sorted.length} repeats of an alert sent` : `${sorted.length} findings`;
  const text = `${sorted[0]!.severity.toUpperCase()}: ${what} (${countsText(counts)}): ${headline}`;
  return clipAscii(text, SUBJECT_LIMIT, '...');
}

/** E.g. `CRIT 37 alerts: 3 CRIT 10 HIGH 24 MED. StopLogging by alice; DeleteTrail by bob`. */
function digestSms(
  sorted: readonly Finding[],
  counts: Record<Severity, number>,
  repeatsOf: RepeatsOf | undefined,
): string {
  const tally = [...SEVERITIES]
    .reverse()
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${SEVERITY_SHORT[s]}`)
    .join(' ');
  const headline = sorted
    .slice(0, DIGEST_HEADLINE_TOP)
    .map((f) => `${gsm(f.event.eventName, 24)} by ${gsm(displayActor(f), 16)}`)
    .join('; ');
  return clipAscii(
    `${SEVERITY_SHORT[sorted[0]!.severity]} ${sorted.length} ${repeatsOf ? 'repeats' : 'alerts'}: ${tally}. ${headline}`,
    MAX_SMS_BYTES,
  );
}

function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

function countsText(counts: Record<Severity, number>): string {
  return [...SEVERITIES]
    .reverse()
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
}

/** Largest k in [0, max] with fits(k), given fits is monotone (true then false). */
function largestFitting(max: number, fits: (k: number) => boolean): number {
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

interface AttributeInput {
  readonly severity: Severity;
  readonly ruleId: string;
  readonly eventName: string;
  readonly account: string;
  readonly region: string;
  readonly eventIds: readonly string[];
}

/** SNS rejects empty attribute values, and filter policies match whole strings: keep them short. */
function attributesOf(input: AttributeInput): Record<string, AlertAttribute> {
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

/** Highest severity first, then oldest first, so the list reads as it happened. */
function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      timeKey(a.event.eventTimeMs) - timeKey(b.event.eventTimeMs),
  );
}

function timeKey(ms: number): number {
  return Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER;
}

/** `sanitize`, plus lone surrogates replaced: they are not valid UTF-8 and SNS refuses them. */
function clean(value: unknown, maxChars: number): string {
  return wellFormed(sanitize(value, maxChars));
}

function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

function ascii(value: string, maxChars: number): string {
  return toPrintableAscii(value.slice(0, maxChars * 2));
}

function gsm(value: string, maxChars: number): string {
  return clipAscii(toGsm7(value.slice(0, maxChars * 2)) || UNKNOWN, maxChars);
}

function or(value: string): string {
  return value || UNKNOWN;
}

function isoTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

/** `2024-05-01T12:34:56.000Z` -> `2024-05-01 12:34:56 UTC`; anything else as given. */
function humanTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  if (match) return `${match[1]} ${match[2]} UTC`;
  return iso || UNKNOWN;
}

function sameOrMultiple(values: readonly string[]): string {
  const distinct = new Set(values);
  if (distinct.size === 1) return values[0] ?? '';
  return 'multiple';
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** A fixed-length id that a paging tool can deduplicate on; SHA-256 so that no event text can collide it. */
function stableId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}
