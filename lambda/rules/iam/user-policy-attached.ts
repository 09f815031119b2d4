// AttachUserPolicy: a managed policy attached directly to an IAM user.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, computeCredentialNote } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

/** Policies that amount to full control of the account (IAMFullAccess can grant itself the rest). */
const ADMIN_POLICY_NAMES = ['AdministratorAccess', 'IAMFullAccess'];

const isAdminPolicy = (policyArn: string): boolean =>
  ADMIN_POLICY_NAMES.some((name) => policyArn.endsWith(`/${name}`));

function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'medium';
  return isAdminPolicy(param(e, 'policyArn')) ? 'critical' : 'high';
}

export default defineRule({
  id: 'iam.user-policy-attached',
  title: 'Managed policy attached to an IAM user',
  description:
    'A principal attached a managed policy to an IAM user. Critical when the policy is ' +
    'AdministratorAccess or IAMFullAccess, high otherwise; failed attempts are medium. An attachment ' +
    'made with a server’s own role (EC2 instance credentials, a Lambda execution role) is at least ' +
    'high like every other, and the alert names it.',
  whyItMatters:
    'Attaching a policy to a user is the shortest path to privilege escalation and persistence; ' +
    'well-run accounts grant through groups or roles, so a direct attachment is unusual.',
  runbook:
    'Confirm the change with the caller and the owner of the user. If it is not expected, detach ' +
    'the policy (DetachUserPolicy), rotate the credentials of the caller and the user, and review ' +
    'what the user did since the attachment.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachUserPolicy.html',
  mitre: ['TA0004:T1098.003', 'TA0003:T1098.003'],
  cis: ['CloudWatch.4'],
  eventNames: ['AttachUserPolicy'],
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to attach' : 'attached'} policy ` +
    `${show(param(e, 'policyArn'), 120)} to IAM user ${show(param(e, 'userName'), 64)}${computeCredentialNote(e)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('iam.user-policy-attached', e.recipientAccountId, param(e, 'userName'), param(e, 'policyArn')),
});
