// IAM, KMS and resource policy documents: one parser for the forms CloudTrail records them in, and
// the questions rules ask of them (public? administrator? which accounts?). Like every helper,
// each function accepts any JSON and never throws.
import { isObject, obj, str } from '../../core/event';
import { arnAccount, isAccountId } from '../../core/principal';
import type { JsonObject, JsonValue } from '../../core/types';
import { objectsOf, stringsOf } from './json';

/** Larger documents are not parsed: services cap their policies at tens of kilobytes. */
const MAX_DOCUMENT_CHARS = 1024 * 1024;

/**
 * A policy document as CloudTrail records it: an object, a JSON string, or a URL-encoded JSON
 * string (IAM records some documents that way). `{}` when none of these parse to an object.
 */
export function parsePolicyDocument(value: unknown): JsonObject {
  if (isObject(value)) return value;
  if (typeof value !== 'string' || value === '' || value.length > MAX_DOCUMENT_CHARS) return {};
  for (const text of [value, urlDecoded(value)]) {
    if (text === '') continue;
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) return parsed;
    } catch {
      // Not JSON (or too deep to parse): try the next form.
    }
  }
  return {};
}

/** `value` URL-decoded (`+` as a space), or '' when it holds no escape or a broken one. */
function urlDecoded(value: string): string {
  if (!value.includes('%')) return '';
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return '';
  }
}

/** The statements of a policy document (a lone statement object is accepted). */
export function statementsOf(document: JsonObject): JsonObject[] {
  return objectsOf(document.Statement);
}

/**
 * The 12-digit account a principal string names: a bare account id, `arn:...:<account>:...`, or
 * '' (a service principal, `*`, or anything else).
 */
export function principalAccount(value: string): string {
  const trimmed = value.trim();
  if (isAccountId(trimmed)) return trimmed;
  return trimmed.startsWith('arn:') ? arnAccount(trimmed) : '';
}

/**
 * The policy allows every action (or every IAM action, which can grant itself the rest) on every
 * resource: an `Allow` statement with Action `*`, `*:*` or `iam:*` and Resource `*`. Conditions
 * are not weighed (an MFA condition still leaves an administrator).
 */
export function grantsAdministrator(document: JsonObject): boolean {
  return statementsOf(document).some((s) => {
    if (str(s.Effect) !== 'Allow') return false;
    const actions = stringsOf(s.Action).map((a) => a.toLowerCase());
    const everyAction = actions.some((a) => a === '*' || a === '*:*' || a === 'iam:*');
    return everyAction && stringsOf(s.Resource).includes('*');
  });
}

/**
 * 12-digit accounts (or `*` for "any account") named as AWS principals of `Allow` statements,
 * from account ids, `arn:aws:iam::<acct>:...` and `arn:aws:sts::<acct>:...` values.
 */
export function allowedAwsAccounts(document: JsonObject): string[] {
  const accounts: string[] = [];
  for (const s of statementsOf(document)) {
    if (str(s.Effect) !== 'Allow') continue;
    for (const principal of stringsOf(obj(s.Principal).AWS)) {
      if (isAccountId(principal)) accounts.push(principal);
      else if (/^arn:[^:]*:(iam|sts)::\*:/.test(principal)) accounts.push('*');
      else {
        const account = arnAccount(principal);
        if (account) accounts.push(account);
      }
    }
  }
  return accounts;
}

/** The accounts other than `home` that the policy lets in (`*` for "any account"), each once. */
export function otherAccountsAllowed(policy: unknown, home: string): string[] {
  const accounts = allowedAwsAccounts(parsePolicyDocument(policy));
  return [...new Set(accounts.filter((a) => a !== home))];
}

// ---------------------------------------------------------------------------------------------
// Public access

/**
 * Condition keys that tie an Allow to a fixed caller or network, after S3's own definition of
 * a non-public policy ("The meaning of public" in the S3 User Guide) plus the principal-org keys.
 * Compared lower-case: condition keys are case-insensitive.
 */
const RESTRICTING_KEYS = new Set([
  'aws:sourceip',
  'aws:sourcearn',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceowner',
  'aws:sourceaccount',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:principalarn',
  'aws:principalaccount',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:userid',
  's3:x-amz-server-side-encryption-aws-kms-key-id',
]);

/** Operators that only pass when the key is present and equal to (or inside) the listed values. */
const RESTRICTING_OPERATORS = new Set([
  'stringequals',
  'stringequalsignorecase',
  'stringlike',
  'arnequals',
  'arnlike',
  'ipaddress',
]);

/**
 * True when the policy (in any form `parsePolicyDocument` reads) has an `Allow` statement whose
 * principal is anyone (`"*"`, `{"AWS": "*"}`, a list holding `"*"`, or any `NotPrincipal`) and
 * whose Condition does not pin the caller to a fixed account, organisation, ARN, VPC, endpoint or
 * CIDR.
 *
 * Deliberately not covered (the answer is "public" or "not public" on the statement alone):
 * Deny statements that would cancel the Allow; whether the actions are harmful (any action
 * counts); wildcard account ARNs such as `arn:aws:iam::*:root`; policy variables in condition
 * values; ACLs and access-point policies. Unparseable input is "not public".
 */
export function policyGrantsPublicPrincipal(policy: unknown): boolean {
  return publicStatements(parsePolicyDocument(policy)).length > 0;
}

/** The statements that grant anyone access on their own (see `policyGrantsPublicPrincipal`). */
export function publicStatements(document: JsonObject): JsonObject[] {
  return statementsOf(document).filter(isPublicAllow);
}

function isPublicAllow(statement: JsonObject): boolean {
  if (str(statement.Effect) !== 'Allow') return false;
  // Allow + NotPrincipal grants everyone except the listed principals.
  const anyone = 'NotPrincipal' in statement || principalIsAnyone(statement.Principal);
  return anyone && !conditionPinsCaller(statement.Condition);
}

function principalIsAnyone(principal: JsonValue | undefined): boolean {
  if (principal === '*') return true;
  if (!isObject(principal)) return false;
  return Object.values(principal).some((value) =>
    Array.isArray(value) ? value.some((v) => v === '*') : value === '*',
  );
}

function conditionPinsCaller(condition: JsonValue | undefined): boolean {
  for (const [operator, clauses] of Object.entries(obj(condition))) {
    const op = operator.toLowerCase().replace(/^foranyvalue:/, '');
    if (!RESTRICTING_OPERATORS.has(op)) continue;
    for (const [key, value] of Object.entries(obj(clauses))) {
      if (RESTRICTING_KEYS.has(key.toLowerCase()) && isFixed(value, op === 'ipaddress')) return true;
    }
  }
  return false;
}

/** Non-empty, and no value that matches everything (`*`, `?` patterns, a /0 network). */
function isFixed(value: JsonValue, isCidr: boolean): boolean {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) return false;
  return values.every((v) => {
    if (typeof v !== 'string' || v === '') return false;
    if (isCidr) return !/\/0$/.test(v.trim());
    return !/[*?]/.test(v) && !v.includes('${');
  });
}
