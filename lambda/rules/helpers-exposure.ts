// Small pure helpers for the persistence, exposure and execution rules. Like ./helpers, each
// accepts any JSON and never throws: requestParameters can hold arrays where objects are
// expected, numbers as strings, or nothing at all.
import { isObject, obj, str } from '../core/event';
import type { JsonObject, JsonValue, Severity, TrailEvent } from '../core/types';
import { failed, isAwsServiceCall, isIdentityCenterSession, isServiceLinkedRole } from './helpers';

// ---------------------------------------------------------------------------------------------
// Who

/**
 * AWS acting on its own: an `AWSService` identity or a service-linked role session (IAM Identity
 * Center provisioning its roles and SAML provider, AWS Backup copying snapshots, ...).
 * A call that a service makes on a principal's behalf (`invokedBy`, e.g. CloudFormation) is not
 * "AWS itself": the principal chose the change.
 */
export function isAwsItself(e: TrailEvent): boolean {
  return e.actor.type === 'AWSService' || isServiceLinkedRole(e);
}

/** Any service involvement, `invokedBy` included: used by the read rules, where services read all day. */
export function isServiceCaller(e: TrailEvent): boolean {
  return isAwsServiceCall(e) || isServiceLinkedRole(e);
}

/** A person at the keyboard, as far as CloudTrail tells: an IAM user, root, or an Identity Center session. */
export function isHumanCaller(e: TrailEvent): boolean {
  return e.actor.type === 'IAMUser' || e.actor.type === 'Root' || isIdentityCenterSession(e);
}

// ---------------------------------------------------------------------------------------------
// Severity

/**
 * The rules' shared policy for failed calls: an attempt at something that would page (high or
 * critical) is worth recording at medium; an attempt at anything milder is low.
 */
export function failedSeverity(success: Severity): Severity {
  return success === 'high' || success === 'critical' ? 'medium' : 'low';
}

/** `success` for a successful call, `failedSeverity(success)` for a failed one. */
export function byOutcome(e: TrailEvent, success: Severity): Severity {
  return failed(e) ? failedSeverity(success) : success;
}

// ---------------------------------------------------------------------------------------------
// Shapes

/** A list field: an array as is, a single value wrapped, nothing for null or absent. */
export function listOf(value: unknown): JsonValue[] {
  if (Array.isArray(value)) return value as JsonValue[];
  if (value === undefined || value === null) return [];
  return [value as JsonValue];
}

/** The objects of an EC2 `{ items: [...] }` set (a bare array or a lone object is accepted too). */
export function itemsOf(set: unknown): JsonObject[] {
  const items = isObject(set) && 'items' in set ? set.items : set;
  return listOf(items).filter(isObject);
}

/** `o[key]`, matching the key case-insensitively (S3 and EC2 records mix `Foo` and `foo`). */
export function field(o: unknown, key: string): JsonValue | undefined {
  if (!isObject(o)) return undefined;
  if (key in o) return o[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** `true`, or the string "true" in any case. */
export function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

/** An integer from a number or a numeric string; undefined for anything else. */
export function toInt(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d{1,10}\s*$/.test(value)) return Number.parseInt(value, 10);
  return undefined;
}

export function isAccountId(value: string): boolean {
  return /^\d{12}$/.test(value);
}

/**
 * The 12-digit account a principal string names: a bare account id, `arn:...:<account>:...`, or
 * '' (a service principal, `*`, or anything else).
 */
export function principalAccount(value: string): string {
  const trimmed = value.trim();
  if (isAccountId(trimmed)) return trimmed;
  const account = trimmed.split(':')[4] ?? '';
  return trimmed.startsWith('arn:') && isAccountId(account) ? account : '';
}

/**
 * A policy document as CloudTrail records it: an object, a JSON string, or a URL-encoded JSON
 * string (IAM records some documents that way). `{}` when none of these parse.
 */
export function parseDocument(value: unknown): JsonObject {
  if (isObject(value)) return value;
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024 * 1024) return {};
  for (const candidate of [value, safeDecode(value)]) {
    if (candidate === '') continue;
    try {
      return obj(JSON.parse(candidate));
    } catch {
      // try the next form
    }
  }
  return {};
}

function safeDecode(value: string): string {
  if (!value.includes('%')) return '';
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return '';
  }
}

/** The statements of a policy document (a lone statement object is accepted). */
export function statementsOf(document: JsonObject): JsonObject[] {
  return listOf(document.Statement).filter(isObject);
}

/** The strings of a value that may be a string or a list of strings; other entries dropped. */
export function stringsOf(value: unknown): string[] {
  return listOf(value)
    .map((v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : ''))
    .filter((v) => v !== '');
}

/** `str` of a nested path, '' when any step is missing. */
export function path(root: unknown, ...keys: string[]): string {
  let current: unknown = root;
  for (const key of keys) current = obj(current)[key];
  return str(current);
}

// ---------------------------------------------------------------------------------------------
// Sharing (EC2 snapshots and images)

export interface Share {
  /** `group: all` was added: anyone with an AWS account can use the resource. */
  readonly public: boolean;
  /** Other 12-digit accounts added (the recipient account itself is left out). */
  readonly accounts: readonly string[];
  /** Organizations or OUs added (AMIs only). */
  readonly organizations: readonly string[];
}

/** What an EC2 `{ add: { items: [...] } }` permission change grants, read from its `add` half only. */
export function readShare(permission: unknown, homeAccount: string): Share {
  const items = itemsOf(field(permission, 'add'));
  const accounts = new Set<string>();
  const organizations = new Set<string>();
  let everyone = false;
  for (const item of items) {
    if (str(field(item, 'group')).trim().toLowerCase() === 'all') everyone = true;
    const account = str(field(item, 'userId')).trim();
    if (isAccountId(account) && account !== homeAccount) accounts.add(account);
    for (const key of ['organizationArn', 'organizationalUnitArn']) {
      const arn = str(field(item, key)).trim();
      if (arn !== '') organizations.add(arn);
    }
  }
  return { public: everyone, accounts: [...accounts].sort(), organizations: [...organizations].sort() };
}

/** `123456789012, 210987654321 and 2 more`, sanitised by the caller. */
export function firstFew(values: readonly string[], max = 3): string {
  const more = values.length > max ? ` and ${values.length - max} more` : '';
  return values.slice(0, max).join(', ') + more;
}

// ---------------------------------------------------------------------------------------------
// Lambda event names

/** The API versions Lambda appends to its CloudTrail event names, per operation family. */
const LAMBDA_VERSIONS = {
  /** The 2015-03-31 API: `UpdateFunctionCode20150331v2`, and `...20150331` in older records. */
  functions: ['20150331', '20150331v2'],
  /** Function URLs, added with the 2021-10-31 API: `CreateFunctionUrlConfig20211031`. */
  urls: ['20211031'],
} as const;

/**
 * Every name CloudTrail may record for these Lambda operations: the versioned names (the engine
 * indexes rules by exact event name, so each must be listed) and the bare name, which some tools
 * and older records show. Compare names with `baseEventName` (helpers-evasion).
 */
export function lambdaEventNames(family: keyof typeof LAMBDA_VERSIONS, ...operations: string[]): string[] {
  return operations.flatMap((op) => [op, ...LAMBDA_VERSIONS[family].map((version) => `${op}${version}`)]);
}
