// Bedrock's own safeguards: model invocation logging (the record of every prompt and answer) and
// guardrails (the content filters in front of a model).
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ACTIONS: ReadonlyMap<string, { readonly what: string; readonly severity: Severity }> = new Map([
  [
    'DeleteModelInvocationLoggingConfiguration',
    { what: 'deleted model invocation logging', severity: 'high' },
  ],
  ['DeleteGuardrail', { what: 'deleted guardrail', severity: 'high' }],
  ['UpdateGuardrail', { what: 'changed guardrail', severity: 'medium' }],
]);

const severity = (e: TrailEvent): Severity => judgeChange(e, ACTIONS.get(e.eventName)?.severity ?? 'medium');

export default defineRule({
  id: 'bedrock.safeguards-removed',
  title: 'Bedrock invocation logging or guardrail removed',
  description:
    'A principal deleted Bedrock model invocation logging or a guardrail (high), or changed a guardrail ' +
    '(medium). One step lower when an AWS service made the call; low when it failed.',
  whyItMatters:
    'Invocation logs are the only record of what was asked of a model and what it answered; guardrails ' +
    'keep a model from being used to leak data or produce harmful output. Removing either comes before ' +
    'misusing the model unseen.',
  runbook:
    'Confirm with the owner of the AI workloads. If it is not expected, restore the logging configuration ' +
    'or the guardrail from infrastructure code, and review the principal’s Bedrock calls since.',
  reference: 'https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html',
  mitre: ['TA0005:T1562.008', 'TA0005:T1562.001'],
  eventNames: [...ACTIONS.keys()],
  eventSources: ['bedrock.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => {
    const guardrail = param(e, 'guardrailIdentifier');
    return (
      `${actorLabel(e)} ${ACTIONS.get(e.eventName)?.what ?? 'changed'}` +
      `${guardrail ? ` ${show(guardrail, 64)}` : ''} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup('bedrock.safeguards-removed', e.recipientAccountId, e.eventName, param(e, 'guardrailIdentifier')),
});
