// CreateUser: a new long-lived identity, the simplest way to keep a foothold in an account.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import {
  computeCredentialNote,
  creatorLabel,
  isAwsItself,
  isComputeCredential,
  isCrossAccount,
} from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/**
 * Root should never do day-to-day IAM work; a caller from another account should not create users
 * here; a server's own role (an EC2 instance, a Lambda function) creating a user is how a stolen
 * instance or function credential makes itself last.
 */
const isUnusualCreator = (e: TrailEvent): boolean =>
  e.actor.type === 'Root' || isCrossAccount(e) || isComputeCredential(e);

const severity = (e: TrailEvent): Severity => byOutcome(e, isUnusualCreator(e) ? 'high' : 'medium');

export default defineRule({
  id: 'iam.user-created',
  title: 'IAM user created',
  description:
    'A principal created an IAM user. High when the creator is the root user, a principal of ' +
    'another account, or a server’s own role (EC2 instance credentials, or a Lambda execution role as ' +
    'its user agent shows: the user agent can only raise the rating); medium otherwise; failed ' +
    'attempts one step lower (medium, low). It does not try to tell a deploy ' +
    'pipeline from a person (role names say too little): suppress known deploy roles as data. ' +
    'Users created by AWS itself (service-linked roles) are not matched; users created through ' +
    'CloudFormation on a principal’s behalf are judged like the principal’s own call.',
  whyItMatters:
    'A new IAM user with its own password or access keys survives the revocation of the credentials ' +
    'an intruder started with. Accounts that use IAM Identity Center rarely need new IAM users at all.',
  runbook:
    'Ask the creator why the user exists. If nobody expects it, list its keys, login profile, groups ' +
    'and policies (ListAccessKeys, GetLoginProfile, ListGroupsForUser, ListAttachedUserPolicies), ' +
    'deactivate and delete them, delete the user, and review what the creator did in the same session.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html',
  mitre: ['TA0003:T1136.003'],
  eventNames: ['CreateUser'],
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    return (
      `${creatorLabel(e)} ${failed(e) ? 'tried to create' : 'created'} IAM user ` +
      `${show(param(e, 'userName'), 64)}${computeCredentialNote(e)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('iam.user-created', e.recipientAccountId, param(e, 'userName')),
});
