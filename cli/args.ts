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

/** `90m`, `24h`, `7d` -> milliseconds; at most 90 days. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d{1,6})([mhd])$/.exec(text.trim());
  const unit = match ? UNITS[match[2] ?? ''] : undefined;
  if (!match || unit === undefined) {
    throw new UsageError(`${flag} "${clip(text)}" is not a duration like 90m, 24h or 7d`);
  }
  const ms = Number(match[1]) * unit;
  if (ms <= 0) throw new UsageError(`${flag} must be more than zero`);
  if (ms > MAX_SINCE_MS)
    throw new UsageError(`${flag} ${text} is more than 90 days (Event history keeps 90)`);
  return ms;
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
