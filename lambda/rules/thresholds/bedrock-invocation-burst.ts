// One principal invoking one Bedrock model hundreds of times in an hour: what LLMjacking and
// model-probing (membership inference, extraction) look like in CloudTrail, which records the
// runtime calls InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream as
// management events.
import { principalKey } from '../../core/principal';
import { defineThresholdRule } from '../../core/threshold';
import type { TrailEvent } from '../../core/types';
import { callerKind } from '../common/actors';
import { req } from '../common/json';
import { succeeded } from '../common/outcome';

const INVOCATIONS = ['InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream'];

/**
 * Counted for long-term keys, root and people only. Applications invoke models all day under their
 * roles, and each counted call rewrites a counter holding up to 500 event ids (about 20 KB, so 20
 * write units): counting every workload would cost more than the rest of the detector and page on
 * every busy application. A stolen key is how most LLMjacking starts.
 */
function subject(e: TrailEvent): string {
  if (!succeeded(e)) return '';
  const kind = callerKind(e);
  if (kind !== 'key-holder' && kind !== 'root' && kind !== 'person') return '';
  const model = req(e, 'modelId');
  return model === '' ? '' : `${principalKey(e)} model ${model}`;
}

export const bedrockInvocationBurst = defineThresholdRule({
  id: 'bedrock.invocation-burst',
  title: 'Burst of Bedrock model invocations by one principal',
  description:
    'At least 500 successful invocations of the same Amazon Bedrock model (InvokeModel, ' +
    'InvokeModelWithResponseStream, Converse, ConverseStream) by the same IAM user, root or person ' +
    'within a one-hour window. Medium: batch jobs and load tests run by people reach it too, so it is ' +
    'recorded and shown, and pages only with minSeverity medium. Role sessions of workloads are not ' +
    'counted: applications invoke models all day, and counting them would cost a large counter write ' +
    'per call. A burst that straddles two windows is split between them.',
  whyItMatters:
    'Attackers with a stolen key sell or use model invocations at the account owner’s expense ' +
    '(LLMjacking), or query one model hundreds of times to learn what it was trained on. Either is ' +
    'a volume no person reaches by hand.',
  runbook:
    'Identify the principal and whether it runs a batch or a test against this model. If not, ' +
    'deactivate its access key or revoke its sessions, check Bedrock model invocation logs for the ' +
    'prompts sent, and look for model access enabled or logging removed by the same principal ' +
    '(bedrock.model-access-requested, bedrock.safeguards-removed).',
  reference: 'https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html',
  mitre: ['TA0040:T1496.004', 'TA0010:T1020'],
  eventNames: INVOCATIONS,
  eventSources: ['bedrock.amazonaws.com'],
  severity: 'medium',
  threshold: 500,
  windowMs: 60 * 60_000,
  counting: 'successful invocations of one model',
  keyLabel: 'by',
  matches: (e) => subject(e) !== '',
  key: subject,
});
