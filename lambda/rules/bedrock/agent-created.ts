// A Bedrock agent created by an IAM user or root: agents are built by roles in pipelines, so one made
// by hand with a user's key or the root user is worth a look.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, callerKind } from '../common/actors';
import { path, req } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'bedrock.agent-created';

/** An IAM user (its long-term key or a console session) or root, and not a service acting for one. */
function byUserOrRoot(e: TrailEvent): boolean {
  const kind = callerKind(e);
  if (kind === 'root') return true;
  return e.actor.type === 'IAMUser' && (kind === 'key-holder' || kind === 'person');
}

const agentName = (e: TrailEvent): string =>
  req(e, 'agentName') || path(e.responseElements, 'agent', 'agentName');

export default defineRule({
  id: ID,
  title: 'Bedrock agent created by an IAM user or root',
  description:
    'An IAM user (with its access key or in the console) or the root user created an Amazon Bedrock ' +
    'agent (CreateAgent). Low: building an agent is ordinary work, and a new agent does nothing until ' +
    'it is prepared and given an alias; the finding is there to be read with what follows ' +
    '(bedrock.agent-changed). Info when the call failed. Roles, and AWS services acting for a caller, ' +
    'are not matched: that is how agents are normally deployed.',
  whyItMatters:
    'An agent runs a model with instructions and tools (Lambda functions, APIs, knowledge bases) under ' +
    'an execution role. One created by hand from a user key can be an intruder building a foothold that ' +
    'runs as a trusted component, or a way to spend model capacity on the account’s bill.',
  runbook:
    'Ask the user what the agent is for. If nobody expects it, read its instructions, action groups and ' +
    'execution role (GetAgent, ListAgentActionGroups), delete it, and review the user’s other calls ' +
    'from the same address.',
  reference: 'https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent_CreateAgent.html',
  mitre: ['TA0003:T1505', 'TA0040:T1496.004'],
  eventNames: ['CreateAgent'],
  eventSources: ['bedrock.amazonaws.com'],
  severity: (e) => (failed(e) ? 'info' : 'low'),
  matches: byUserOrRoot,
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to create' : 'created'} Bedrock agent ${show(agentName(e), 100)} ` +
    `on model ${show(req(e, 'foundationModel'), 96)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup(ID, e.recipientAccountId, e.awsRegion, e.actor.arn || e.actor.principalId, agentName(e)),
});
