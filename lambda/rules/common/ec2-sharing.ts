// EC2 snapshot and image sharing: what a `{ add: { items: [...] } }` permission change grants.
import { str } from '../../core/event';
import { isAccountId } from '../../core/principal';
import { child, itemsOf } from './json';

export interface Share {
  /** `group: all` was added: anyone with an AWS account can use the resource. */
  readonly public: boolean;
  /** Other 12-digit accounts added (the recipient account itself is left out). */
  readonly accounts: readonly string[];
  /** Organizations or OUs added (AMIs only). */
  readonly organizations: readonly string[];
}

/** What an EC2 permission change grants, read from its `add` half only. */
export function readShare(permission: unknown, homeAccount: string): Share {
  const items = itemsOf(child(permission, 'add'));
  const accounts = new Set<string>();
  const organizations = new Set<string>();
  let everyone = false;
  for (const item of items) {
    if (str(child(item, 'group')).trim().toLowerCase() === 'all') everyone = true;
    const account = str(child(item, 'userId')).trim();
    if (isAccountId(account) && account !== homeAccount) accounts.add(account);
    for (const key of ['organizationArn', 'organizationalUnitArn']) {
      const arn = str(child(item, key)).trim();
      if (arn !== '') organizations.add(arn);
    }
  }
  return { public: everyone, accounts: [...accounts].sort(), organizations: [...organizations].sort() };
}
