// The typed readers of CDK context values, shared by lib/context.ts and lib/organization-context.ts:
// each reads one key, reports every problem naming the key, and gives undefined when unset or bad.
/** AWS commercial-partition regions (2026); GovCloud, China and the European Sovereign Cloud are separate partitions. */
export const COMMERCIAL_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-1',
  'ap-south-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-south-1',
  'eu-south-2',
  'eu-north-1',
  'il-central-1',
  'me-south-1',
  'me-central-1',
  'mx-central-1',
  'sa-east-1',
];

export const CONTEXT_KEYS = [
  'alertEmail',
  'alertPhone',
  'alertUrl',
  'scheduleMinutes',
  'regions',
  'overlapMinutes',
  'lateAlertMinutes',
  'initialLookbackMinutes',
  'minSeverity',
  'alertRetentionDays',
  'maxPagesPerRun',
  'maxAlertsPerRun',
  'repeatWindowMinutes',
  'firstSeen',
  'firstSeenLearningDays',
  'memoryMb',
  'timeoutSeconds',
  'logRetentionDays',
  'removalPolicy',
  'reservedConcurrency',
  'suppressionsFile',
  'organization',
  'organizationId',
  'organizationRootId',
  'organizationOus',
  'organizationExclude',
  'organizationRegions',
  'organizationConcurrency',
  'memberRoleName',
  'organizationCallAs',
  'organizationIncludeManagement',
  'eventBus',
  'securityHub',
  'slackWorkspaceId',
  'slackChannelId',
  'teamsTenantId',
  'teamsTeamId',
  'teamsChannelId',
  'chatMinSeverity',
  'pagerDutyRoutingKeySecret',
  'pagerDutySeverities',
  'dashboard',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

export type Report = (key: ContextKey, message: string) => void;

export function isUnset(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** A single value, a comma-separated string, a JSON array in a string, or an array (from cdk.json). */
export function readList(key: ContextKey, value: unknown, report: Report): string[] | undefined {
  if (isUnset(value)) return undefined;
  let items: unknown = value;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      items = JSON.parse(value);
    } catch {
      report(key, `${JSON.stringify(value)} is not a valid JSON array (expected ["a","b"] or a,b)`);
      return undefined;
    }
  }
  if (typeof items === 'string') {
    return items
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  if (Array.isArray(items) && items.every((item) => typeof item === 'string')) {
    return items.map((item: string) => item.trim()).filter((item) => item !== '');
  }
  report(
    key,
    `${JSON.stringify(value)} is not a list of strings (expected a comma-separated string or a JSON array)`,
  );
  return undefined;
}

/** A list of AWS commercial region codes, lower-cased, repeats removed. */
export function readRegions(key: ContextKey, value: unknown, report: Report): string[] | undefined {
  const regions = readList(key, value, report)?.map((r) => r.toLowerCase());
  for (const region of regions ?? []) {
    if (!COMMERCIAL_REGIONS.includes(region)) {
      report(
        key,
        `"${region}" is not a known AWS commercial region (expected a comma-separated list such as us-east-1,eu-west-1)`,
      );
    }
  }
  return regions === undefined ? undefined : [...new Set(regions)];
}

/** `true` or `false`, as a boolean (cdk.json) or a string in any case (-c). */
export function readBoolean(key: ContextKey, value: unknown, report: Report): boolean | undefined {
  if (isUnset(value)) return undefined;
  if (typeof value === 'boolean') return value;
  const normalised = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (normalised === 'true') return true;
  if (normalised === 'false') return false;
  report(key, `${JSON.stringify(value)} is not true or false`);
  return undefined;
}

/** A trimmed string that matches `pattern`. */
export function readPattern(
  key: ContextKey,
  value: unknown,
  pattern: RegExp,
  problem: string,
  report: Report,
): string | undefined {
  if (isUnset(value)) return undefined;
  const text = typeof value === 'string' ? value.trim() : undefined;
  if (text !== undefined && pattern.test(text)) return text;
  report(key, `${JSON.stringify(value).slice(0, 80)} ${problem}`);
  return undefined;
}

export function readWholeNumber(
  key: ContextKey,
  value: unknown,
  limits: { min: number; max: number },
  report: Report,
): number | undefined {
  if (isUnset(value)) return undefined;
  const parsed =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)
        ? Number(value)
        : NaN;
  if (Number.isInteger(parsed) && parsed >= limits.min && parsed <= limits.max) return parsed;
  report(key, `${JSON.stringify(value)} is not a whole number from ${limits.min} to ${limits.max}`);
  return undefined;
}
