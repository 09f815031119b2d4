// Access to a Bedrock foundation model requested or granted for the account: the first step of
// LLMjacking, where stolen credentials are turned into paid model invocations.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'bedrock.model-access-requested';

const ACTIONS: ReadonlyMap<string, readonly [string, string]> = new Map([
  [
    'PutUseCaseForModelAccess',
    ['submitted the model access use case form', 'submit the model access use case form'],
  ],
  [
    'CreateFoundationModelAgreement',
    ['accepted the model agreement (EULA) for', 'accept the model agreement for'],
  ],
  ['PutFoundationModelEntitlement', ['enabled access to', 'enable access to']],
] as const);

/**
 * Medium: teams enable models during onboarding too, and the alert names the model so the owner
 * can tell. One step lower when an AWS service made the call. A failed call is low: a refusal
 * (AccessDenied*) is an attempt worth its own record, since credentials tried to turn models on,
 * but one refusal is not enough to page (refusals in numbers are the access-denied thresholds').
 */
const severity = (e: TrailEvent): Severity => judgeChange(e, 'medium');

/** The call was refused for lack of permission: `AccessDenied`, `AccessDeniedException`. */
const refused = (e: TrailEvent): boolean => e.errorCode.startsWith('AccessDenied');

const model = (e: TrailEvent): string => req(e, 'modelId');

export default defineRule({
  id: ID,
  title: 'Bedrock foundation model access requested',
  description:
    'A principal asked for access to Amazon Bedrock foundation models for the account: the use case ' +
    'form some model providers require (PutUseCaseForModelAccess), a model agreement accepted ' +
    '(CreateFoundationModelAgreement) or a model entitlement granted (PutFoundationModelEntitlement). ' +
    'Medium; one step lower when an AWS service made the call. A refused attempt (AccessDenied*) is ' +
    'a low finding of its own, as is any other failed call: credentials that try to turn models on ' +
    'are worth a record even when IAM stops them. AWS acting through a service-linked role is not ' +
    'matched.',
  whyItMatters:
    'LLMjacking: attackers with stolen keys enable the most expensive models in the victim account ' +
    'and sell or use the invocations, at a cost of thousands of dollars a day. Enabling model access ' +
    'is the step that comes before the first invocation, and one an account that does not use ' +
    'Bedrock should never see.',
  runbook:
    'Ask whether the team meant to enable this model. If not: remove the access (in the Bedrock ' +
    'console, Model access), check Bedrock usage and invocation logs for the caller, look for ' +
    'model invocation logging or guardrails removed at the same time (bedrock.safeguards-removed), ' +
    'rotate the caller credentials and deny bedrock:* with an SCP where Bedrock is not used.',
  reference: 'https://docs.aws.amazon.com/bedrock/latest/userguide/model-access.html',
  mitre: ['TA0040:T1496.004', 'TA0003:T1098'],
  eventNames: [...ACTIONS.keys()],
  eventSources: ['bedrock.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const [done, tried] = ACTIONS.get(e.eventName) ?? ['changed model access for', 'change model access for'];
    const target = e.eventName === 'PutUseCaseForModelAccess' ? '' : ` model ${show(model(e), 96)}`;
    const verb = refused(e) ? `was refused when trying to ${tried}` : failed(e) ? `tried to ${tried}` : done;
    return `${actorLabel(e)} ${verb}${target} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, e.actor.arn || e.actor.principalId, model(e)),
});
