// CreateRole: a new role, recorded as context. Roles trusted from outside the account are
// iam.role-trust-opened, which pages and replaces this finding.
import { isObject, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import {
  computeCredentialNote,
  creatorLabel,
  isAwsItself,
  isComputeCredential,
  isCrossAccount,
} from '../common/actors';
import { param, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { parsePolicyDocument, statementsOf } from '../common/policy-documents';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

/** The principals the new role trusts (services, accounts, providers), from its trust policy. */
function trusted(e: TrailEvent): string[] {
  const found = new Set<string>();
  for (const statement of statementsOf(parsePolicyDocument(e.requestParameters.assumeRolePolicyDocument))) {
    if (str(statement.Effect).toLowerCase() !== 'allow') continue;
    const principal = statement.Principal;
    if (typeof principal === 'string') found.add(principal);
    if (!isObject(principal)) continue;
    for (const value of Object.values(principal)) for (const p of stringsOf(value)) found.add(p);
  }
  return [...found].sort();
}

/** Root should not do day-to-day IAM work; a caller from another account should not create roles here. */
const isUnusualCreator = (e: TrailEvent): boolean => e.actor.type === 'Root' || isCrossAccount(e);

/**
 * Low; medium for root, another account or a server's own role (an EC2 instance, a Lambda function:
 * a stolen server credential gives itself a lasting identity this way, and infrastructure code on
 * EC2 creates roles too, so it is named, not paged). Refused: info.
 */
function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'info';
  return isUnusualCreator(e) || isComputeCredential(e) ? 'medium' : 'low';
}

export default defineRule({
  id: 'iam.role-created',
  title: 'IAM role created',
  description:
    'A principal created an IAM role. Low: deployments create roles all day, so this is the record ' +
    'that gives other findings their context; medium when the root user or a principal of another ' +
    'account created it, or a server’s own role (EC2 instance credentials, or a Lambda execution ' +
    'role as its user agent shows: the user agent can only raise the rating); info when the call ' +
    'failed. Roles whose trust policy lets principals outside ' +
    'the account in are iam.role-trust-opened, which replaces this finding. Roles created by AWS ' +
    'itself (service-linked roles) are not matched.',
  whyItMatters:
    'A role is a durable identity: one created by an intruder, with a trust that lets them back in, ' +
    'outlives the credentials they started with. The record of who created which role is how a ' +
    'review finds it.',
  runbook:
    'No action for a role created by a known deployment. Otherwise, read its trust and permission ' +
    'policies (GetRole, ListAttachedRolePolicies, ListRolePolicies), ask the creator why it exists, ' +
    'and delete it if nobody expects it.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html',
  mitre: ['TA0003:T1136.003', 'TA0003:T1098.003'],
  eventNames: ['CreateRole'],
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const principals = trusted(e);
    const trust = principals.length > 0 ? `, trusting ${show(firstFew(principals), 160)},` : '';
    return (
      `${creatorLabel(e)} ${failed(e) ? 'tried to create' : 'created'} IAM role ` +
      `${show(param(e, 'roleName'), 64)}${trust}${computeCredentialNote(e)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('iam.role-created', e.recipientAccountId, param(e, 'roleName')),
});
