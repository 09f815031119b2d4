// Security Hub kept running but its findings hidden: suppressed, archived, or suppressed automatically.
import { isObject } from '../core/event';
import { defineRule } from '../core/rule';
import type { JsonValue, Severity, TrailEvent } from '../core/types';
import { actorLabel, dedup, failed, origin, outcome, show } from './helpers';
import { child, isServiceActor, lower, req } from './helpers-evasion';

const ID = 'securityhub.findings-suppressed';

/** A `Workflow: { Status: "SUPPRESSED" }` anywhere in the request (bounded walk); keys case-insensitive. */
function setsSuppressed(value: JsonValue | undefined): boolean {
  const stack: (JsonValue | undefined)[] = [value];
  let visited = 0;
  while (stack.length > 0 && visited < 1000) {
    const node = stack.pop();
    visited += 1;
    if (Array.isArray(node)) stack.push(...node.slice(0, 200));
    else if (isObject(node)) {
      for (const [key, v] of Object.entries(node)) {
        if (key.toLowerCase() === 'workflow' && isObject(v)) {
          const status = child(v, 'Status');
          if (typeof status === 'string' && status.toUpperCase() === 'SUPPRESSED') return true;
        }
        if (isObject(v) || Array.isArray(v)) stack.push(v);
      }
    }
  }
  return false;
}

function countOf(value: JsonValue | undefined): number {
  return Array.isArray(value) ? value.length : 0;
}

function baseSeverity(e: TrailEvent): Severity | undefined {
  const p = e.requestParameters;
  switch (e.eventName) {
    case 'CreateAutomationRule':
    case 'BatchUpdateAutomationRules':
      // A rule that suppresses every future matching finding, like a GuardDuty auto-archive filter.
      return setsSuppressed(p) ? 'high' : undefined;
    case 'BatchUpdateFindings':
      return setsSuppressed(p) ? 'medium' : undefined;
    case 'UpdateFindings':
      // Legacy API: RecordState ARCHIVED hides every finding its Filters match.
      return req(e, 'RecordState').toUpperCase() === 'ARCHIVED' ? 'medium' : 'low';
    case 'DeleteInsight':
      return 'low';
    default:
      return undefined;
  }
}

function severity(e: TrailEvent): Severity {
  let level = baseSeverity(e) ?? 'info';
  if (failed(e)) level = lower(level);
  if (isServiceActor(e)) level = lower(level);
  return level;
}

function detail(e: TrailEvent): string {
  switch (e.eventName) {
    case 'BatchUpdateFindings':
      return `set ${countOf(child(e.requestParameters, 'FindingIdentifiers'))} finding(s) to SUPPRESSED`;
    case 'CreateAutomationRule':
      return `created automation rule ${show(req(e, 'RuleName'), 80)} that suppresses matching findings`;
    case 'BatchUpdateAutomationRules':
      return 'changed automation rules to suppress matching findings';
    case 'UpdateFindings':
      return req(e, 'RecordState').toUpperCase() === 'ARCHIVED'
        ? 'archived the findings matching a filter (UpdateFindings)'
        : 'updated findings matching a filter (UpdateFindings)';
    default:
      return `deleted insight ${show(req(e, 'InsightArn', 'Name'), 120)}`;
  }
}

export default defineRule({
  id: ID,
  title: 'Security Hub findings suppressed',
  description:
    'Security Hub changes that hide findings: CreateAutomationRule/BatchUpdateAutomationRules whose actions ' +
    'set Workflow.Status SUPPRESSED (high, automatic suppression of future findings); BatchUpdateFindings to ' +
    'SUPPRESSED and legacy UpdateFindings with RecordState ARCHIVED (medium); other UpdateFindings and ' +
    'DeleteInsight (low). BatchUpdateFindings for other workflow states (NOTIFIED, RESOLVED: everyday triage) ' +
    'is ignored. Failed calls and calls made by AWS services are one level lower.',
  whyItMatters:
    'Suppressed or archived findings drop out of the default views, dashboards and notifications, so an ' +
    'attacker can hide the findings about their own activity without disabling Security Hub.',
  runbook:
    'Ask the caller why the findings were suppressed. List findings with WorkflowStatus SUPPRESSED and ' +
    'RecordState ARCHIVED updated since the change and re-open those without a documented reason; for an ' +
    'automation rule, review its criteria and disable it (BatchUpdateAutomationRules RuleStatus DISABLED) ' +
    'if it is not approved. Restrict securityhub:CreateAutomationRule and securityhub:BatchUpdateFindings ' +
    'to the security team.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/automation-rules.html',
  mitre: ['TA0005:T1562.001', 'TA0005:T1070'],
  eventNames: [
    'CreateAutomationRule',
    'BatchUpdateAutomationRules',
    'BatchUpdateFindings',
    'UpdateFindings',
    'DeleteInsight',
  ],
  eventSources: ['securityhub.amazonaws.com'],
  severity,
  matches: (e) => baseSeverity(e) !== undefined,
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried: ' : ''}${detail(e)} in Security Hub of account ` +
    `${show(e.recipientAccountId, 24)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, e.eventName),
});
