// AssumeRole by anyone but AWS itself: people, workloads chaining roles, other accounts.

import { principalKey } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isCrossAccount, isServiceCaller } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const fromOtherAccount = (e: TrailEvent): boolean => isCrossAccount(e, param(e, 'roleArn'));

export default defineRule({
  id: 'sts.role-assumed',
  title: 'Role assumed by a person, a workload or another account',
  description:
    'AssumeRole called by any principal that is not an AWS service: an IAM user, root, a federated ' +
    'or Identity Center user, a workload role chaining into another role, or a principal from another ' +
    'account. Medium, failed attempts included: recorded and shown, paged only with minSeverity ' +
    'medium (workload roles assume roles all day; quiet a known one with a suppression). Role ' +
    'assumptions that AWS services make (type AWSService, invokedBy, service-linked roles) are not ' +
    'matched: they happen thousands of times a day.',
  whyItMatters:
    'Assuming a role is how access moves: between accounts, from a low-privilege user to a ' +
    'powerful role, and from one compromised workload to the roles it may chain into. A ' +
    'cross-account assumption from an unknown account is a common sign of a compromised trust policy.',
  runbook:
    'Check that the caller is expected to use the role (and, across accounts, that the calling ' +
    'account is known). If not, review and tighten the role trust policy, revoke the role ' +
    'sessions, and review what the session did using its access key id.',
  reference: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html',
  mitre: ['TA0004:T1548.005', 'TA0008:T1550.001'],
  eventNames: ['AssumeRole'],
  eventSources: ['sts.amazonaws.com'],
  severity: 'medium',
  matches: (e) => !isServiceCaller(e),
  explain: (e) => {
    const from = fromOtherAccount(e) ? ` of account ${show(e.actor.accountId, 16)}` : '';
    return (
      `${actorLabel(e)}${from} ${failed(e) ? 'tried to assume' : 'assumed'} role ` +
      `${show(param(e, 'roleArn'), 120)} as session ${show(param(e, 'roleSessionName'), 64)} ${origin(e)}${outcome(e)}.`
    );
  },
  // A workload's session names differ per run: its repeats group under the role, not the session.
  dedupKey: (e) => dedup('sts.role-assumed', principalKey(e), param(e, 'roleArn')),
});
