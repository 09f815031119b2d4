// DisassociateWebACL: a load balancer, API or distribution loses its web application firewall.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const severity = (e: TrailEvent): Severity => judgeChange(e, 'high');

export default defineRule({
  id: 'waf.web-acl-disassociated',
  title: 'Web ACL removed from a resource',
  description:
    'A principal removed a WAF web ACL from a load balancer, API Gateway stage or other resource ' +
    '(DisassociateWebACL, WAF and WAF Classic regional): high; one step lower when an AWS service made ' +
    'the call (CloudFormation replacing a stack), low when it failed.',
  whyItMatters:
    'The web ACL is what blocks injection, credential stuffing and known bad addresses in front of the ' +
    'application; removing it opens the resource to exactly the traffic it was there to stop.',
  runbook:
    'Confirm with the application owner. If it is not expected, associate the web ACL again ' +
    '(AssociateWebACL), check the resource’s access logs for the time it was unprotected, and review ' +
    'the principal’s other calls.',
  reference: 'https://docs.aws.amazon.com/waf/latest/APIReference/API_DisassociateWebACL.html',
  mitre: ['TA0005:T1562.001'],
  eventNames: ['DisassociateWebACL'],
  eventSources: ['wafv2.amazonaws.com', 'waf-regional.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} removed the web ACL from ${show(param(e, 'resourceArn', 'resourceArnForWebACL'), 160)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('waf.web-acl-disassociated', e.recipientAccountId, param(e, 'resourceArn')),
});
