// EventBridge rules disabled, deleted or stripped of targets: the automation they drive stops.
import { defineRule, type RuleContext } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isCloudFormationCall, isServiceCaller } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { eventRuleName, eventRuleRef, isOwnScheduleRule, looksSecurityRelated } from '../common/resources';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'events.rule-disabled-or-deleted';

const ruleName = (e: TrailEvent): string => eventRuleName(eventRuleRef(e));

/** What the call does to the rule, as an attempt and as done (RemoveTargets when not listed). */
const VERBS = new Map<string, readonly [string, string]>([
  ['DisableRule', ['disable', 'disabled']],
  ['DeleteRule', ['delete', 'deleted']],
]);
const REMOVE_TARGETS = ['remove targets from', 'removed targets from'] as const;

/** Security automation usually says so in its name: GuardDuty/Security Hub/Config forwarding, alerting. */
const securityRule = (name: string): boolean =>
  looksSecurityRelated(name) || /config|alert|alarm|detect|finding|notif|remediat|incident/i.test(name);

function severity(e: TrailEvent): Severity {
  return lowerFor(securityRule(ruleName(e)) ? 'high' : 'medium', failed(e), isCloudFormationCall(e));
}

export default defineRule({
  id: ID,
  title: 'EventBridge rule disabled or deleted',
  description:
    'DisableRule, DeleteRule or RemoveTargets on an EventBridge rule: medium, high when the rule name ' +
    'suggests security automation (guardduty, securityhub, cloudtrail, config, security, audit, alert, ' +
    'finding, remediation...). Failed calls and CloudFormation deployments (invokedBy) are one level lower. ' +
    'Calls made by AWS services themselves or service-linked roles (services managing their own managed ' +
    "rules) are not reported. trailwatch's own schedule rule is left to trailwatch.self-tamper (critical), " +
    'so it is not reported twice.',
  whyItMatters:
    'EventBridge rules deliver GuardDuty and Security Hub findings to responders and trigger automatic ' +
    'remediation; disabling one silences that path without touching the detector itself.',
  runbook:
    "Find what the rule did (DescribeRule, ListTargetsByRule, or the rule's CloudFormation stack) and " +
    'confirm the change with its owner. If unexpected, re-enable it (EnableRule) or re-create it and its ' +
    'targets from infrastructure code, restrict events:DisableRule/DeleteRule/RemoveTargets, and review the ' +
    "caller's other actions.",
  reference: 'https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DisableRule.html',
  mitre: ['TA0005:T1562.001'],
  eventNames: ['DisableRule', 'DeleteRule', 'RemoveTargets'],
  eventSources: ['events.amazonaws.com'],
  severity,
  matches: (e: TrailEvent, context: RuleContext) => {
    if (e.actor.type === 'AWSService' || (isServiceCaller(e) && !isCloudFormationCall(e))) return false;
    return !isOwnScheduleRule(e, context.ownResources.scheduleRuleName);
  },
  explain: (e) => {
    const [verb, done] = VERBS.get(e.eventName) ?? REMOVE_TARGETS;
    const bus = req(e, 'eventBusName');
    return (
      `${actorLabel(e)} ${failed(e) ? `tried to ${verb}` : done} EventBridge rule ${show(ruleName(e), 80)}` +
      `${bus ? ` on bus ${show(bus, 80)}` : ''}${isCloudFormationCall(e) ? ' via CloudFormation' : ''} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, req(e, 'eventBusName'), ruleName(e)),
});
