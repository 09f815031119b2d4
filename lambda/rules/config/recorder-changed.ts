// AWS Config changes (CIS / Security Hub CloudWatch.9): the recorder, its delivery channel, and
// the rules and conformance packs that evaluate what it records.
import { obj, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { judgeWeakening } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** Calls that stop recording or delivery altogether. */
const DISABLING = new Set([
  'StopConfigurationRecorder',
  'DeleteConfigurationRecorder',
  'DeleteDeliveryChannel',
]);

const EVENT_NAMES = [
  ...DISABLING,
  'PutConfigurationRecorder',
  'PutDeliveryChannel',
  'DeleteConfigRule',
  'DeleteOrganizationConfigRule',
  'DeleteConformancePack',
  'DeleteOrganizationConformancePack',
  'DeleteRemediationConfiguration',
  'DeleteConfigurationAggregator',
];

function severity(e: TrailEvent): Severity {
  // Security Hub and Control Tower add and remove their own Config rules through service roles.
  return judgeWeakening(e, DISABLING.has(e.eventName));
}

/** The recorder, channel, rule, pack or aggregator the call names. */
function subject(e: TrailEvent): string {
  return (
    param(e, 'configurationRecorderName', 'deliveryChannelName') ||
    str(obj(e.requestParameters.configurationRecorder).name) ||
    str(obj(e.requestParameters.deliveryChannel).name) ||
    param(
      e,
      'configRuleName',
      'organizationConfigRuleName',
      'conformancePackName',
      'organizationConformancePackName',
      'configurationAggregatorName',
    )
  );
}

/** A recorder that records only some resource types is worth naming in the alert. */
function detail(e: TrailEvent): string {
  if (e.eventName !== 'PutConfigurationRecorder') return '';
  const group = obj(obj(e.requestParameters.configurationRecorder).recordingGroup);
  return str(group.allSupported) === 'false' ? ' (recording only selected resource types)' : '';
}

export default defineRule({
  id: 'config.recorder-changed',
  title: 'AWS Config configuration changed',
  description:
    'A principal stopped or deleted the AWS Config recorder or deleted its delivery channel ' +
    '(high), changed the recorder or delivery channel, or deleted a Config rule, conformance pack, ' +
    'remediation or aggregator (medium). One step lower when an AWS service made the call (Security ' +
    'Hub and Control Tower manage their own Config rules through service-linked roles). Failed ' +
    'calls are low, medium when they tried to stop or delete recording.',
  whyItMatters:
    'AWS Config is the record of how resources were configured and the engine behind Security Hub ' +
    'checks; stopping it blinds compliance monitoring and hides the changes that follow.',
  runbook:
    'Check the recorder (DescribeConfigurationRecorderStatus) and restart it (StartConfigurationRecorder) ' +
    'or recreate the delivery channel from infrastructure code if the change is not planned. ' +
    'Confirm deleted rules or packs with their owner, and review what the caller changed while ' +
    'recording was off.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html',
  mitre: ['TA0005:T1562.001'],
  cis: ['CloudWatch.9'],
  eventNames: EVENT_NAMES,
  eventSources: ['config.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} called ${show(e.eventName, 48)} on ${show(subject(e), 120)}${detail(e)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('config.recorder-changed', e.recipientAccountId, e.awsRegion, e.eventName, subject(e)),
});
