// The organization keys of the CDK context (docs/organization.md), read into OrganizationWatchProps.
import { selectionProblems } from '../lambda/core/organization';
import {
  type ContextKey,
  isUnset,
  type Report,
  readBoolean,
  readList,
  readPattern,
  readRegions,
  readWholeNumber,
} from './context-readers';
import {
  ORGANIZATION_CALL_AS,
  ORGANIZATION_CONCURRENCY,
  ORGANIZATION_ID,
  type OrganizationCallAs,
  type OrganizationWatchProps,
  ROLE_NAME,
  ROOT_ID,
} from './organization-props';

/** The keys read only with `organization=true`. */
const ORGANIZATION_KEYS = [
  'organizationId',
  'organizationRootId',
  'organizationOus',
  'organizationExclude',
  'organizationRegions',
  'organizationConcurrency',
  'memberRoleName',
  'organizationCallAs',
  'organizationIncludeManagement',
] as const satisfies readonly ContextKey[];

/**
 * The organization keys, read only with `organization=true`. With `organization=false` they are
 * ignored (a switch for keys kept in cdk.json); set without `organization` at all, each is a problem,
 * since it would otherwise be ignored in silence.
 */
export function readOrganization(
  get: (key: ContextKey) => unknown,
  report: Report,
): OrganizationWatchProps | undefined {
  const on = readBoolean('organization', get('organization'), report);
  if (on !== true) {
    // Unset, not merely malformed (that has its own problem): the other keys would be ignored.
    if (isUnset(get('organization'))) {
      for (const key of ORGANIZATION_KEYS) {
        if (!isUnset(get(key))) {
          report(key, 'is set but organization is not (add -c organization=true, or remove the key)');
        }
      }
    }
    return undefined;
  }
  const organizationId = readPattern(
    'organizationId',
    get('organizationId'),
    ORGANIZATION_ID,
    'is not an organization id (expected o- and 10 to 32 lowercase letters or digits, e.g. o-a1b2c3d4e5)',
    report,
  );
  if (organizationId === undefined && isUnset(get('organizationId'))) {
    report('organizationId', 'is required with organization=true (expected o-xxxxxxxxxx)');
  }
  const rootId = readPattern(
    'organizationRootId',
    get('organizationRootId'),
    ROOT_ID,
    'is not an organization root id (expected r- and 4 to 32 lowercase letters or digits, e.g. r-ab12)',
    report,
  );
  const ous = readList('organizationOus', get('organizationOus'), report);
  for (const problem of selectionProblems({ ous: ous ?? [] })) report('organizationOus', problem);
  if ((ous === undefined || ous.length === 0) && isUnset(get('organizationRootId'))) {
    report(
      'organizationRootId',
      'is required when organizationOus is not set: the member-role StackSet targets the root (expected r-xxxx)',
    );
  }
  const exclude = readList('organizationExclude', get('organizationExclude'), report);
  for (const problem of selectionProblems({ exclude: exclude ?? [] })) report('organizationExclude', problem);
  const regions = readRegions('organizationRegions', get('organizationRegions'), report);
  const maxConcurrency = readWholeNumber(
    'organizationConcurrency',
    get('organizationConcurrency'),
    ORGANIZATION_CONCURRENCY,
    report,
  );
  const memberRoleName = readPattern(
    'memberRoleName',
    get('memberRoleName'),
    ROLE_NAME,
    'is not an IAM role name (expected 1 to 64 of letters, digits and +=,.@_-)',
    report,
  );
  const callAsRaw = get('organizationCallAs');
  let callAs: OrganizationCallAs | undefined;
  if (!isUnset(callAsRaw)) {
    const normalised = typeof callAsRaw === 'string' ? callAsRaw.trim().toUpperCase() : callAsRaw;
    if (ORGANIZATION_CALL_AS.includes(normalised as OrganizationCallAs)) {
      callAs = normalised as OrganizationCallAs;
    } else {
      report(
        'organizationCallAs',
        `${JSON.stringify(callAsRaw)} is not DELEGATED_ADMIN or SELF (SELF only when deploying from the management account)`,
      );
    }
  }
  const includeManagement = readBoolean(
    'organizationIncludeManagement',
    get('organizationIncludeManagement'),
    report,
  );
  if (organizationId === undefined) return undefined;
  return {
    organizationId,
    rootId,
    organizationalUnitIds: ous === undefined ? undefined : [...new Set(ous)],
    excludeAccounts: exclude === undefined ? undefined : [...new Set(exclude)],
    regions,
    maxConcurrency,
    memberRoleName,
    callAs,
    includeManagementAccount: includeManagement,
  };
}
