// Security Hub kept running but its findings hidden: suppressed, archived, or suppressed automatically.
import { isObject } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { JsonValue, Severity, TrailEvent } from '../../core/types';
import { actorLabel, callerKind, isServiceCaller } from '../common/actors';
import { child, req, someMember } from '../common/json';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'securityhub.findings-suppressed';

/**
 * At this many findings in one BatchUpdateFindings call (the API takes up to 100), a change is a
 * bulk one: more than an analyst triaging what is in front of them.
 */
const BULK_FINDINGS = 10;

/** A `Workflow: { Status: "SUPPRESSED" }` anywhere in the request (bounded walk); keys case-insensitive. */
function setsSuppressed(value: JsonValue | undefined): boolean {
  return someMember(
    value,
    (key, v) => {
      if (key.toLowerCase() !== 'workflow' || !isObject(v)) return false;
      const status = child(v, 'Status');
      return typeof status === 'string' && status.toUpperCase() === 'SUPPRESSED';
    },
    1000,
    200,
  );
}

/**
 * The workflow status a BatchUpdateFindings call sets, when it is one that takes findings out of
 * the NEW and NOTIFIED queue analysts work from; '' for any other status or none.
 */
function hidingStatus(e: TrailEvent): 'SUPPRESSED' | 'RESOLVED' | '' {
  const workflow = child(e.requestParameters, 'Workflow');
  const status = isObject(workflow) ? child(workflow, 'Status') : undefined;
  const upper = typeof status === 'string' ? status.trim().toUpperCase() : '';
  return upper === 'SUPPRESSED' || upper === 'RESOLVED' ? upper : '';
}

function countOf(value: JsonValue | undefined): number {
  return Array.isArray(value) ? value.length : 0;
}

const findingCount = (e: TrailEvent): number => countOf(child(e.requestParameters, 'FindingIdentifiers'));

const isArchiving = (e: TrailEvent): boolean => req(e, 'RecordState').trim().toUpperCase() === 'ARCHIVED';

/**
 * The legacy UpdateFindings filter matches every finding: no Filters object, or one whose
 * criteria are all empty lists.
 */
function matchesEveryFinding(e: TrailEvent): boolean {
  const filters = child(e.requestParameters, 'Filters');
  if (!isObject(filters)) return true;
  return Object.values(filters).every((v) => v === null || (Array.isArray(v) && v.length === 0));
}

/**
 * A person or a long-term key made the call: hiding findings by hand is a decision someone took, not a
 * triage automation closing what it was built to close.
 */
const byHand = (e: TrailEvent): boolean => {
  const kind = callerKind(e);
  return kind === 'person' || kind === 'key-holder' || kind === 'root';
};

function baseSeverity(e: TrailEvent): Severity | undefined {
  const p = e.requestParameters;
  switch (e.eventName) {
    case 'CreateAutomationRule':
    case 'BatchUpdateAutomationRules':
      // A rule that suppresses every future matching finding, like a GuardDuty auto-archive filter.
      return setsSuppressed(p) ? 'high' : undefined;
    case 'BatchUpdateFindings': {
      // RESOLVED on a few findings is everyday triage; SUPPRESSED is a decision to stop looking, and
      // either, on many findings at once, empties the queue.
      const bulk = findingCount(e) >= BULK_FINDINGS;
      const status = hidingStatus(e);
      if (status === 'SUPPRESSED') return bulk || byHand(e) ? 'high' : 'medium';
      if (status === 'RESOLVED') return bulk ? 'medium' : undefined;
      return undefined;
    }
    case 'UpdateFindings':
      // Legacy API: RecordState ARCHIVED hides every finding its Filters match; empty Filters match all.
      if (!isArchiving(e)) return 'low';
      return matchesEveryFinding(e) || byHand(e) ? 'high' : 'medium';
    case 'DeleteInsight':
      // A saved view goes: the findings it grouped stay, but the view the team watches is gone.
      return 'medium';
    case 'UpdateInsight':
      // A saved view's filter rewritten: it can quietly stop showing what it was made to show.
      return 'low';
    default:
      return undefined;
  }
}

function severity(e: TrailEvent): Severity {
  return lowerFor(baseSeverity(e) ?? 'info', failed(e), isServiceCaller(e));
}

function detail(e: TrailEvent): string {
  switch (e.eventName) {
    case 'BatchUpdateFindings':
      return `set ${findingCount(e)} finding(s) to ${hidingStatus(e) || 'another workflow status'}`;
    case 'CreateAutomationRule':
      return `created automation rule ${show(req(e, 'RuleName'), 80)} that suppresses matching findings`;
    case 'BatchUpdateAutomationRules':
      return 'changed automation rules to suppress matching findings';
    case 'UpdateFindings':
      if (!isArchiving(e)) return 'updated findings matching a filter (UpdateFindings)';
      return matchesEveryFinding(e)
        ? 'archived every finding, with an empty filter (UpdateFindings)'
        : 'archived the findings matching a filter (UpdateFindings)';
    case 'UpdateInsight':
      return `changed insight ${show(req(e, 'InsightArn', 'Name'), 120)}`;
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
    `SUPPRESSED (high when a person, an IAM user's long-term key or root did it, or for ${BULK_FINDINGS} ` +
    'findings or more in one call; medium for a workload, where triage automation suppresses what it was ' +
    `built to) or to RESOLVED in bulk (${BULK_FINDINGS} or more: medium); legacy UpdateFindings with ` +
    'RecordState ARCHIVED (high by a person, a long-term key or root, or when its Filters are empty and so ' +
    'match every finding; medium otherwise); DeleteInsight (medium: the saved view the team watches is ' +
    'gone); UpdateInsight and other UpdateFindings (low). BatchUpdateFindings to RESOLVED for fewer ' +
    'findings, or to NEW or NOTIFIED, is everyday triage and ignored. Failed calls and calls made by AWS ' +
    'services are one level lower.',
  whyItMatters:
    'Suppressed or archived findings drop out of the default views, dashboards and notifications, so an ' +
    'attacker can hide the findings about their own activity without disabling Security Hub.',
  runbook:
    'Ask the caller why the findings were suppressed. List the findings updated since the change whose ' +
    'workflow status is SUPPRESSED or RESOLVED or whose record state is ARCHIVED, and re-open those ' +
    'without a documented reason; for an ' +
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
    'UpdateInsight',
  ],
  eventSources: ['securityhub.amazonaws.com'],
  severity,
  matches: (e) => baseSeverity(e) !== undefined,
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried: ' : ''}${detail(e)} in Security Hub of account ` +
    `${show(e.recipientAccountId, 24)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, e.eventName),
});
