// CreateFunctionUrlConfig / UpdateFunctionUrlConfig: an HTTPS endpoint for a function.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { param } from '../common/json';
import { lambdaEventNames } from '../common/lambda-event-names';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** AuthType NONE: Lambda does no IAM authentication; the function policy alone decides. */
const isUnauthenticated = (e: TrailEvent): boolean => param(e, 'authType').trim().toUpperCase() === 'NONE';

export default defineRule({
  id: 'lambda.function-url-public',
  title: 'Lambda function URL without authentication',
  description:
    'A principal created or updated a Lambda function URL with AuthType NONE, an internet endpoint ' +
    'that skips IAM authentication. High when the call succeeded, medium when it failed. URLs with ' +
    'AuthType AWS_IAM are not matched, nor are calls by AWS itself. The function policy statement that ' +
    'lets everyone call the URL is judged by lambda.function-made-public.',
  whyItMatters:
    'A public function URL lets anyone on the internet run the function with its execution role; ' +
    'attackers use it as a persistent, credential-free entry point or as a command endpoint.',
  runbook:
    'Confirm with the function owner that a public URL is intended. If not, delete the URL config ' +
    '(DeleteFunctionUrlConfig) or switch it to AWS_IAM, remove any "*" statement from the function ' +
    'policy, and review the function’s invocations and what its role can reach.',
  reference: 'https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html',
  mitre: ['TA0003:T1546', 'TA0002:T1648'],
  eventNames: lambdaEventNames('urls', 'CreateFunctionUrlConfig', 'UpdateFunctionUrlConfig'),
  eventSources: ['lambda.amazonaws.com'],
  severity: (e) => byOutcome(e, 'high'),
  matches: (e) => !isAwsItself(e) && isUnauthenticated(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to expose' : 'exposed'} function ` +
    `${show(param(e, 'functionName'), 100)} through a URL with AuthType NONE ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('lambda.function-url-public', e.recipientAccountId, e.awsRegion, param(e, 'functionName')),
});
