// Which accounts of an organization are watched: the real OrganizationsClient against a local
// server speaking the Organizations wire protocol, over a tree of nested OUs and 50 accounts.
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { readOrganization } from '../../lambda/adapters/organizations';
import { selectionProblems, watchedAccounts } from '../../lambda/core/organization';
import { type LocalOrganizations, startLocalOrganizations } from '../../local/organizations';

let org: LocalOrganizations;
let client: OrganizationsClient;
const ous: Record<string, string> = {};

beforeAll(async () => {
  org = await startLocalOrganizations();
  client = new OrganizationsClient({
    region: 'us-east-1',
    endpoint: org.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 4,
  });
  // Root / Security ; Root / Workloads / Payments ; Root / Workloads / Sandbox
  ous.security = org.addOu('Security', org.rootId);
  ous.workloads = org.addOu('Workloads', org.rootId);
  ous.payments = org.addOu('Payments', ous.workloads);
  ous.sandbox = org.addOu('Sandbox', ous.workloads);
  // 25 accounts in Security (two pages of the service's 20), the rest spread over the others.
  const place = [org.rootId, ous.payments!, ous.sandbox!, ous.workloads!];
  for (let i = 0; i < 50; i++) {
    org.addAccount({
      id: String(100000000000 + i),
      name: `account-${i}`,
      // Every tenth account is suspended, one is closing.
      status: i % 10 === 9 ? 'SUSPENDED' : i === 42 ? 'PENDING_CLOSURE' : 'ACTIVE',
      parentId: i < 25 ? ous.security! : place[(i - 25) % place.length]!,
    });
  }
});
afterAll(async () => {
  client.destroy();
  await org.close();
});

describe('reading an organization', () => {
  it('lists every account at any depth, page by page, with its OU path and names', async () => {
    const accounts = await readOrganization(client);
    expect(accounts).toHaveLength(50);
    const payments = accounts.find((a) => a.id === '100000000026')!;
    expect(payments).toMatchObject({
      name: 'account-26',
      active: true,
      parentId: ous.payments,
      path: [org.rootId, ous.workloads, ous.payments],
      pathNames: ['Root', 'Workloads', 'Payments'],
    });
    // One page for each of the five parents, and a second for Security's 25.
    expect(org.calls.filter((c) => c === 'ListAccountsForParent')).toHaveLength(6);
    expect(accounts.filter((a) => a.parentId === ous.security)).toHaveLength(25);
  });

  it('watches the active accounts, of the chosen OUs at any depth, minus exclusions', async () => {
    const accounts = await readOrganization(client);
    const all = watchedAccounts(accounts, {});
    // 5 suspended and 1 closing of 50.
    expect(all).toHaveLength(44);
    const workloads = watchedAccounts(accounts, { ous: [ous.workloads!], exclude: ['100000000026'] });
    expect(new Set(workloads.map((a) => a.parentId))).toEqual(
      new Set([ous.workloads, ous.payments, ous.sandbox]),
    );
    expect(workloads.map((a) => a.id)).not.toContain('100000000026');
    expect(workloads.length).toBeGreaterThan(10);
    expect(workloads.every((a) => a.active)).toBe(true);
    expect(workloads.map((a) => a.id)).toEqual([...workloads.map((a) => a.id)].sort());
  });

  it('rides out throttling with the SDK’s retries', async () => {
    org.throttleNext(2);
    expect(await readOrganization(client)).toHaveLength(50);
  });

  it('names each bad OU or account id in a selection', () => {
    expect(selectionProblems({ ous: ['ou-ex12-00000001', 'Workloads'], exclude: ['12345'] })).toEqual([
      '"Workloads" is not an organizational unit or root id (ou-xxxx-xxxxxxxx or r-xxxx)',
      '"12345" is not an account id (12 digits)',
    ]);
    expect(selectionProblems({ ous: [ous.sandbox!, org.rootId], exclude: ['100000000001'] })).toEqual([]);
  });
});
