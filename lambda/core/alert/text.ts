// Field formatting shared by single alerts and digests: every value through `sanitize` (or the
// GSM-7 / ASCII transliterators for SMS and subjects), times, counts and the console link.
import { createHash } from 'node:crypto';
import { clipAscii, toGsm7, toPrintableAscii } from '../gsm7';
import { sanitize } from '../sanitize';
import { type Finding, SEVERITIES, type Severity, severityRank } from '../types';

export const UNKNOWN = 'unknown';

export const SEVERITY_SHORT: Readonly<Record<Severity, string>> = {
  critical: 'CRIT',
  high: 'HIGH',
  medium: 'MED',
  low: 'LOW',
  info: 'INFO',
};

export const REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

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

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

export function countsText(counts: Record<Severity, number>): string {
  return [...SEVERITIES]
    .reverse()
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
}

/** Highest severity first, then oldest first, so the list reads as it happened. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      timeKey(a.event.eventTimeMs) - timeKey(b.event.eventTimeMs),
  );
}

export function timeKey(ms: number): number {
  return Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER;
}

/** `sanitize`, plus lone surrogates replaced: they are not valid UTF-8 and SNS refuses them. */
export function clean(value: unknown, maxChars: number): string {
  return wellFormed(sanitize(value, maxChars));
}

export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

export function ascii(value: string, maxChars: number): string {
  return toPrintableAscii(value.slice(0, maxChars * 2));
}

export function gsm(value: string, maxChars: number): string {
  return clipAscii(toGsm7(value.slice(0, maxChars * 2)) || UNKNOWN, maxChars);
}

export function or(value: string): string {
  return value || UNKNOWN;
}

export function isoTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

/** `2024-05-01T12:34:56.000Z` -> `2024-05-01 12:34:56 UTC`; anything else as given. */
export function humanTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  if (match) return `${match[1]} ${match[2]} UTC`;
  return iso || UNKNOWN;
}

export function sameOrMultiple(values: readonly string[]): string {
  const distinct = new Set(values);
  if (distinct.size === 1) return values[0] ?? '';
  return 'multiple';
}

export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** A fixed-length id that a paging tool can deduplicate on; SHA-256 so that no event text can collide it. */
export function stableId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

/** The raw name to show for the actor: session or user name, else the ARN, else the service. */
export function displayActor(f: Finding): string {
  const a = f.event.actor;
  return a.userName || a.arn || a.principalId || a.invokedBy || '';
}
