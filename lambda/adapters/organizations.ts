// Reads an AWS Organization's tree (roots, OUs at any depth, their accounts) with the real
// OrganizationsClient, page by page, so that every account knows its OU path.
import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { OrganizationAccount } from '../core/organization';

/** Every account of the organization, with its OU path. Throws what the API throws. */
export async function readOrganization(client: OrganizationsClient): Promise<OrganizationAccount[]> {
  const accounts: OrganizationAccount[] = [];
  const roots = await allPages(async (NextToken) => {
    const out = await client.send(new ListRootsCommand({ NextToken }));
    return { items: out.Roots ?? [], next: out.NextToken };
  });
  // Breadth first, so that a deep tree does not deepen the stack.
  const queue: Array<{ id: string; path: string[]; names: string[] }> = roots.map((root) => ({
    id: root.Id ?? '',
    path: [root.Id ?? ''],
    names: [root.Name ?? 'Root'],
  }));
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const parent = next;
    const listed = await allPages(async (NextToken) => {
      const out = await client.send(new ListAccountsForParentCommand({ ParentId: parent.id, NextToken }));
      return { items: out.Accounts ?? [], next: out.NextToken };
    });
    for (const account of listed) {
      const state = String(account.State ?? account.Status ?? '');
      accounts.push({
        id: account.Id ?? '',
        name: account.Name ?? '',
        active: state === 'ACTIVE',
        parentId: parent.id,
        path: parent.path,
        pathNames: parent.names,
      });
    }
    const children = await allPages(async (NextToken) => {
      const out = await client.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: parent.id, NextToken }),
      );
      return { items: out.OrganizationalUnits ?? [], next: out.NextToken };
    });
    for (const ou of children) {
      queue.push({
        id: ou.Id ?? '',
        path: [...parent.path, ou.Id ?? ''],
        names: [...parent.names, ou.Name ?? ''],
      });
    }
  }
  return accounts;
}

/** The organization's id and its management account, which a service-managed StackSet never reaches. */
export async function describeOrganization(
  client: OrganizationsClient,
): Promise<{ id: string; managementAccount: string }> {
  const out = await client.send(new DescribeOrganizationCommand({}));
  return { id: out.Organization?.Id ?? '', managementAccount: out.Organization?.MasterAccountId ?? '' };
}

async function allPages<T>(
  fetch: (token: string | undefined) => Promise<{ items: readonly T[]; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const { items, next } = await fetch(token);
    all.push(...items);
    token = next;
  } while (token);
  return all;
}
