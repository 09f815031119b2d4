// UpdateFunctionCode / UpdateFunctionConfiguration with layers (or any configuration change by a
// key holder): new code in an existing function.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isAwsItself, isKeyHolderOrRoot } from '../common/actors';
import { param, stringsOf } from '../common/json';
import { baseEventName, lambdaEventNames } from '../common/lambda-event-names';
import { failed } from '../common/outcome';
import { principalAccount } from '../common/policy-documents';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const isCodeUpdate = (e: TrailEvent): boolean => baseEventName(e.eventName) === 'UpdateFunctionCode';

/** The layer ARNs the call sets; `layers` is only in the request when the caller changes them. */
const requestedLayers = (e: TrailEvent): string[] => stringsOf(e.requestParameters.layers);

const setsLayers = (e: TrailEvent): boolean => 'layers' in e.requestParameters;

/**
 * A key holder's configuration change, whatever it sets: the handler, runtime, role and environment
 * (AWS_LAMBDA_EXEC_WRAPPER, NODE_OPTIONS) each decide what code runs, as layers do.
 */
const keyHolderConfiguration = (e: TrailEvent): boolean => !isCodeUpdate(e) && isKeyHolderOrRoot(e);

function foreignLayers(e: TrailEvent): string[] {
  const home = homeAccount(e);
  return requestedLayers(e).filter((arn) => {
    const account = principalAccount(arn);
    return account !== '' && account !== home;
  });
}

/** High for another account's layer, or when a key holder or root runs new code; medium for workloads and people. */
const severity = (e: TrailEvent): Severity =>
  byOutcome(e, foreignLayers(e).length > 0 || isKeyHolderOrRoot(e) ? 'high' : 'medium');

function what(e: TrailEvent): string {
  if (isCodeUpdate(e)) return 'the code of';
  const foreign = foreignLayers(e);
  if (foreign.length > 0) return `the layers (including ${show(foreign[0], 120)} from another account) of`;
  if (!setsLayers(e)) return 'the configuration of';
  const count = requestedLayers(e).length;
  return count === 0 ? 'the layers (now none) of' : `the layers (${count}) of`;
}

export default defineRule({
  id: 'lambda.code-or-layers-changed',
  title: 'Lambda function code or layers changed',
  description:
    'A principal replaced a function’s code (UpdateFunctionCode) or set its layers ' +
    '(UpdateFunctionConfiguration with a layers list in the request). High when a layer comes from ' +
    'another account, or when the caller is a key holder (an IAM user’s long-term access key, or a ' +
    'session made from it outside the console) or root; medium for workload roles, pipelines and ' +
    'people in the console; failed calls one step lower. Any other configuration change ' +
    '(UpdateFunctionConfiguration without layers in the request: handler, runtime, role, environment, ' +
    'each of which decides what code runs) is matched when a key holder or root makes it, high; by ' +
    'anyone else it is not (the response lists the current layers on every update, so only the ' +
    'request says they changed). Calls by AWS itself are not matched. Deployment pipelines do this ' +
    'all day: suppress their roles as data.',
  whyItMatters:
    'New code or a new layer runs with the function’s role on every invocation: attackers add a ' +
    'layer or extension to harvest the role’s credentials and every event the function handles.',
  runbook:
    'Match the change to a deployment. If none explains it, roll back to the previous version or ' +
    'layers, download and inspect the new code or layer (GetFunction, GetLayerVersion), and review ' +
    'what the execution role did since.',
  reference: 'https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html',
  mitre: ['TA0003:T1546', 'TA0002:T1648'],
  eventNames: lambdaEventNames('functions', 'UpdateFunctionCode', 'UpdateFunctionConfiguration'),
  eventSources: ['lambda.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e) && (isCodeUpdate(e) || setsLayers(e) || keyHolderConfiguration(e)),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to change' : 'changed'} ${what(e)} function ` +
    `${show(param(e, 'functionName'), 100)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('lambda.code-or-layers-changed', e.recipientAccountId, e.awsRegion, param(e, 'functionName')),
});
