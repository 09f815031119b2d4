// A Bedrock AgentCore execution role calling a service its runtime has no use for: an every-event
// rule, pre-filtered on "AgentCore" (the role names carry it) so that other events stay unparsed.
import { roleName } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, viaAwsService } from '../common/actors';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'bedrock.agentcore-role-outside-runtime';

/**
 * Execution roles as AgentCore names them: `AgentCore-*` and, from the starter toolkit,
 * `AmazonBedrockAgentCoreSDKRuntime-*` (any name holding "BedrockAgentCore").
 */
const AGENTCORE_ROLE = /^AgentCore-|BedrockAgentCore/;

/** What a runtime calls: models, AgentCore itself, its logs, traces and metrics, its images. */
const RUNTIME_SOURCES = new Set([
  'bedrock.amazonaws.com',
  'bedrock-runtime.amazonaws.com',
  'bedrock-agentcore.amazonaws.com',
  'bedrock-agentcore-control.amazonaws.com',
  'logs.amazonaws.com',
  'xray.amazonaws.com',
  'monitoring.amazonaws.com',
  'ecr.amazonaws.com',
  'ecr-public.amazonaws.com',
]);

/** The execution role's name, from the session issuer or else the session ARN; '' for any other caller. */
function agentCoreRole(e: TrailEvent): string {
  if (e.actor.type !== 'AssumedRole') return '';
  // Called for every parsed event: a plain search first, the ARN parsing only when it can pay off.
  if (!e.actor.sessionIssuerArn.includes('AgentCore') && !e.actor.arn.includes('AgentCore')) return '';
  const role = roleName(e.actor.sessionIssuerArn) || roleName(e.actor.arn);
  return AGENTCORE_ROLE.test(role) ? role : '';
}

const outsideRuntime = (e: TrailEvent): boolean =>
  agentCoreRole(e) !== '' && !viaAwsService(e) && !RUNTIME_SOURCES.has(e.eventSource);

export default defineRule({
  id: ID,
  title: 'Bedrock AgentCore execution role used outside its runtime',
  description:
    'A session of an Amazon Bedrock AgentCore execution role (a role named AgentCore-* or holding ' +
    '"BedrockAgentCore") called a service an agent runtime does not use: anything but Bedrock, ' +
    'AgentCore, CloudWatch Logs, X-Ray, CloudWatch metrics and ECR. High; medium when the call was ' +
    'refused. Calls an AWS service made for the role are not matched. An agent built to use another ' +
    'service (S3, DynamoDB) will match its own calls: suppress that role and service once confirmed.',
  whyItMatters:
    'Agents run code, and their code interpreters have been shown to hand out the execution role’s ' +
    'credentials through the metadata service. Stolen that way, the credentials are used under the ' +
    'role’s own name: the service called, not the identity, shows they left the runtime.',
  runbook:
    'Find the agent runtime the role belongs to and ask whether it is built to call this service. If ' +
    'not, revoke the role’s sessions (an inline deny on aws:TokenIssueTime), review every call it made ' +
    'from the same address, narrow its permissions, and run code interpreters in VPC mode.',
  reference: 'https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-permissions.html',
  mitre: ['TA0004:T1078.004', 'TA0006:T1552.005'],
  eventNames: [],
  everyEvent: { identityIncludes: ['AgentCore'] },
  severity: (e) => byOutcome(e, 'high'),
  matches: outsideRuntime,
  explain: (e) =>
    `${actorLabel(e)}, a Bedrock AgentCore execution role, ${failed(e) ? 'tried to call' : 'called'} ` +
    `${show(e.eventName, 64)} on ${show(e.eventSource, 64)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.actor.sessionIssuerArn || e.actor.arn, e.eventSource),
});
