// The checks and conversions TrailwatchDetector applies to its props before it builds anything.
import { type Duration, Token } from 'aws-cdk-lib';
import { suppressionProblems } from '../lambda/compose';
import {
  MAX_SUPPRESSIONS_BYTES,
  WHOLE_NUMBER_SETTINGS as SETTINGS,
  type WholeNumberSetting,
  type WholeNumberSettingKey,
  wholeNumberProblem,
} from '../lambda/core/settings';
import { SEVERITIES, type Severity } from '../lambda/core/types';

/** `minimum` and every severity above it, in SEVERITIES order. */
export function atOrAbove(minimum: Severity): string[] {
  return SEVERITIES.slice(SEVERITIES.indexOf(minimum));
}

export function wholeMinutes(duration: Duration | undefined, fallback: number): number {
  if (duration === undefined) return fallback;
  // A fraction fails the range check, whose message names the property.
  return duration.toSeconds() / 60;
}

export function checkSuppressions(document: unknown): string[] {
  if (document === undefined) return [];
  const problems = suppressionProblems(document, Date.now());
  if (problems.length > 0) return problems.map((p) => `suppressions: ${p}`);
  const bytes = Buffer.byteLength(JSON.stringify(document), 'utf8');
  return bytes > MAX_SUPPRESSIONS_BYTES
    ? [
        `suppressions: ${bytes} bytes of JSON; at most ${MAX_SUPPRESSIONS_BYTES} fit in the function's environment`,
      ]
    : [];
}

export function checkRange(name: string, value: number, key: WholeNumberSettingKey): string[] {
  const problem = wholeNumberProblem(key, value);
  return problem === undefined ? [] : [`${name} ${problem}, got ${value}`];
}

export function assertValid(problems: string[]): void {
  if (problems.length > 0) {
    throw new Error(`Invalid TrailwatchDetector props:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Each value under its setting's environment variable (`WHOLE_NUMBER_SETTINGS[key].env`). */
export function settingsEnvironment(
  values: Partial<Record<WholeNumberSettingKey, number>>,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(values) as Array<[WholeNumberSettingKey, number]>) {
    const setting: WholeNumberSetting = SETTINGS[key];
    if (setting.env !== undefined) environment[setting.env] = String(value);
  }
  return environment;
}

/** Comma list for TRAILWATCH_REGIONS; a token region (env-agnostic stack) becomes a Fn::Join. */
export function regionList(regions: readonly string[]): string {
  return [...new Set(regions)].join(',');
}

/**
 * What a value is counted as when its text is known only at deploy time (a table name, a queue URL):
 * at least what such values reach (a queue URL is under 130 bytes, a topic ARN under 300).
 */
export const TOKEN_VALUE_BYTES = 256;

/** The bytes an environment takes against Lambda's 4 KB: every key and value, unresolved values at TOKEN_VALUE_BYTES. */
export function environmentBytes(environment: Record<string, string>): number {
  let bytes = 0;
  for (const [key, value] of Object.entries(environment)) {
    bytes += Buffer.byteLength(key, 'utf8');
    bytes += Token.isUnresolved(value) ? TOKEN_VALUE_BYTES : Buffer.byteLength(value, 'utf8');
  }
  return bytes;
}

/**
 * MAX_SUPPRESSIONS_BYTES leaves the rest of the 4 KB to the detector function's own variables. A
 * function whose environment holds more than the detector's (the organization's dispatcher and worker:
 * the work queue, the OU and exclusion lists, their regions) leaves that much less to the suppression
 * list. `extraBytes` is how much more, as environmentBytes() counts it.
 */
export function checkEnvironmentBudget(
  functionName: string,
  extraBytes: number,
  suppressions: unknown,
): string[] {
  if (extraBytes <= 0) return [];
  const suppressionBytes =
    suppressions === undefined ? 0 : Buffer.byteLength(JSON.stringify(suppressions), 'utf8');
  const available = MAX_SUPPRESSIONS_BYTES - extraBytes;
  if (suppressionBytes <= available) return [];
  return available <= 0
    ? [
        `organization: the ${functionName} function's variables need ${extraBytes} bytes more than the detector's, ` +
          `over the ${MAX_SUPPRESSIONS_BYTES} its 4 KB environment has for them (shorten organizationalUnitIds, excludeAccounts or regions)`,
      ]
    : [
        `suppressions: ${suppressionBytes} bytes of JSON; the ${functionName} function's environment holds ` +
          `${extraBytes} bytes more than the detector's, so at most ${available} fit`,
      ];
}
