// DeleteFlowLogs: VPC, subnet or network-interface traffic stops being recorded.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { collectStrings } from '../common/json';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'ec2.flow-logs-deleted';

/**
 * Flow log ids wherever the request carries them: `flowLogIds` lists in JSON-API records, or the
 * `DeleteFlowLogsRequest.FlowLogId.content` shape of query-API records.
 */
const flowLogIds = (e: TrailEvent): string[] =>
  collectStrings(e.requestParameters, (s) => /^fl-[0-9a-zA-Z]{1,40}$/.test(s), 10);

function severity(e: TrailEvent): Severity {
  return lowerFor('high', failed(e), isServiceCaller(e));
}

export default defineRule({
  id: ID,
  title: 'VPC flow logs deleted',
  description:
    'A principal deleted one or more VPC flow logs (DeleteFlowLogs): high. Failed attempts are medium; ' +
    'deletions made by AWS services (e.g. CloudFormation deleting a stack, invokedBy) are medium too and say ' +
    'so. Creating flow logs, or changing where they are delivered, is not covered.',
  whyItMatters:
    'Flow logs are the network record of the VPC (what talked to what, data volumes out); deleting them ' +
    'before exfiltration or lateral movement removes the evidence, and GuardDuty loses nothing but ' +
    'incident responders do.',
  runbook:
    'Confirm the deletion with the network owner or change ticket. If unexpected, re-create the flow logs ' +
    '(CreateFlowLogs) for the affected VPCs, subnets or interfaces, restrict ec2:DeleteFlowLogs (SCP), and ' +
    "review the caller's other actions and the traffic before the gap in the existing log destination.",
  reference: 'https://docs.aws.amazon.com/vpc/latest/userguide/working-with-flow-logs.html',
  mitre: ['TA0005:T1562.008'],
  eventNames: ['DeleteFlowLogs'],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => {
    const ids = flowLogIds(e);
    const which = ids.length > 0 ? `flow log(s) ${show(ids.join(', '), 200)}` : 'flow logs';
    const via = isServiceCaller(e) ? ' via an AWS service' : '';
    return `${actorLabel(e)} ${failed(e) ? 'tried to delete' : 'deleted'} VPC ${which}${via} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, flowLogIds(e).join(',')),
});
