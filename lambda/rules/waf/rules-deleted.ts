// WAF web ACLs and the rule groups, IP sets and pattern sets they are built from, deleted.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'waf.rules-deleted';

const WHAT: ReadonlyMap<string, string> = new Map([
  ['DeleteWebACL', 'web ACL'],
  ['DeleteRuleGroup', 'rule group'],
  ['DeleteIPSet', 'IP set'],
  ['DeleteRegexPatternSet', 'regex pattern set'],
  ['DeleteFirewallManagerRuleGroups', 'web ACL'],
]);

/** What was deleted: the WAFv2 name (or ARN), else the WAF Classic id. */
const subject = (e: TrailEvent): string =>
  req(e, 'name', 'webACLArn', 'webACLId', 'ruleGroupId', 'iPSetId', 'ipSetId', 'regexPatternSetId', 'id');

/** WAFv2 scope (`REGIONAL` or `CLOUDFRONT`), or '' for WAF Classic. */
const scope = (e: TrailEvent): string => req(e, 'scope');

/**
 * Medium: WAF refuses to delete a web ACL still associated with a resource, or a set or rule
 * group still referenced, so a deletion mostly follows a disassociation (waf.web-acl-disassociated,
 * high) or cleans up. One step lower when an AWS service made the call (CloudFormation, Firewall
 * Manager); failed calls are low.
 */
const severity = (e: TrailEvent): Severity => judgeChange(e, 'medium');

export default defineRule({
  id: ID,
  title: 'WAF web ACL, rule group or match set deleted',
  description:
    'A principal deleted a WAF web ACL (DeleteWebACL), a rule group (DeleteRuleGroup), an IP set ' +
    '(DeleteIPSet) or a regex pattern set (DeleteRegexPatternSet), or removed the Firewall Manager ' +
    'rule groups from a web ACL (DeleteFirewallManagerRuleGroups), in AWS WAF or WAF Classic. ' +
    'Medium: WAF only deletes what no resource or rule still uses, so the removal of protection ' +
    'itself is usually the disassociation before it (waf.web-acl-disassociated). One step lower ' +
    'when an AWS service made the call; failed calls are low.',
  whyItMatters:
    'A deleted web ACL, blocklist or rule group is protection that cannot simply be turned back on: ' +
    'after removing a web ACL from a resource, deleting it and its rules is how an attacker makes ' +
    'sure it stays off, and how evidence of what it blocked goes with it.',
  runbook:
    'Confirm with the application owner that the web ACL or rules were retired on purpose. If not: ' +
    'recreate them from infrastructure code, associate the web ACL again, review the resource’s ' +
    'access logs since the protection went away, and review the principal’s other calls.',
  reference: 'https://docs.aws.amazon.com/waf/latest/APIReference/API_DeleteWebACL.html',
  mitre: ['TA0005:T1562.001'],
  eventNames: [...WHAT.keys()],
  eventSources: ['wafv2.amazonaws.com', 'waf.amazonaws.com', 'waf-regional.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => {
    const where = scope(e) ? ` (${show(scope(e), 16)})` : '';
    const fms = e.eventName === 'DeleteFirewallManagerRuleGroups';
    const verb = fms
      ? `${failed(e) ? 'tried to remove' : 'removed'} the Firewall Manager rule groups of`
      : failed(e)
        ? 'tried to delete'
        : 'deleted';
    return (
      `${actorLabel(e)} ${verb} WAF ${WHAT.get(e.eventName) ?? 'resource'} ${show(subject(e), 128)}${where} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, e.eventName, subject(e)),
});
