// A Bedrock agent's behaviour changed: its instructions, its tools (action groups), the agents it
// delegates to (collaborators), the knowledge bases it trusts, the version its alias serves, or a
// new configuration made live (PrepareAgent).
import { str } from '../../core/event';
import { arnAccount } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, isForeignAccount } from '../common/actors';
import { child, path, req } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'bedrock.agent-changed';

/** Per call: what was done, and what was tried when the call failed. */
const ACTIONS: ReadonlyMap<string, readonly [string, string]> = new Map([
  ['UpdateAgent', ['changed the instructions or settings of', 'change the instructions or settings of']],
  ['CreateAgentActionGroup', ['added an action group (tool) to', 'add an action group (tool) to']],
  ['UpdateAgentActionGroup', ['changed an action group (tool) of', 'change an action group (tool) of']],
  ['AssociateAgentCollaborator', ['added a collaborator agent to', 'add a collaborator agent to']],
  ['UpdateAgentCollaborator', ['changed a collaborator agent of', 'change a collaborator agent of']],
  ['CreateAgentAlias', ['created an alias for', 'create an alias for']],
  ['UpdateAgentAlias', ['repointed an alias of', 'repoint an alias of']],
  ['PrepareAgent', ['made live the draft of', 'make live the draft of']],
  ['AssociateAgentKnowledgeBase', ['attached a knowledge base to', 'attach a knowledge base to']],
  ['UpdateAgentKnowledgeBase', ['changed a knowledge base of', 'change a knowledge base of']],
] as const);

/**
 * What the change wires the agent to in another account: the Lambda function an action group runs
 * (`actionGroupExecutor.lambda`), or the alias of a collaborator agent (`agentDescriptor.aliasArn`).
 */
function foreignTarget(e: TrailEvent): string {
  const lambda = str(child(child(e.requestParameters, 'actionGroupExecutor'), 'lambda'));
  const alias = str(child(child(e.requestParameters, 'agentDescriptor'), 'aliasArn'));
  for (const arn of [lambda, alias]) if (isForeignAccount(e, arnAccount(arn))) return arn;
  return '';
}

/**
 * Medium: teams tune agents all the time, but each of these calls changes what a trusted agent does
 * for everyone who invokes it. High when the change wires the agent to a Lambda function or a
 * collaborator agent in another account. One step lower when an AWS service made the call
 * (CloudFormation deploying the agent); low when it failed.
 */
const severity = (e: TrailEvent): Severity => judgeChange(e, foreignTarget(e) === '' ? 'medium' : 'high');

const agentId = (e: TrailEvent): string =>
  req(e, 'agentId') ||
  path(e.responseElements, 'agentAlias', 'agentId') ||
  path(e.responseElements, 'agentId');

/** The part changed: the action group, collaborator, knowledge base or alias, when the request names one. */
function part(e: TrailEvent): string {
  const name =
    req(e, 'actionGroupName', 'actionGroupId') ||
    req(e, 'collaboratorName', 'collaboratorId') ||
    req(e, 'knowledgeBaseId') ||
    req(e, 'agentAliasName', 'agentAliasId');
  return name === '' ? '' : ` (${show(name, 80)})`;
}

export default defineRule({
  id: ID,
  title: 'Bedrock agent, its tools or its knowledge changed',
  description:
    'A principal changed an Amazon Bedrock agent: its instructions (UpdateAgent), its action groups ' +
    '(Create/UpdateAgentActionGroup), its collaborator agents (Associate/UpdateAgentCollaborator), the ' +
    'knowledge bases it consults (AssociateAgentKnowledgeBase, UpdateAgentKnowledgeBase), its aliases ' +
    '(Create/UpdateAgentAlias), or made a draft live (PrepareAgent). Medium; high when the change points ' +
    'the agent at a Lambda function or a collaborator agent in another account. One step lower when an ' +
    'AWS service made the call, low when it failed. AWS acting through a service-linked role is not ' +
    'matched. Creating an agent is bedrock.agent-created.',
  whyItMatters:
    'Users and applications keep calling an agent they trust. Rewriting its instructions, giving it a ' +
    'new tool, a collaborator or a knowledge base, or pointing its alias at a tampered version plants ' +
    'the intruder’s behaviour in that trusted component: a way to keep access, to leak what the agent ' +
    'sees, or to feed it instructions hidden in retrieved text.',
  runbook:
    'Confirm the change with the agent’s owner. If it is not expected, compare the agent with its last ' +
    'known version (GetAgent, the action groups, collaborators and knowledge bases), revert it and run ' +
    'PrepareAgent again, point its aliases back at a good version, and review the Lambda functions and ' +
    'knowledge bases it was given and the caller’s other calls.',
  reference: 'https://docs.aws.amazon.com/bedrock/latest/userguide/agents.html',
  mitre: ['TA0003:T1505', 'TA0040:T1565.001'],
  eventNames: [...ACTIONS.keys()],
  eventSources: ['bedrock.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const target = foreignTarget(e);
    const foreign = target === '' ? '' : `, wiring it to ${show(target, 140)} in another account,`;
    const [done, tried] = ACTIONS.get(e.eventName) ?? ['changed', 'change'];
    return (
      `${actorLabel(e)} ${failed(e) ? `tried to ${tried}` : done} Bedrock agent ` +
      `${show(agentId(e), 40)}${part(e)}${foreign} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, agentId(e), e.eventName),
});
