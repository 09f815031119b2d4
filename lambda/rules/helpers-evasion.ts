// Helpers shared by the defence-evasion rules (catalog/defence-evasion.ts). Like helpers.ts,
// every function accepts any TrailEvent or JSON value and never throws.
import { isObject, str } from '../core/event';
import type { JsonObject, JsonValue, Severity, TrailEvent } from '../core/types';
import { isAwsServiceCall, isServiceLinkedRole } from './helpers';

/** One step down: critical -> high -> medium -> low -> info (info stays info). */
export function lower(severity: Severity): Severity {
  switch (severity) {
    case 'critical':
      return 'high';
    case 'high':
      return 'medium';
    case 'medium':
      return 'low';
    default:
      return 'info';
  }
}

/**
 * A scalar field of `source` by any of `keys`, exact spelling first, then case-insensitively
 * (services spell the same request field `ControlStatus` or `controlStatus`). '' when absent.
 */
export function field(source: JsonObject, ...keys: string[]): string {
  for (const key of keys) {
    const value = str(source[key]);
    if (value !== '') return value;
  }
  const wanted = new Set(keys.map((k) => k.toLowerCase()));
  for (const [key, value] of Object.entries(source)) {
    if (wanted.has(key.toLowerCase())) {
      const text = str(value);
      if (text !== '') return text;
    }
  }
  return '';
}

/** A nested value of `source` by any of `keys` (exact, then case-insensitive); undefined when absent. */
export function child(source: JsonObject, ...keys: string[]): JsonValue | undefined {
  for (const key of keys) if (key in source) return source[key];
  const wanted = new Set(keys.map((k) => k.toLowerCase()));
  for (const [key, value] of Object.entries(source)) if (wanted.has(key.toLowerCase())) return value;
  return undefined;
}

/** `requestParameters` field by any of `keys`, as a string ('' when absent or not scalar). */
export function req(e: TrailEvent, ...keys: string[]): string {
  return field(e.requestParameters, ...keys);
}

/** A JSON boolean, or the strings "true"/"false" (any case); undefined for anything else. */
export function boolOf(value: JsonValue | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lowered = value.trim().toLowerCase();
    if (lowered === 'true') return true;
    if (lowered === 'false') return false;
  }
  return undefined;
}

/**
 * Strings anywhere inside `value` that pass `keep`, depth-first, at most `limit` of them and
 * at most `maxNodes` nodes visited: a hostile, deeply nested request cannot make this slow.
 */
export function collectStrings(
  value: JsonValue | undefined,
  keep: (text: string) => boolean,
  limit = 20,
  maxNodes = 2000,
): string[] {
  const found: string[] = [];
  const stack: (JsonValue | undefined)[] = [value];
  let visited = 0;
  while (stack.length > 0 && found.length < limit && visited < maxNodes) {
    const node = stack.pop();
    visited += 1;
    if (typeof node === 'string') {
      if (keep(node)) found.push(node);
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i -= 1) stack.push(node[i]);
    } else if (isObject(node)) {
      const values = Object.values(node);
      for (let i = values.length - 1; i >= 0; i -= 1) stack.push(values[i]);
    }
  }
  return found;
}

/** A string list field (a JSON array of strings, or a single string); non-strings dropped, bounded. */
export function stringList(value: JsonValue | undefined, limit = 100): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === 'string' && v !== '').slice(0, limit);
}

/**
 * CloudFormation made the call while creating, updating or deleting a stack: with the caller's
 * credentials (`invokedBy`) or with a stack service role (the source address is then the service).
 * `sourceIPAddress` of a service is set by AWS, not by the client, so it cannot be forged.
 */
export function isCloudFormationCall(e: TrailEvent): boolean {
  const cfn = 'cloudformation.amazonaws.com';
  return e.actor.invokedBy === cfn || e.sourceIPAddress === cfn;
}

/** An AWS service acting for itself or a principal, or a service-linked role session. */
export function isServiceActor(e: TrailEvent): boolean {
  return isAwsServiceCall(e) || isServiceLinkedRole(e);
}

/**
 * The name suggests security telemetry: CloudTrail, VPC flow logs, DNS query logs, GuardDuty,
 * Security Hub, WAF, audit or security logs. `flow` must start a word so that `workflow` does not count.
 */
export function looksSecurityRelated(name: string): boolean {
  const n = name.toLowerCase();
  return (
    /cloudtrail|guardduty|securityhub|security|audit|vpc|waf|querylog|query-log|resolver|siem/.test(n) ||
    /(^|[^a-z])flow/.test(n)
  );
}

/** `name` with a trailing run of digits and v-suffixes removed: `DeleteFunction20150331` -> `DeleteFunction`. */
export function baseEventName(eventName: string): string {
  return eventName.replace(/\d{8}(v\d+)?$/, '');
}

// ---------------------------------------------------------------------------------------------
// trailwatch's own resources, shared by trailwatch.self-tamper and the rules that leave them to it

/** The bus of an EventBridge rule request: `eventBusName` (name or ARN), or the ARN's bus; 'default' when absent. */
function eventBusOf(e: TrailEvent, ruleRef: string): string {
  const bus = req(e, 'eventBusName');
  if (bus !== '') return bus.startsWith('arn:') ? (bus.split('/').pop() ?? '') : bus;
  const at = ruleRef.indexOf(':rule/');
  if (ruleRef.startsWith('arn:') && at >= 0) {
    const parts = ruleRef.slice(at + ':rule/'.length).split('/');
    return parts.length > 1 ? (parts[0] ?? '') : 'default';
  }
  return 'default';
}

/** An EventBridge rule name from a name or rule ARN (`...:rule/Name`, `...:rule/bus/Name`). */
export function eventRuleName(ref: string): string {
  if (ref.startsWith('arn:')) return ref.includes(':rule/') ? (ref.split('/').pop() ?? '') : '';
  return ref;
}

/** The EventBridge rule the request acts on: `name` (DisableRule, DeleteRule, PutRule) or `rule` (targets). */
export function eventRuleRef(e: TrailEvent): string {
  return req(e, 'name', 'rule', 'Name', 'Rule');
}

/** The request acts on trailwatch's own schedule rule (exact name, on the default bus). */
export function isOwnScheduleRule(e: TrailEvent, scheduleRuleName: string | undefined): boolean {
  if (!scheduleRuleName) return false;
  const ref = eventRuleRef(e);
  return eventRuleName(ref) === scheduleRuleName && eventBusOf(e, ref) === 'default';
}

/** A log group name from a name or log-group ARN (`arn:aws:logs:r:a:log-group:NAME[:*]`). */
export function logGroupNameOf(ref: string): string {
  const marker = ':log-group:';
  const at = ref.indexOf(marker);
  if (ref.startsWith('arn:')) return at < 0 ? '' : (ref.slice(at + marker.length).split(':')[0] ?? '');
  return ref;
}

/** The log group the request acts on (`logGroupName`, or `logGroupIdentifier` in newer APIs). */
export function requestLogGroup(e: TrailEvent): string {
  return logGroupNameOf(req(e, 'logGroupName', 'logGroupIdentifier'));
}
