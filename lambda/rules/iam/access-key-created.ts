// CreateAccessKey: long-lived credentials, the classic way to keep access after a breach.
import { obj, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, computeCredentialNote, isServiceCaller } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

/** The user the key is for: `requestParameters.userName`, or the caller itself when absent. */
const targetUser = (e: TrailEvent): string => param(e, 'userName');

/** Root with no userName creates a key for the root user itself. */
const isRootKey = (e: TrailEvent): boolean => e.actor.type === 'Root' && targetUser(e) === '';

/**
 * An IAM user creating a key for itself: rotation, or a stolen credential made to last (ATT&CK
 * T1098.001). Named in the alert; rated like any other key unless a service made the call.
 */
const isOwnKey = (e: TrailEvent): boolean =>
  e.actor.type === 'IAMUser' && (targetUser(e) === '' || targetUser(e) === e.actor.userName);

/**
 * Every key is high, the caller's own included; a root key critical. The one exception is an IAM
 * user's own key created through an AWS service (invokedBy, a CloudFormation stack): medium.
 */
function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'medium';
  if (isRootKey(e)) return 'critical';
  return isOwnKey(e) && isServiceCaller(e) ? 'medium' : 'high';
}

export default defineRule({
  id: 'iam.access-key-created',
  title: 'IAM access key created',
  description:
    'A principal created an access key. High for a key for another IAM user (a backdoor credential) ' +
    'and for a key an IAM user creates for itself (rotation, or stolen credentials made to last); ' +
    'critical for a root user access key (which should never exist); medium when the call failed, ' +
    'or when an AWS service made it for the IAM user itself (invokedBy, such as a CloudFormation stack). ' +
    'A key created with a server’s own role (EC2 instance credentials, a Lambda execution role) is ' +
    'high like the others, and the alert says so: it is how a stolen instance credential persists.',
  whyItMatters:
    'An access key outlives the session that created it: an attacker who mints a key for another ' +
    'user, or a second key for the user whose password or session they stole, keeps access after ' +
    'the stolen credentials are revoked.',
  runbook:
    'Ask the owner of the target user whether they expected the key (after a rotation, the old key ' +
    'should be deactivated soon). If not, deactivate and delete it (UpdateAccessKey, ' +
    "DeleteAccessKey), rotate the caller credentials, and review the new key's use with Event " +
    'history filtered by its access key id.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccessKey.html',
  mitre: ['TA0003:T1098.001'],
  eventNames: ['CreateAccessKey'],
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => {
    const keyId = show(str(obj(e.responseElements.accessKey).accessKeyId), 32, 'not issued');
    const whose = isRootKey(e)
      ? 'the root user'
      : isOwnKey(e)
        ? 'their own user'
        : `IAM user ${show(targetUser(e), 64)}`;
    return `${actorLabel(e)} created access key ${keyId} for ${whose}${computeCredentialNote(e)} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) =>
    dedup('iam.access-key-created', e.recipientAccountId, targetUser(e) || e.actor.arn || e.actor.userName),
});
