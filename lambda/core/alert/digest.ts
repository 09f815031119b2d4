// Several findings in one message: a burst past the run's budget, or the summary of a repeat
// group. Counts by severity and the top findings where space is short, the full list where not.
import { clipAscii } from '../gsm7';
import { type Finding, type JsonObject, type RenderedAlert, SEVERITIES, type Severity } from '../types';
import {
  attributesOf,
  DIGEST_SCHEMA_ID,
  largestFitting,
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
  countBySeverity,
  countsText,
  displayActor,
  gsm,
  humanTime,
  isoTime,
  or,
  SEVERITY_SHORT,
  sameOrMultiple,
  sortFindings,
  stableId,
  UNKNOWN,
  unique,
} from './text';

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
