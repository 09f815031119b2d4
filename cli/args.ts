// Command-line values: each parser throws a UsageError whose message says what was expected.
import { parseArgs } from 'node:util';
import { EVENT_HISTORY_DAYS, splitRegions, TABLE_NAME, TOPIC_ARN } from '../lambda/core/settings';
import { isSeverity, SEVERITIES, type Severity } from '../lambda/core/types';
import { DAY_MS } from '../lambda/core/window';

/** A mistake in how the command was called: exit code 2, message plus a pointer to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export { DAY_MS };

/** CloudTrail Event history's reach. */
export const MAX_SINCE_MS = EVENT_HISTORY_DAYS * DAY_MS;

const UNITS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: DAY_MS };

/** `90m`, `24h`, `7d` -> milliseconds (more than zero); undefined when `text` is not one. */
function durationOf(text: string, flag: string): number | undefined {
  const match = /^(\d{1,6})([mhd])$/.exec(text.trim());
  const unit = match ? UNITS[match[2] ?? ''] : undefined;
  if (!match || unit === undefined) return undefined;
  const ms = Number(match[1]) * unit;
  if (ms <= 0) throw new UsageError(`${flag} must be more than zero`);
  return ms;
}

/** `90m`, `24h`, `7d` -> milliseconds; at most 90 days. */
export function parseDuration(text: string, flag: string): number {
  const ms = durationOf(text, flag);
  if (ms === undefined) {
    throw new UsageError(`${flag} "${clip(text)}" is not a duration like 90m, 24h or 7d`);
  }
  if (ms > MAX_SINCE_MS)
    throw new UsageError(`${flag} ${text} is more than 90 days (Event history keeps 90)`);
  return ms;
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A point in time, as epoch milliseconds: ISO-8601 (`2026-11-20`, `2026-11-20T09:00:00Z`, with an
 * offset or without, which means UTC like CloudTrail's own times), or a duration before `nowMs` as
 * `poll --since` takes it (`90m`, `24h`, `7d`; no 90-day limit here).
 */
export function parseTime(text: string, flag: string, nowMs: number): number {
  const duration = durationOf(text, flag);
  if (duration !== undefined) return nowMs - duration;
  const ms = isoTime(text.trim());
  if (ms === undefined) {
    throw new UsageError(
      `${flag} "${clip(text)}" is not a time like 2026-11-20 or 2026-11-20T09:00:00Z, ` +
        'or a duration like 90m, 24h or 7d',
    );
  }
  return ms;
}

function isoTime(text: string): number | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(utc);
  // Date.UTC rolls 2026-02-30 over into March: a date that does not exist is not a time.
  if (
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return undefined;
  const fraction = Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000);
  const zone = (m[8] ?? 'Z').toUpperCase();
  const offset = zone === 'Z' ? 0 : offsetMs(zone);
  return offset === undefined ? undefined : utc + fraction - offset;
}

/** `+01:00` or `-0530` -> milliseconds east of UTC. */
function offsetMs(zone: string): number | undefined {
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(-2));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

export function parseSeverity(
  text: string,
  flag: string,
  allowed: readonly Severity[] = SEVERITIES,
): Severity {
  const value = text.trim().toLowerCase();
  if (!isSeverity(value) || !allowed.includes(value)) {
    throw new UsageError(`${flag} "${clip(text)}" is not one of ${allowed.join(', ')}`);
  }
  return value;
}

export function parseRegions(text: string): string[] {
  const { regions, invalid: bad } = splitRegions(text);
  if (regions.length === 0) throw new UsageError('--regions is empty (expected e.g. us-east-1,eu-west-1)');
  if (bad.length > 0) {
    throw new UsageError(`--regions: ${bad.map((r) => `"${clip(r)}"`).join(', ')} is not a region code`);
  }
  return regions;
}

export function parseTopicArn(text: string): string {
  if (!TOPIC_ARN.test(text)) {
    throw new UsageError(
      `--publish "${clip(text)}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`,
    );
  }
  return text;
}

export function parseTableName(text: string): string {
  if (!TABLE_NAME.test(text)) throw new UsageError(`--table "${clip(text)}" is not a DynamoDB table name`);
  return text;
}

export function parseCount(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new UsageError(`${flag} "${clip(text)}" is not a whole number from ${min} to ${max}`);
  }
  return value;
}

type OptionSpec = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/** node:util parseArgs with its errors turned into UsageErrors that name the command. */
export function parseCommandArgs<T extends OptionSpec>(
  command: string,
  argv: readonly string[],
  options: T,
  allowPositionals: boolean,
) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(message, command);
  }
}

function clip(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 60 ? `${printable.slice(0, 60)}…` : printable;
}
