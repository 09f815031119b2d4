// Small pure helpers of the CIS monitoring rules (network changes, and the few shared checks
// those rules need: AWS-made calls, EC2 item lists, IAM/KMS policy documents, trailwatch's key).
// Like helpers.ts, every function accepts any TrailEvent or JSON and never throws.
import { isObject, obj, str } from '../core/event';
import type { RuleContext } from '../core/rule';
import type { JsonObject, JsonValue, Severity, TrailEvent } from '../core/types';
import { arnAccount, failed, isServiceLinkedRole } from './helpers';

// ---------------------------------------------------------------------------------------------
// Who

/**
 * `invokedBy` values that mean "a person in the console", not "an AWS service on the caller's
 * behalf": older console events carry them, and they must not lower a human's change.
 */
const CONSOLE_INVOKERS = new Set(['signin.amazonaws.com', 'console.amazonaws.com']);

/**
 * AWS made the call: an AWS service principal, a service acting for the caller (`invokedBy`,
 * e.g. CloudFormation), or a service-linked role. `invokedBy` is set by AWS, not by the caller,
 * so unlike the user agent it can be trusted to lower a severity.
 */
export function viaAwsService(e: TrailEvent): boolean {
  const { type, invokedBy } = e.actor;
  return (
    type === 'AWSService' || (invokedBy !== '' && !CONSOLE_INVOKERS.has(invokedBy)) || isServiceLinkedRole(e)
  );
}

/** The account that owns the change: the recipient account, else the caller's. */
export function homeAccount(e: TrailEvent): string {
  return e.recipientAccountId || e.actor.accountId;
}

/** A 12-digit account that is set and differs from the event's own account. */
export function isForeignAccount(e: TrailEvent, account: string): boolean {
  const home = homeAccount(e);
  return /^\d{12}$/.test(account) && home !== '' && account !== home;
}

// ---------------------------------------------------------------------------------------------
// Severity

const LADDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** One step down the ladder (info stays info). */
export function lower(severity: Severity): Severity {
  return LADDER[Math.max(0, LADDER.indexOf(severity) - 1)] ?? 'info';
}

/** A change's usual judgement: `base`, one step lower when an AWS service made it, low when it failed. */
export function judgeChange(e: TrailEvent, base: Severity): Severity {
  if (failed(e)) return 'low';
  return viaAwsService(e) ? lower(base) : base;
}

// ---------------------------------------------------------------------------------------------
// Shapes

/** A JSON value as a list: arrays as they are, a single value as a one-item list, nothing as []. */
export function asList(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** EC2 writes lists as `{ "items": [...] }`; accepts that, a bare array or one object. */
export function ec2Items(value: JsonValue | undefined): JsonObject[] {
  const inner = isObject(value) && 'items' in value ? value.items : value;
  return asList(inner).filter(isObject);
}

/** `0.0.0.0/0` or `::/0` (the whole IPv4 or IPv6 internet). */
export function isWorldCidr(value: unknown): boolean {
  const cidr = str(value).trim();
  return cidr === '0.0.0.0/0' || cidr === '::/0';
}

// ---------------------------------------------------------------------------------------------
// Ports

/**
 * Remote administration, databases, caches and container daemons: ports never meant for the whole
 * internet (SSH, RDP, Telnet, FTP, SMB/NetBIOS, WinRM, VNC, MySQL, PostgreSQL, SQL Server, Oracle,
 * Redis, MongoDB, Elasticsearch, Memcached, Docker). The security-group and network-ACL rules both
 * use this list, so a group and an ACL opening the same port are judged alike.
 */
const ADMIN_PORTS: readonly number[] = [
  21, 22, 23, 135, 139, 445, 1433, 1521, 2375, 2376, 3306, 3389, 5432, 5900, 5985, 5986, 6379, 9200, 9300,
  11211, 27017,
];

/** The first administration or database port within `from`..`to` (either order, inclusive), or undefined. */
export function adminPortIn(from: number, to: number): number | undefined {
  const low = Math.min(from, to);
  const high = Math.max(from, to);
  return ADMIN_PORTS.find((port) => port >= low && port <= high);
}

// ---------------------------------------------------------------------------------------------
// Policy documents

/**
 * An IAM or KMS policy as an object. CloudTrail records it as a JSON string (IAM sometimes
 * URL-encoded) or as an object; anything unparseable is {}.
 */
export function policyDocument(value: unknown): JsonObject {
  if (isObject(value)) return value;
  if (typeof value !== 'string' || value === '') return {};
  for (const text of [value, safeDecode(value)]) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) return parsed;
    } catch {
      // Not JSON (or too deep to parse): try the next form.
    }
  }
  return {};
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return '';
  }
}

/** The `Statement` list of a policy document, objects only. */
export function statements(document: JsonObject): JsonObject[] {
  return asList(document.Statement).filter(isObject);
}

/** The strings of a policy element that may be a string or a list (`Action`, `Resource`, ...). */
export function strings(value: JsonValue | undefined): string[] {
  return asList(value).filter((v): v is string => typeof v === 'string');
}

/**
 * The policy allows every action (or every IAM action, which can grant itself the rest) on every
 * resource: an `Allow` statement with Action `*`, `*:*` or `iam:*` and Resource `*`. Conditions
 * are not weighed (an MFA condition still leaves an administrator).
 */
export function grantsAdministrator(document: JsonObject): boolean {
  return statements(document).some((s) => {
    if (str(s.Effect) !== 'Allow') return false;
    const actions = strings(s.Action).map((a) => a.toLowerCase());
    const everyAction = actions.some((a) => a === '*' || a === '*:*' || a === 'iam:*');
    return everyAction && strings(s.Resource).includes('*');
  });
}

/**
 * 12-digit accounts (or `*` for "any account") named as AWS principals of `Allow` statements,
 * from account ids, `arn:aws:iam::<acct>:...` and `arn:aws:sts::<acct>:...` values.
 */
export function allowedAwsAccounts(document: JsonObject): string[] {
  const accounts: string[] = [];
  for (const s of statements(document)) {
    if (str(s.Effect) !== 'Allow') continue;
    for (const principal of strings(obj(s.Principal).AWS)) {
      if (/^\d{12}$/.test(principal)) accounts.push(principal);
      else if (/^arn:[^:]*:(iam|sts)::\*:/.test(principal)) accounts.push('*');
      else {
        const account = arnAccount(principal);
        if (account) accounts.push(account);
      }
    }
  }
  return accounts;
}

// ---------------------------------------------------------------------------------------------
// trailwatch's own resources

/** The bare key id of a key id or key ARN (`arn:aws:kms:<region>:<acct>:key/<id>`), lower-cased. */
function keyIdOf(value: string): string {
  const marker = ':key/';
  const at = value.indexOf(marker);
  return (at < 0 ? value : value.slice(at + marker.length)).trim().toLowerCase();
}

/** The candidate key ids or ARNs of a KMS event: request, response and `resources`. */
function keyCandidates(e: TrailEvent): string[] {
  const candidates = [str(e.requestParameters.keyId), str(e.responseElements.keyId)];
  for (const resource of asList(e.raw.resources)) candidates.push(str(obj(resource).ARN));
  return candidates.filter((c) => c !== '' && !c.includes('alias/'));
}

/**
 * The bare, lower-cased id of the KMS key the event acts on, however the caller named it
 * (key id, key ARN; an alias is resolved through the response or `resources` when recorded),
 * so that dedup keys agree; the request's `keyId` as given when nothing better is recorded.
 */
export function kmsKeyId(e: TrailEvent): string {
  const first = keyCandidates(e)[0];
  return first === undefined ? str(e.requestParameters.keyId) : keyIdOf(first);
}

/**
 * The KMS key the event acts on is trailwatch's own key: compares the request's `keyId` (a key
 * id or key ARN), the response's `keyId` and the record's `resources` ARNs with the key ARN the
 * stack gives the Lambda. Aliases cannot be resolved here, but DisableKey, ScheduleKeyDeletion and
 * PutKeyPolicy record the key id or ARN in the response or `resources`.
 */
export function targetsOwnKey(e: TrailEvent, context: RuleContext): boolean {
  const own = keyIdOf(str(context.ownResources.keyArn));
  if (own === '' || own.startsWith('alias/')) return false;
  return keyCandidates(e).some((c) => keyIdOf(c) === own);
}
