// AssumeRole by a person or by another account; services assuming roles are the background hum.
import { defineRule } from '../core/rule';
import type { TrailEvent } from '../core/types';
import {
  actorLabel,
  dedup,
  failed,
  isAwsServiceCall,
  isCrossAccount,
  isIdentityCenterSession,
  origin,
  outcome,
  param,
  show,
} from './helpers';

/** Identity types that stand for a person rather than a workload. */
const HUMAN_TYPES = new Set(['IAMUser', 'Root', 'FederatedUser', 'IdentityCenterUser']);

/** A person: an IAM user, root, a federated user, or a role session issued by IAM Identity Center. */
const isHumanCaller = (e: TrailEvent): boolean =>
  HUMAN_TYPES.has(e.actor.type) || (e.actor.type === 'AssumedRole' && isIdentityCenterSession(e));

export default defineRule({
  id: 'sts.role-assumed',
  title: 'Role assumed by a person or another account',
  description:
    'AssumeRole called by an IAM user, root, a federated or Identity Center user, or by a principal ' +
    'from another account. Role assumptions by AWS services (type AWSService or invokedBy) and ' +
    'by workload roles inside the account are not matched: they happen thousands of times a day.',
  whyItMatters:
    'Assuming a role is how access moves: between accounts, and from a low-privilege user to a ' +
    'powerful role. A cross-account assumption from an unknown account is a common sign of a ' +
    'compromised trust policy.',
  runbook:
    'Check that the caller is expected to use the role (and, across accounts, that the calling ' +
    'account is known). If not, review and tighten the role trust policy, revoke the role ' +
    'sessions, and review what the session did using its access key id.',
  reference: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html',
  mitre: ['TA0004:T1548.005', 'TA0008:T1550.001'],
  eventNames: ['AssumeRole'],
  eventSources: ['sts.amazonaws.com'],
  severity: 'medium',
  matches: (e) => !isAwsServiceCall(e) && (isHumanCaller(e) || isCrossAccount(e, param(e, 'roleArn'))),
  explain: (e) => {
    const from = isCrossAccount(e, param(e, 'roleArn')) ? ` of account ${show(e.actor.accountId, 16)}` : '';
    return (
      `${actorLabel(e)}${from} ${failed(e) ? 'tried to assume' : 'assumed'} role ` +
      `${show(param(e, 'roleArn'), 120)} as session ${show(param(e, 'roleSessionName'), 64)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('sts.role-assumed', e.actor.arn || e.actor.principalId, param(e, 'roleArn')),
});
