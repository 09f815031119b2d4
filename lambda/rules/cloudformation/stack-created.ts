// A CloudFormation stack or StackSet created: one call that can create any resource, IAM roles and
// users included, in one account or, with StackSets, in many.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, isKeyHolderOrRoot, viaAwsService } from '../common/actors';
import { child, path, req, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { lower } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

const ID = 'cloudformation.stack-created';

const ACTIONS: ReadonlyMap<string, readonly [string, string]> = new Map([
  ['CreateStack', ['created stack', 'create stack']],
  ['CreateStackSet', ['created StackSet', 'create StackSet']],
  ['CreateStackInstances', ['deployed StackSet', 'deploy StackSet']],
] as const);

/**
 * Medium by a long-term key or root: deployments run from pipelines under roles, and a stack made by
 * hand with a user's key is the quick way to create many resources at once. Low for anyone else
 * (pipelines, people in the console), one step lower when an AWS service made the call (Service
 * Catalog, a parent stack). A refused call is low.
 */
function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'low';
  const base: Severity = isKeyHolderOrRoot(e) ? 'medium' : 'low';
  return viaAwsService(e) ? lower(base) : base;
}

const stack = (e: TrailEvent): string =>
  req(e, 'stackName', 'stackSetName') || path(e.responseElements, 'stackId');

/** `, with CAPABILITY_NAMED_IAM` when the caller acknowledged the stack creates IAM resources. */
function capabilities(e: TrailEvent): string {
  const granted = stringsOf(child(e.requestParameters, 'capabilities')).map((c) => show(c, 32));
  return granted.length === 0 ? '' : `, with ${firstFew(granted)}`;
}

/** `, to accounts 1111..., 2222... in us-east-1` for StackSet instances. */
function targets(e: TrailEvent): string {
  if (e.eventName !== 'CreateStackInstances') return '';
  const accounts = stringsOf(child(e.requestParameters, 'accounts')).map((a) => show(a, 16));
  const units = stringsOf(
    child(child(e.requestParameters, 'deploymentTargets'), 'organizationalUnitIds'),
  ).map((u) => show(u, 40));
  const regions = stringsOf(child(e.requestParameters, 'regions')).map((r) => show(r, 24));
  const where = [...accounts, ...units];
  return (
    (where.length === 0 ? '' : `, to ${firstFew(where)}`) +
    (regions.length === 0 ? '' : ` in ${firstFew(regions)}`)
  );
}

export default defineRule({
  id: ID,
  title: 'CloudFormation stack created',
  description:
    'A principal created a CloudFormation stack (CreateStack), a StackSet (CreateStackSet) or ' +
    'deployed StackSet instances to accounts and regions (CreateStackInstances). Medium by an IAM ' +
    'user’s long-term key or root; low by anyone else, since pipelines and people in the console ' +
    'deploy stacks all day; one step lower when an AWS service made the call, low when it was ' +
    'refused. AWS acting through a service-linked role (service-managed StackSets) is not matched. ' +
    'The alert names the IAM capabilities acknowledged and the StackSet targets.',
  whyItMatters:
    'A template can create anything the caller may create, roles and users with their policies ' +
    'included, and a StackSet can do it across every account of an organisation. Intruders with a ' +
    'stolen key use one call to stand up their infrastructure or their persistence, where one-by-one ' +
    'calls would stand out.',
  runbook:
    'Read the template (GetTemplate) and the resources the stack created (ListStackResources). If the ' +
    'deployment is not expected, delete the stack or the StackSet instances, check for IAM users, ' +
    'roles and keys it left behind (resources with a Retain policy survive deletion), and review the ' +
    'caller’s other calls.',
  reference: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html',
  mitre: ['TA0002:T1651', 'TA0003:T1136.003'],
  eventNames: [...ACTIONS.keys()],
  eventSources: ['cloudformation.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const [done, tried] = ACTIONS.get(e.eventName) ?? ['created stack', 'create stack'];
    return (
      `${actorLabel(e)} ${failed(e) ? `tried to ${tried}` : done} ${show(stack(e), 160)}` +
      `${capabilities(e)}${targets(e)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, e.eventName, stack(e)),
});
