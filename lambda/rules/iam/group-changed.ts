// CreateGroup / DeleteGroup: IAM groups made or removed, recorded as context.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'iam.group-changed';

const group = (e: TrailEvent): string => param(e, 'groupName');

const isDeletion = (e: TrailEvent): boolean => e.eventName === 'DeleteGroup';

/** Low, failed attempts included; info when an AWS service made the call for the principal. */
const severity = (e: TrailEvent): Severity => lowerFor(byOutcome(e, 'low'), viaAwsService(e));

export default defineRule({
  id: ID,
  title: 'IAM group created or deleted',
  description:
    'A principal created or deleted an IAM group (CreateGroup, DeleteGroup). Low, refused attempts ' +
    'included: a group on its own grants nothing, so this is the record that gives other findings ' +
    'their context (who made the group that a user was then added to, or which group disappeared); ' +
    'info when an AWS service made the call for the principal. Calls by AWS itself are not matched. ' +
    'What the group grants and who joins it are iam.policy-changed and iam.user-added-to-admin-group.',
  whyItMatters:
    'An intruder who wants a quiet way to keep power makes a group, gives it a policy and adds a ' +
    'foothold user to it; deleting a group (after removing its members and policies) takes away the ' +
    'access of everyone in it, and the record of how it was set up.',
  runbook:
    'No action for a group made or removed by a known deployment. Otherwise, ask the caller why; for a ' +
    'new group, read its policies and members (ListAttachedGroupPolicies, ListGroupPolicies, GetGroup); ' +
    'for a deleted one, find its former members and policies in Event history and whether they still ' +
    'need the access.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateGroup.html',
  mitre: ['TA0003:T1098', 'TA0040:T1531'],
  eventNames: ['CreateGroup', 'DeleteGroup'],
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const verb = isDeletion(e)
      ? failed(e)
        ? 'tried to delete'
        : 'deleted'
      : failed(e)
        ? 'tried to create'
        : 'created';
    return `${actorLabel(e)} ${verb} IAM group ${show(group(e), 128)} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.eventName, group(e)),
});
