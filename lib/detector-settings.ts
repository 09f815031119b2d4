// The checks and conversions TrailwatchDetector applies to its props before it builds anything.
import type { Duration } from 'aws-cdk-lib';
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
