// DeleteFunction: a Lambda function and its code removed.
import { arnAccount } from '../../core/principal';
import { defineRule, type OwnResources } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { req } from '../common/json';
import { lambdaEventNames } from '../common/lambda-event-names';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'lambda.function-deleted';

const functionRef = (e: TrailEvent): string => req(e, 'functionName');

/** A function name from a name, `name:qualifier`, a partial ARN or a full (qualified) ARN. */
function functionNameOf(ref: string): string {
  const marker = 'function:';
  const at = ref.indexOf(marker);
  return (at >= 0 ? ref.slice(at + marker.length) : ref).split(':')[0] ?? '';
}

/** trailwatch's own function: trailwatch.self-tamper rates its deletion (critical). */
function isOwnFunction(e: TrailEvent, own: OwnResources): boolean {
  if (!own.functionName) return false;
  const ref = functionRef(e);
  const account = /^(?:arn:[^:]*:lambda:[^:]*:)?(\d{12}):function:/.exec(ref)?.[1] ?? '';
  const ownAccount = arnAccount(own.topicArn ?? '');
  const sameAccount = account === '' || ownAccount === '' || account === ownAccount;
  return ref !== '' && functionNameOf(ref) === functionNameOf(own.functionName) && sameAccount;
}

export default defineRule({
  id: ID,
  title: 'Lambda function deleted',
  description:
    'A principal deleted a Lambda function, or one version of it (DeleteFunction, recorded with its API ' +
    'version: DeleteFunction20150331). Low: functions are retired with the stacks and services that own ' +
    'them, and the record is what an investigation needs; info when the call failed or an AWS service ' +
    'made it for a principal (CloudFormation deleting a stack). Calls by AWS itself are not matched. The ' +
    'deletion of trailwatch’s own function is trailwatch.self-tamper’s.',
  whyItMatters:
    'Deleting a function stops what it did (a security control, a log shipper, a scheduled job) and ' +
    'removes its code: a way to disrupt a service or to clean up a backdoor function after use.',
  runbook:
    'Confirm with the function’s owner. If the deletion is not expected, redeploy the function from ' +
    'source, check what depended on it (event sources, schedules, API routes), and review the caller’s ' +
    'other deletions.',
  reference: 'https://docs.aws.amazon.com/lambda/latest/api/API_DeleteFunction.html',
  mitre: ['TA0040:T1485', 'TA0005:T1070'],
  eventNames: lambdaEventNames('functions', 'DeleteFunction'),
  eventSources: ['lambda.amazonaws.com'],
  severity: (e) => lowerFor('low', failed(e) || viaAwsService(e)),
  matches: (e, context) => !isAwsItself(e) && !isOwnFunction(e, context.ownResources),
  explain: (e) => {
    const qualifier = req(e, 'qualifier');
    const version = qualifier !== '' ? ` (version ${show(qualifier, 24)})` : '';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to delete' : 'deleted'} Lambda function ` +
      `${show(functionRef(e), 160)}${version} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, functionNameOf(functionRef(e))),
});
