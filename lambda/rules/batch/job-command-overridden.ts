// AWS Batch SubmitJob with the container command replaced: the job definition's image runs
// whatever the caller says, under the job's role.
import { defineRule } from '../../core/rule';
import type { JsonValue, Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { child, objectsOf, req } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';
import { commandText, judgeOverride, looksMalicious } from '../ecs/task-command-overridden';

const ID = 'batch.job-command-overridden';

/**
 * The command overrides of the request: `containerOverrides.command` (single-container jobs),
 * each `nodeOverrides.nodePropertyOverrides[].containerOverrides.command` (multi-node jobs) and
 * each `ecsPropertiesOverride.taskProperties[].containers[].command`.
 */
function commands(e: TrailEvent): JsonValue[] {
  const p = e.requestParameters;
  const found: JsonValue[] = [];
  const add = (value: JsonValue | undefined): void => {
    if (value !== undefined) found.push(value);
  };
  add(child(child(p, 'containerOverrides'), 'command'));
  for (const node of objectsOf(child(child(p, 'nodeOverrides'), 'nodePropertyOverrides'))) {
    add(child(child(node, 'containerOverrides'), 'command'));
  }
  for (const task of objectsOf(child(child(p, 'ecsPropertiesOverride'), 'taskProperties'))) {
    for (const container of objectsOf(child(task, 'containers'))) add(child(container, 'command'));
  }
  return found;
}

const command = (e: TrailEvent): string => commandText(commands(e));

/** Judged as an ECS command override is: medium, high when the command looks like an attacker's. */
const severity = (e: TrailEvent): Severity => judgeOverride(e, looksMalicious(command(e)));

const jobDefinition = (e: TrailEvent): string =>
  req(e, 'jobDefinition').replace(/^arn:.*:job-definition\//, '');

export default defineRule({
  id: ID,
  title: 'AWS Batch job submitted with its command overridden',
  description:
    'A principal submitted an AWS Batch job (SubmitJob) whose container command replaces the job ' +
    "definition's (containerOverrides, multi-node nodeOverrides or ecsPropertiesOverride). Medium; " +
    'high when the command downloads, decodes a payload, opens a reverse shell or pipes into a ' +
    'shell, as for ECS tasks (ecs.task-command-overridden). A refused attempt is medium when it ' +
    'would have been high, low otherwise; one step lower when an AWS service made the call ' +
    '(EventBridge, Step Functions).',
  whyItMatters:
    'A command override runs the attacker’s code inside a trusted image, on the compute ' +
    'environment’s instances and with the job role’s permissions, without touching the job ' +
    'definition: code execution and, with a large array size, cryptomining on the account’s bill.',
  runbook:
    'Check the job (DescribeJobs shows the command and who submitted it) against the team’s ' +
    'pipelines. If it is not expected: terminate it (TerminateJob) and any array children, review ' +
    'what the job role can do and did, rotate the caller’s credentials, and restrict batch:SubmitJob ' +
    'to the job definitions each caller needs.',
  reference: 'https://docs.aws.amazon.com/batch/latest/APIReference/API_SubmitJob.html',
  mitre: ['TA0002:T1610', 'TA0040:T1496.001'],
  eventNames: ['SubmitJob'],
  eventSources: ['batch.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e) && command(e) !== '',
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to submit' : 'submitted'} Batch job ${show(req(e, 'jobName'), 64)} ` +
    `(definition ${show(jobDefinition(e), 96)}, queue ${show(req(e, 'jobQueue'), 96)}) with command ` +
    `"${show(command(e), 160)}" ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup(ID, e.recipientAccountId, e.awsRegion, e.actor.arn || e.actor.principalId, jobDefinition(e)),
});
