// An IAM user's long-term key listing the Bedrock foundation models and invoking one within the same
// 15 minutes: the first two steps of LLMjacking with a stolen key. A threshold of two distinct
// steps, so both must fall in one window; their order is not checked.
import { principalKey } from '../../core/principal';
import { defineThresholdRule } from '../../core/threshold';
import type { TrailEvent } from '../../core/types';
import { callerKind } from '../common/actors';
import { succeeded } from '../common/outcome';

const INVOCATIONS = new Set(['InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream']);

/** The step an event is: 'listed' or 'invoked'; '' for anything else. */
function step(e: TrailEvent): string {
  if (e.eventName === 'ListFoundationModels') return 'listed';
  return INVOCATIONS.has(e.eventName) ? 'invoked' : '';
}

/** A successful step by a long-term key (or a session made from one outside the console). */
const counts = (e: TrailEvent): boolean => succeeded(e) && step(e) !== '' && callerKind(e) === 'key-holder';

export const bedrockModelsListedThenInvoked = defineThresholdRule({
  id: 'bedrock.models-listed-then-invoked',
  title: 'Bedrock models listed and invoked with a long-term key',
  description:
    'An IAM user’s long-term access key (or a session made from it outside the console) both listed ' +
    'the foundation models (ListFoundationModels) and invoked a model (InvokeModel, Converse and their ' +
    'streaming forms) within the same fixed 15-minute window. A threshold on the two distinct steps: ' +
    'the order within the window is not checked, and a pair that straddles two windows is missed. ' +
    'Medium: a developer trying Bedrock with an access key does the same, which the alert lets the ' +
    'owner confirm; roles and console sessions are not counted.',
  whyItMatters:
    'Production workloads invoke models under roles. A long-term key that first asks which models ' +
    'exist and then uses one is how stolen keys are tested for LLMjacking, before the invocations that ' +
    'run up the bill.',
  runbook:
    'Ask the key’s owner whether they were trying Bedrock. If not, deactivate the key, review its ' +
    'calls from the same address (model access requests, invocation logging changes), and move Bedrock ' +
    'use to roles.',
  reference: 'https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ListFoundationModels.html',
  mitre: ['TA0007:T1526', 'TA0001:T1078.004'],
  eventNames: ['ListFoundationModels', ...INVOCATIONS],
  eventSources: ['bedrock.amazonaws.com'],
  severity: 'medium',
  threshold: 2,
  windowMs: 15 * 60_000,
  counting: 'distinct steps (models listed, a model invoked)',
  keyLabel: 'by long-term key of',
  matches: counts,
  key: principalKey,
  distinct: step,
});
