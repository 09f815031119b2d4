// One finding rendered per protocol (`MessageStructure: 'json'`): SMS, email, a JSON document for
// machines, and default text. Every event field is hostile; the whole publish is shrunk until it
// fits SNS's 256 KB limit.
import { clipAscii, toGsm7 } from '../gsm7';
import { safeStringify } from '../sanitize';
import type { Finding, JsonObject, RenderedAlert, Severity } from '../types';
import {
  ALERT_SCHEMA_ID,
  attributesOf,
  MAX_SMS_BYTES,
  MESSAGE_BUDGET,
  perProtocol,
  renderedBytes,
  SUBJECT_LIMIT,
} from './fit';
import {
  ascii,
  clean,
  consoleEventUrl,
  displayActor,
  gsm,
  humanTime,
  isoTime,
  or,
  SEVERITY_SHORT,
  shortAccount,
  sortFindings,
  stableId,
  UNKNOWN,
  unique,
} from './text';

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
  /** The account's name and OU path in Organizations (organization mode); hostile text like the rest. */
  readonly account?: AccountLabel | undefined;
}

export interface AccountLabel {
  /** The account it names: an event recorded for another account is not labelled with it. */
  readonly id: string;
  readonly name: string;
  readonly ouPath: string;
}

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
  /** '' outside organization mode. */
  readonly accountName: string;
  readonly ouPath: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly requestParameters: string;
  readonly console: string;
}

function viewOf(
  finding: Finding,
  params: string,
  details: AlertDetails,
  limits: Limits,
  label: AccountLabel | undefined,
): AlertView {
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
    accountName: s(label?.name),
    ouPath: s(label?.ouPath),
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
  const label = options.account?.id === finding.event.recipientAccountId ? options.account : undefined;
  const v = viewOf(finding, params, options.details ?? {}, limits, label);
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
      ...(v.accountName ? { accountName: v.accountName } : {}),
      ...(v.ouPath ? { ouPath: v.ouPath } : {}),
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

/** The account id, with its name and OU path when Organizations gave them. */
function accountText(v: AlertView): string {
  const label = [v.accountName, v.ouPath].filter((part) => part !== '').join(', ');
  return label ? `${or(v.account)} (${label})` : or(v.account);
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
    `Where: account ${accountText(v)}, region ${or(v.region)}`,
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
    field('Account', accountText(v)),
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
