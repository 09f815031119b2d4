// A local stand-in for AWS Organizations' read calls (AWS JSON 1.1, target prefix
// AWSOrganizationsV20161128), faithful enough for the real OrganizationsClient: one root, nested
// organizational units, accounts with their status, pages of at most 20 with NextTokens bound to
// the call and parent, and throttling on demand. Node built-ins only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, deterministicUuid, LOOPBACK, listen, readBodyOr, sendAwsJson } from './net';

const JSON_11 = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSOrganizationsV20161128.';
const MAX_RESULTS = 20;
const ORG_ID = 'o-exampleorg1';
const MANAGEMENT_ACCOUNT = '111111111111';

export type AccountStatus = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';

export interface LocalAccount {
  readonly id: string;
  readonly name: string;
  readonly status: AccountStatus;
  /** The OU (or the root) the account sits in. */
  readonly parentId: string;
}

export interface LocalOu {
  readonly id: string;
  readonly name: string;
  readonly parentId: string;
}

export interface LocalOrganizations {
  readonly endpoint: string;
  readonly organizationId: string;
  /** The management account's id, as DescribeOrganization names it. */
  readonly managementAccount: string;
  readonly rootId: string;
  /** Adds an OU under a parent (the root or another OU); returns its id. */
  addOu(name: string, parentId: string): string;
  addAccount(account: LocalAccount): void;
  /** Changes an account's status (suspended, closing), as closing it does. */
  setAccountStatus(id: string, status: AccountStatus): void;
  /** Answers the next `count` calls with TooManyRequestsException. */
  throttleNext(count: number): void;
  /** Every call, by operation name. */
  readonly calls: string[];
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startLocalOrganizations(options: { port?: number } = {}): Promise<LocalOrganizations> {
  const rootId = 'r-ex12';
  const ous = new Map<string, LocalOu>();
  const accounts: LocalAccount[] = [];
  const calls: string[] = [];
  let throttle = 0;
  let requests = 0;
  let ouCounter = 0;

  const parentExists = (id: string): boolean => id === rootId || ous.has(id);
  const accountArn = (a: LocalAccount) =>
    `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:account/${ORG_ID}/${a.id}`;
  const wireAccount = (a: LocalAccount) => ({
    Id: a.id,
    Arn: accountArn(a),
    Email: `${a.id}@example.com`,
    Name: a.name,
    Status: a.status,
    State: a.status === 'ACTIVE' ? 'ACTIVE' : a.status === 'SUSPENDED' ? 'SUSPENDED' : 'PENDING_CLOSURE',
    JoinedMethod: 'CREATED',
    JoinedTimestamp: 1_700_000_000,
  });
  const wireOu = (ou: LocalOu) => ({
    Id: ou.id,
    Arn: `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:ou/${ORG_ID}/${ou.id}`,
    Name: ou.name,
  });

  /** A page of `items`; the token names the call and parent it belongs to, as the service's do. */
  const page = <T>(
    items: readonly T[],
    input: Record<string, unknown>,
    scope: string,
  ): { items: T[]; next?: string } => {
    const max = input.MaxResults === undefined ? MAX_RESULTS : Number(input.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
      throw new ApiError(400, 'InvalidInputException', `MaxResults must be 1 to ${MAX_RESULTS}`);
    }
    let offset = 0;
    if (input.NextToken !== undefined) {
      const [tokenScope, at] = Buffer.from(String(input.NextToken), 'base64url').toString('utf8').split('|');
      if (tokenScope !== scope || !/^\d+$/.test(at ?? '')) {
        throw new ApiError(400, 'InvalidInputException', 'The NextToken is not valid for this request');
      }
      offset = Number(at);
    }
    const slice = items.slice(offset, offset + max);
    const more = offset + max < items.length;
    return {
      items: slice,
      ...(more ? { next: Buffer.from(`${scope}|${offset + max}`, 'utf8').toString('base64url') } : {}),
    };
  };

  const parentOf = (input: Record<string, unknown>): string => {
    const id = String(input.ParentId ?? '');
    if (!parentExists(id)) throw new ApiError(400, 'ParentNotFoundException', `Parent ${id} not found`);
    return id;
  };

  const operations: Record<string, (input: Record<string, unknown>) => Record<string, unknown>> = {
    DescribeOrganization: () => ({
      Organization: {
        Id: ORG_ID,
        Arn: `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:organization/${ORG_ID}`,
        FeatureSet: 'ALL',
        MasterAccountArn: `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:account/${ORG_ID}/${MANAGEMENT_ACCOUNT}`,
        MasterAccountId: MANAGEMENT_ACCOUNT,
        MasterAccountEmail: 'management@example.com',
        AvailablePolicyTypes: [],
      },
    }),
    ListRoots: (input) => {
      const p = page([rootId], input, 'roots');
      return {
        Roots: p.items.map((id) => ({
          Id: id,
          Arn: `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:root/${ORG_ID}/${id}`,
          Name: 'Root',
          PolicyTypes: [],
        })),
        ...(p.next ? { NextToken: p.next } : {}),
      };
    },
    ListOrganizationalUnitsForParent: (input) => {
      const parent = parentOf(input);
      const p = page(
        [...ous.values()].filter((ou) => ou.parentId === parent),
        input,
        `ous:${parent}`,
      );
      return { OrganizationalUnits: p.items.map(wireOu), ...(p.next ? { NextToken: p.next } : {}) };
    },
    ListAccountsForParent: (input) => {
      const parent = parentOf(input);
      const p = page(
        accounts.filter((a) => a.parentId === parent),
        input,
        `accounts:${parent}`,
      );
      return { Accounts: p.items.map(wireAccount), ...(p.next ? { NextToken: p.next } : {}) };
    },
    ListAccounts: (input) => {
      const p = page(accounts, input, 'accounts');
      return { Accounts: p.items.map(wireAccount), ...(p.next ? { NextToken: p.next } : {}) };
    },
  };

  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string): void =>
    sendAwsJson(res, status, body, {
      contentType: JSON_11,
      requestId: deterministicUuid('organizations', ++requests),
      errorType,
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const raw = await readBodyOr(
        req,
        64 * 1024,
        (message) => new ApiError(413, 'SerializationException', message),
      );
      const target = String(req.headers['x-amz-target'] ?? '');
      const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      const operation = operations[name];
      if (req.method !== 'POST' || operation === undefined) {
        throw new ApiError(400, 'UnknownOperationException', `Unknown operation ${target}`);
      }
      if (!req.headers.authorization) {
        throw new ApiError(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      calls.push(name);
      if (throttle > 0) {
        throttle -= 1;
        throw new ApiError(400, 'TooManyRequestsException', 'Rate exceeded');
      }
      let input: unknown;
      try {
        input = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ApiError(400, 'SerializationException', 'Request body is not valid JSON');
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw new ApiError(400, 'SerializationException', 'Request body must be an object');
      }
      send(res, 200, operation(input as Record<string, unknown>));
    } catch (error) {
      const e =
        error instanceof ApiError ? error : new ApiError(500, 'ServiceException', 'Unexpected server error');
      send(res, e.status, { __type: e.type, Message: e.message }, e.type);
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  const port = await listen(server, options.port ?? 0);
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    organizationId: ORG_ID,
    managementAccount: MANAGEMENT_ACCOUNT,
    rootId,
    addOu(name, parentId) {
      if (!parentExists(parentId)) throw new Error(`no parent ${parentId}`);
      ouCounter += 1;
      const id = `ou-ex12-${String(ouCounter).padStart(8, '0')}`;
      ous.set(id, { id, name, parentId });
      return id;
    },
    addAccount(account) {
      if (!parentExists(account.parentId)) throw new Error(`no parent ${account.parentId}`);
      accounts.push(account);
    },
    setAccountStatus(id, status) {
      const at = accounts.findIndex((a) => a.id === id);
      if (at < 0) throw new Error(`no account ${id}`);
      accounts[at] = { ...accounts[at]!, status };
    },
    throttleNext(count) {
      throttle = count;
    },
    calls,
    close: () => closeServer(server),
  };
}
