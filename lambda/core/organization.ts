// Which accounts of an AWS Organization to watch. Pure: the directory is read by an adapter.

/** An account as the organization lists it, with where it sits. */
export interface OrganizationAccount {
  readonly id: string;
  readonly name: string;
  /** Only active accounts are read: a suspended or closing account stops being watched. */
  readonly active: boolean;
  /** The OU (or root) it sits in, and the path of OU ids from the root down to it (root first). */
  readonly parentId: string;
  readonly path: readonly string[];
  /** The OU names along the path, for alerts: `Root/Workloads/Payments`. */
  readonly pathNames: readonly string[];
}

export interface AccountSelection {
  /** OU or root ids whose accounts, at any depth, are watched; none = the whole organization. */
  readonly ous?: readonly string[];
  /** Account ids never watched. */
  readonly exclude?: readonly string[];
}

/** An account id: 12 digits. */
export const ACCOUNT_ID = /^\d{12}$/;
/** An organization root (`r-`) or organizational unit (`ou-`) id. */
export const PARENT_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;

/** The problems of a selection (none when it is valid), each naming the value. */
export function selectionProblems(selection: AccountSelection): string[] {
  return [
    ...(selection.ous ?? [])
      .filter((id) => !PARENT_ID.test(id))
      .map(
        (id) => `"${id.slice(0, 80)}" is not an organizational unit or root id (ou-xxxx-xxxxxxxx or r-xxxx)`,
      ),
    ...(selection.exclude ?? [])
      .filter((id) => !ACCOUNT_ID.test(id))
      .map((id) => `"${id.slice(0, 80)}" is not an account id (12 digits)`),
  ];
}

/** The accounts to watch: active, under one of the OUs when any are given, and not excluded; by id. */
export function watchedAccounts(
  accounts: readonly OrganizationAccount[],
  selection: AccountSelection,
): OrganizationAccount[] {
  const ous = new Set(selection.ous ?? []);
  const exclude = new Set(selection.exclude ?? []);
  return accounts
    .filter((a) => a.active && !exclude.has(a.id))
    .filter((a) => ous.size === 0 || a.path.some((id) => ous.has(id)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
