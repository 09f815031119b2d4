// The props of TrailwatchDetector's organization fan-out, each with its default, and their checks.
import { ACCOUNT_ID, PARENT_ID, selectionProblems } from '../lambda/core/organization';

/**
 * Who creates the member-role StackSet: a member account registered as a delegated administrator
 * for CloudFormation StackSets, or the organization's management account itself.
 */
export type OrganizationCallAs = 'DELEGATED_ADMIN' | 'SELF';
export const ORGANIZATION_CALL_AS: readonly OrganizationCallAs[] = ['DELEGATED_ADMIN', 'SELF'];

/**
 * Watching every account of an AWS Organization (docs/organization.md). The single-account detector
 * stays as it is and keeps watching the account it is deployed in; this adds a dispatcher that lists
 * the organization's accounts every run, a work queue, workers that read each member account's
 * Event history through a read-only role, and the StackSet that deploys that role.
 */
export interface OrganizationWatchProps {
  /** The organization's id, `o-` and 10 to 32 lowercase letters or digits. */
  readonly organizationId: string;
  /**
   * The organization's root, `r-xxxx`: where the member-role StackSet is deployed when no
   * organizational units are given. Required then; ignored when `organizationalUnitIds` is set.
   * @default - none
   */
  readonly rootId?: string;
  /**
   * Organizational units (`ou-...`, or a root `r-...`) whose accounts, at any depth, are watched and
   * receive the member role. The StackSet targets these instead of the root.
   * @default - the whole organization (the StackSet targets `rootId`)
   */
  readonly organizationalUnitIds?: readonly string[];
  /**
   * Account ids (12 digits) never watched. They still receive the member role when they sit under a
   * target: the StackSet deploys by organizational unit.
   * @default - none
   */
  readonly excludeAccounts?: readonly string[];
  /**
   * Regions whose Event history is read in every member account.
   * @default - the detector's `regions`
   */
  readonly regions?: readonly string[];
  /**
   * The most workers running at once: the work queue's event source maximum concurrency, 2 to 1000.
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * The name of the read-only role the StackSet creates in every member account (IAM role name rules:
   * 1 to 64 of letters, digits and `+=,.@_-`).
   * @default 'trailwatch-member-reader'
   */
  readonly memberRoleName?: string;
  /**
   * `DELEGATED_ADMIN` when deploying from a member account registered as a StackSets delegated
   * administrator (recommended: the security account), `SELF` from the management account.
   * @default 'DELEGATED_ADMIN'
   */
  readonly callAs?: OrganizationCallAs;
  /**
   * Watch the management account too. A service-managed StackSet never deploys to the management
   * account, so its member role must be created there by hand (docs/organization.md).
   * @default false
   */
  readonly includeManagementAccount?: boolean;
}

export const ORGANIZATION_DEFAULTS = {
  maxConcurrency: 10,
  memberRoleName: 'trailwatch-member-reader',
  callAs: 'DELEGATED_ADMIN' as OrganizationCallAs,
  includeManagementAccount: false,
} as const;

/** The bounds of the work queue's event source maximum concurrency (Lambda accepts 2 to 1000). */
export const ORGANIZATION_CONCURRENCY = { min: 2, max: 1000 } as const;

/** An organization id: `o-` and 10 to 32 lowercase letters or digits. */
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/** An organization root id. */
export const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
/** An IAM role name: 1 to 64 of letters, digits and `+=,.@_-`. */
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export { ACCOUNT_ID, PARENT_ID };

/** The checks of OrganizationWatchProps, each problem naming the prop (empty when all is well). */
export function organizationProblems(props: OrganizationWatchProps): string[] {
  const ous = props.organizationalUnitIds ?? [];
  const concurrency = props.maxConcurrency ?? ORGANIZATION_DEFAULTS.maxConcurrency;
  const roleName = props.memberRoleName ?? ORGANIZATION_DEFAULTS.memberRoleName;
  const problems: string[] = [];
  if (!ORGANIZATION_ID.test(props.organizationId)) {
    problems.push(
      `organization.organizationId: "${props.organizationId.slice(0, 80)}" is not an organization id (o- and 10 to 32 lowercase letters or digits)`,
    );
  }
  if (props.rootId !== undefined && !ROOT_ID.test(props.rootId)) {
    problems.push(`organization.rootId: "${props.rootId.slice(0, 80)}" is not a root id (r-xxxx)`);
  }
  if (ous.length === 0 && props.rootId === undefined) {
    problems.push(
      'organization.rootId is required when no organizationalUnitIds are given: the member-role StackSet targets it',
    );
  }
  for (const problem of selectionProblems({ ous, exclude: props.excludeAccounts ?? [] })) {
    problems.push(`organization: ${problem}`);
  }
  if (props.regions !== undefined && props.regions.length === 0) {
    problems.push('organization.regions must name at least one region');
  }
  if (
    !Number.isInteger(concurrency) ||
    concurrency < ORGANIZATION_CONCURRENCY.min ||
    concurrency > ORGANIZATION_CONCURRENCY.max
  ) {
    problems.push(
      `organization.maxConcurrency is not a whole number from ${ORGANIZATION_CONCURRENCY.min} to ${ORGANIZATION_CONCURRENCY.max}, got ${concurrency}`,
    );
  }
  if (!ROLE_NAME.test(roleName)) {
    problems.push(
      `organization.memberRoleName: "${roleName.slice(0, 80)}" is not an IAM role name (1 to 64 of letters, digits and +=,.@_-)`,
    );
  }
  if (props.callAs !== undefined && !ORGANIZATION_CALL_AS.includes(props.callAs)) {
    problems.push(
      `organization.callAs: "${String(props.callAs)}" is not one of ${ORGANIZATION_CALL_AS.join(', ')}`,
    );
  }
  return problems;
}
