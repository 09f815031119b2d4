// How requests name the resources they act on (EventBridge rules, log groups, KMS keys), and
// whether a name or reference is one of trailwatch's own. Pure; never throws.
import { obj, str } from '../../core/event';
import type { RuleContext } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { listOf, req } from './json';

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

// ---------------------------------------------------------------------------------------------
// EventBridge rules

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

// ---------------------------------------------------------------------------------------------
// CloudWatch Logs log groups

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

// ---------------------------------------------------------------------------------------------
// KMS keys

/** The bare key id of a key id or key ARN (`arn:aws:kms:<region>:<acct>:key/<id>`), lower-cased. */
function keyIdOf(value: string): string {
  const marker = ':key/';
  const at = value.indexOf(marker);
  return (at < 0 ? value : value.slice(at + marker.length)).trim().toLowerCase();
}

/** The candidate key ids or ARNs of a KMS event: request, response and `resources`. */
function keyCandidates(e: TrailEvent): string[] {
  const candidates = [str(e.requestParameters.keyId), str(e.responseElements.keyId)];
  for (const resource of listOf(e.raw.resources)) candidates.push(str(obj(resource).ARN));
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
