// An execution role handed to a SageMaker resource by a person or a long-term key: the resource then
// runs code as that role, which may reach further than its creator can.
import { arnAccount, roleName } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, callerKind, isForeignAccount } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'sagemaker.role-passed';

const RESOURCES: ReadonlyMap<string, readonly [string, string]> = new Map([
  ['CreateNotebookInstance', ['notebook instance', 'notebookInstanceName']],
  ['CreateTrainingJob', ['training job', 'trainingJobName']],
  ['CreateProcessingJob', ['processing job', 'processingJobName']],
  ['CreateAutoMLJob', ['AutoML job', 'autoMLJobName']],
  ['CreateAutoMLJobV2', ['AutoML job', 'autoMLJobName']],
  ['CreatePipeline', ['pipeline', 'pipelineName']],
] as const);

const passedRole = (e: TrailEvent): string => req(e, 'roleArn');

/** A person, an IAM user's long-term key or root: the callers that do this by hand. */
function byHand(e: TrailEvent): boolean {
  const kind = callerKind(e);
  return kind === 'person' || kind === 'key-holder' || kind === 'root';
}

/**
 * Medium; high when the role belongs to another account. A refused call is low (IAM refusing
 * iam:PassRole is the control working; repeated refusals are the access-denied thresholds').
 */
function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'low';
  return isForeignAccount(e, arnAccount(passedRole(e))) ? 'high' : 'medium';
}

const resourceName = (e: TrailEvent): string => {
  const key = RESOURCES.get(e.eventName)?.[1];
  return key === undefined ? '' : req(e, key);
};

export default defineRule({
  id: ID,
  title: 'SageMaker resource created with an execution role by hand',
  description:
    'A person, an IAM user’s long-term key or root created a SageMaker notebook instance, training, ' +
    'processing or AutoML job, or pipeline with an execution role (roleArn): CreateNotebookInstance, ' +
    'CreateTrainingJob, CreateProcessingJob, CreateAutoMLJob(V2), CreatePipeline. Medium; high when ' +
    'the role belongs to another account; low when the call was refused. Workloads (MLOps pipelines ' +
    'under roles) and AWS services are not matched: passing roles is their daily work.',
  whyItMatters:
    'Creating these resources requires iam:PassRole, and the resource then runs code as the role it ' +
    'was given. With a broad PassRole grant, a user can hand a more privileged role to a notebook or a ' +
    'job it controls and act as that role: a known privilege escalation path.',
  runbook:
    'Compare the passed role’s permissions with the caller’s. If the role reaches further and the ' +
    'resource is not expected, stop and delete it, review what the role did since, and narrow ' +
    'iam:PassRole to the execution roles each team should use.',
  reference: 'https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html',
  mitre: ['TA0004:T1098.003', 'TA0004:T1078.004'],
  eventNames: [...RESOURCES.keys()],
  eventSources: ['sagemaker.amazonaws.com'],
  severity,
  matches: (e) => passedRole(e) !== '' && byHand(e),
  explain: (e) => {
    const [kind] = RESOURCES.get(e.eventName) ?? ['resource'];
    const role = passedRole(e);
    const foreign = isForeignAccount(e, arnAccount(role)) ? ' of another account' : '';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to create' : 'created'} SageMaker ${kind} ` +
      `${show(resourceName(e), 80)} running as role ${show(roleName(role) || role, 96)}${foreign} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.actor.arn || e.actor.principalId, passedRole(e)),
});
