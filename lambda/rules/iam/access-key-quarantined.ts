// AWSCompromisedKeyQuarantine: the policy AWS attaches to an IAM user whose access key it found
// published (a public repository, a paste site).
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** The AWS managed policy (`arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3`) or its inline copy. */
const QUARANTINE = /^AWSCompromisedKeyQuarantine(?:V\d+)?$/;

/** The policy name: the last part of the managed policy ARN, or the inline policy's name. */
function policyName(e: TrailEvent): string {
  if (e.eventName === 'PutUserPolicy') return param(e, 'policyName').trim();
  const arn = param(e, 'policyArn').trim();
  return arn.startsWith('arn:') && arn.includes(':iam::aws:policy/') ? (arn.split('/').pop() ?? '') : '';
}

const targetUser = (e: TrailEvent): string => param(e, 'userName');

const severity = (e: TrailEvent): Severity => byOutcome(e, 'high');

export default defineRule({
  id: 'iam.access-key-quarantined',
  title: 'AWS quarantined an IAM user for a leaked access key',
  description:
    'The AWSCompromisedKeyQuarantine policy (any version) was attached to an IAM user, as the AWS ' +
    'managed policy (AttachUserPolicy) or as an inline policy of that name (PutUserPolicy). AWS does ' +
    'this when it finds one of the user’s access keys published. High; medium when the call failed. ' +
    'It replaces the general policy findings on the same event.',
  whyItMatters:
    'AWS only quarantines a key it has seen exposed where anyone can copy it: assume it is already in ' +
    'use by others. The quarantine policy denies a set of costly and persistence actions, not ' +
    'everything: the key can still read data and act elsewhere.',
  runbook:
    'Deactivate and delete the user’s exposed access key now (the AWS Health or Support notice names ' +
    'it), remove the key from where it was published, review every call made with it (CloudTrail, by ' +
    'access key id) for new users, keys, roles, instances and data reads, and only then detach the ' +
    'quarantine policy.',
  reference:
    'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCompromisedKeyQuarantineV3.html',
  mitre: ['TA0006:T1552.001', 'TA0001:T1078.004'],
  eventNames: ['AttachUserPolicy', 'PutUserPolicy'],
  eventSources: ['iam.amazonaws.com'],
  supersedes: ['iam.user-policy-attached', 'iam.policy-changed'],
  severity,
  matches: (e) => QUARANTINE.test(policyName(e)),
  explain: (e) => {
    const policy = show(policyName(e), 48);
    const user = show(targetUser(e), 64);
    const recorded = `(recorded as a call by ${actorLabel(e)}) ${origin(e)}`;
    return failed(e)
      ? `An attempt to attach ${policy} to IAM user ${user} failed ${recorded}${outcome(e)}.`
      : `${policy} was attached to IAM user ${user} ${recorded}: AWS attaches it when it finds one of the user's access keys exposed.`;
  },
  dedupKey: (e) => dedup('iam.access-key-quarantined', e.recipientAccountId, targetUser(e)),
});
