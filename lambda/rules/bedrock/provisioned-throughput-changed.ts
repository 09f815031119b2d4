// Bedrock Provisioned Throughput bought, changed or removed: dedicated model capacity billed by the
// hour, often with a one- or six-month commitment.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { path, req } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'bedrock.provisioned-throughput-changed';

const ACTIONS: ReadonlyMap<string, readonly [string, string]> = new Map([
  ['CreateProvisionedModelThroughput', ['bought Provisioned Throughput', 'buy Provisioned Throughput']],
  ['UpdateProvisionedModelThroughput', ['changed Provisioned Throughput', 'change Provisioned Throughput']],
  ['DeleteProvisionedModelThroughput', ['deleted Provisioned Throughput', 'delete Provisioned Throughput']],
] as const);

const throughput = (e: TrailEvent): string =>
  req(e, 'provisionedModelName', 'provisionedModelId') || path(e.responseElements, 'provisionedModelArn');

/** `, 10 model units on <model>, committed for SixMonths` from what the request states. */
function terms(e: TrailEvent): string {
  const units = req(e, 'modelUnits', 'desiredModelUnits');
  const model = req(e, 'modelId', 'desiredModelId');
  const commitment = req(e, 'commitmentDuration');
  return (
    (units === '' ? '' : `, ${show(units, 8)} model units`) +
    (model === '' ? '' : ` on ${show(model, 96)}`) +
    (commitment === '' ? '' : `, committed for ${show(commitment, 20)}`)
  );
}

export default defineRule({
  id: ID,
  title: 'Bedrock Provisioned Throughput bought, changed or deleted',
  description:
    'A principal created, updated or deleted Amazon Bedrock Provisioned Throughput ' +
    '(Create/Update/DeleteProvisionedModelThroughput). Medium: capacity is bought on purpose and ' +
    'rarely, and the alert states the model units, the model and any commitment term so the owner can ' +
    'tell at a glance. One step lower when an AWS service made the call, low when it failed; AWS acting ' +
    'through a service-linked role is not matched.',
  whyItMatters:
    'Provisioned Throughput is billed by the hour whether it is used or not, and a commitment cannot be ' +
    'cancelled: an intruder can run up a large bill, reserve capacity for their own use of a model, or ' +
    'delete the capacity a production application depends on.',
  runbook:
    'Confirm with the owner of the AI workloads. If the purchase is not expected, contact AWS Support ' +
    'about the commitment at once, delete capacity bought without commitment, and review the caller’s ' +
    'other Bedrock calls; if capacity was deleted, restore it for the applications that use it.',
  reference: 'https://docs.aws.amazon.com/bedrock/latest/userguide/prov-throughput.html',
  mitre: ['TA0040:T1496.004', 'TA0040:T1489'],
  eventNames: [...ACTIONS.keys()],
  eventSources: ['bedrock.amazonaws.com'],
  severity: (e) => judgeChange(e, 'medium'),
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const [done, tried] = ACTIONS.get(e.eventName) ?? ['changed Provisioned Throughput', 'change it'];
    return (
      `${actorLabel(e)} ${failed(e) ? `tried to ${tried}` : done} ${show(throughput(e), 120)}` +
      `${terms(e)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, e.eventName, throughput(e)),
});
