// AddPermission: a statement added to a function's resource policy, deciding who may invoke it.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isAwsItself } from '../common/actors';
import { param } from '../common/json';
import { lambdaEventNames } from '../common/lambda-event-names';
import { failed } from '../common/outcome';
import { principalAccount } from '../common/policy-documents';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

type Grant = 'public' | 'external' | 'narrowed-wildcard' | 'internal';

/** The foreign account named by the principal, sourceAccount or sourceArn; '' when none. */
function foreignAccount(e: TrailEvent): string {
  const home = homeAccount(e);
  for (const candidate of [param(e, 'principal'), param(e, 'sourceAccount'), param(e, 'sourceArn')]) {
    const account = principalAccount(candidate);
    if (account !== '' && account !== home) return account;
  }
  return '';
}

function grant(e: TrailEvent): Grant {
  const principal = param(e, 'principal').trim();
  const narrowed = ['sourceArn', 'sourceAccount', 'principalOrgID'].some((k) => param(e, k).trim() !== '');
  if (principal === '*' && !narrowed) return 'public';
  if (foreignAccount(e) !== '') return 'external';
  return principal === '*' ? 'narrowed-wildcard' : 'internal';
}

const SEVERITY: Record<Grant, Severity> = {
  public: 'critical',
  external: 'high',
  'narrowed-wildcard': 'medium',
  internal: 'low',
};

const severity = (e: TrailEvent): Severity => byOutcome(e, SEVERITY[grant(e)]);

function whom(e: TrailEvent): string {
  switch (grant(e)) {
    case 'public':
      return 'anyone (principal "*" without sourceArn, sourceAccount or principalOrgID)';
    case 'external': {
      const principal = param(e, 'principal').trim();
      const account = show(foreignAccount(e), 16);
      return principalAccount(principal) === '' && principal !== '*'
        ? `${show(principal, 80)} on behalf of account ${account}`
        : `account ${account}`;
    }
    case 'narrowed-wildcard':
      return 'principal "*" narrowed by a source or organisation';
    default:
      return `${show(param(e, 'principal'), 80)}`;
  }
}

export default defineRule({
  id: 'lambda.function-made-public',
  title: 'Lambda function permission granted',
  description:
    'A principal added a statement to a Lambda function’s resource policy (AddPermission). Critical ' +
    'when principal "*" comes with no sourceArn, sourceAccount or principalOrgID; high when the ' +
    'principal, sourceAccount or sourceArn names another account; medium for a "*" narrowed by a ' +
    'source or organisation; low for grants to the account itself or to a service with a source in ' +
    'the account (the usual S3, SNS or API Gateway wiring). Failed calls are one step lower; calls by ' +
    'AWS itself are not matched. Function URLs with AuthType NONE are lambda.function-url-public.',
  whyItMatters:
    'A function that anyone (or another account) may invoke runs its code with the function’s role ' +
    'on an outsider’s request: a ready backdoor into the account that no IAM credential review finds.',
  runbook:
    'Read the function policy (GetPolicy). If the statement is not expected, remove it ' +
    '(RemovePermission with its statement id), check the function’s invocations and logs since the ' +
    'change, and review what its execution role can reach.',
  reference: 'https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html',
  mitre: ['TA0003:T1546', 'TA0002:T1648'],
  eventNames: lambdaEventNames('functions', 'AddPermission'),
  eventSources: ['lambda.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to allow' : 'allowed'} ${whom(e)} to call ` +
    `${show(param(e, 'action'), 48, 'an action')} on function ${show(param(e, 'functionName'), 100)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('lambda.function-made-public', e.recipientAccountId, e.awsRegion, param(e, 'functionName')),
});
