// SendCommand: Run Command executes a document (often a shell script) on managed instances.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isHumanCaller, isKeyHolderOrRoot, isServiceCaller } from '../common/actors';
import { listOf, param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** Documents that run whatever script the caller passes, as root or SYSTEM. */
const SHELL_DOCUMENTS = ['AWS-RunShellScript', 'AWS-RunPowerShellScript'];

const runsShell = (e: TrailEvent): boolean => SHELL_DOCUMENTS.includes(param(e, 'documentName').trim());

const severity = (e: TrailEvent): Severity =>
  byOutcome(e, isKeyHolderOrRoot(e) || (runsShell(e) && isHumanCaller(e)) ? 'high' : 'medium');

function targets(e: TrailEvent): string {
  const ids = listOf(e.requestParameters.instanceIds);
  if (ids.length > 0) return `${ids.length} instance(s)`;
  return listOf(e.requestParameters.targets).length > 0 ? 'instances selected by tag or group' : 'instances';
}

export default defineRule({
  id: 'ssm.command-sent',
  title: 'SSM Run Command sent',
  description:
    'A principal ran an SSM document on managed instances (SendCommand). High when the caller is a ' +
    'key holder (an IAM user’s long-term access key, or a session made from it outside the console) ' +
    'or root, or when the document runs an arbitrary shell script (AWS-RunShellScript, ' +
    'AWS-RunPowerShellScript) and the caller is a person; medium otherwise; failed calls ' +
    'are one step lower. Commands sent by AWS services (State Manager associations, Maintenance ' +
    'Windows: invokedBy or service-linked roles) are not matched. The script itself is hidden by ' +
    'CloudTrail.',
  whyItMatters:
    'Run Command executes code as root or SYSTEM on every targeted instance without SSH or open ' +
    'ports: intruders use it to move from the cloud control plane into workloads.',
  runbook:
    'Read the command and its output (GetCommandInvocation, or the S3 or CloudWatch output if ' +
    'configured). If nobody expects it, isolate the targeted instances, review what the script did, ' +
    'and rotate the caller credentials.',
  reference: 'https://docs.aws.amazon.com/systems-manager/latest/userguide/run-command.html',
  mitre: ['TA0002:T1651'],
  eventNames: ['SendCommand'],
  eventSources: ['ssm.amazonaws.com'],
  severity,
  matches: (e) => !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to run' : 'ran'} SSM document ` +
    `${show(param(e, 'documentName'), 80)} on ${targets(e)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup(
      'ssm.command-sent',
      e.recipientAccountId,
      e.actor.arn || e.actor.userName,
      param(e, 'documentName'),
    ),
});
