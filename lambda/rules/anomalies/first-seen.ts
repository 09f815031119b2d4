// A principal acting from a new network, in a new region, with a new kind of client, or calling a
// sensitive API for the first time, once it has a history to be judged against. The mechanics
// (profiles, learning, re-reads) are in core/first-seen.ts; this file holds what is watched, who
// is profiled, and how severe a novelty is.
import type { FirstSeenDefinition, FirstSeenDimension } from '../../core/first-seen';
import { principalKey } from '../../core/principal';
import type { Severity, TrailEvent } from '../../core/types';
import { isServiceCaller } from '../common/actors';

/**
 * Calls that hand out credentials, widen access, read secrets, run code on hosts or switch off
 * evidence. A principal's first successful call of one, after learning, is a novelty in itself.
 */
const SENSITIVE_APIS = [
  // IAM: credentials and permissions
  'CreateAccessKey',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'CreateUser',
  'AddUserToGroup',
  'AttachUserPolicy',
  'AttachRolePolicy',
  'AttachGroupPolicy',
  'PutUserPolicy',
  'PutRolePolicy',
  'PutGroupPolicy',
  'CreatePolicyVersion',
  'SetDefaultPolicyVersion',
  'UpdateAssumeRolePolicy',
  'DeactivateMFADevice',
  'DeleteVirtualMFADevice',
  'CreateSAMLProvider',
  'CreateOpenIDConnectProvider',
  // STS and sign-in: new sessions from long-term keys
  'GetFederationToken',
  'GetSessionToken',
  'GetSigninToken',
  // Secrets
  'GetSecretValue',
  'BatchGetSecretValue',
  'GetPasswordData',
  // Running code on hosts
  'SendCommand',
  'StartSession',
  'SendSSHPublicKey',
  'SendSerialConsoleSSHPublicKey',
  'ModifyInstanceAttribute',
  // Sharing data out
  'ModifySnapshotAttribute',
  'ModifyImageAttribute',
  'ModifyDBSnapshotAttribute',
  'PutBucketPolicy',
  'PutBucketAcl',
  'DeletePublicAccessBlock',
  'DeleteBucketPublicAccessBlock',
  // Evidence and defences
  'StopLogging',
  'DeleteTrail',
  'UpdateTrail',
  'PutEventSelectors',
  'DeleteDetector',
  'DeleteFlowLogs',
  'DisableKey',
  'ScheduleKeyDeletion',
  'PutKeyPolicy',
  'LeaveOrganization',
] as const;

/** One step up per extra new dimension: a new network with a new client is how stolen keys look. */
function severity(dimensions: readonly FirstSeenDimension[]): Severity {
  if (dimensions.length >= 2) return 'high';
  return dimensions[0] === 'agent' ? 'low' : 'medium';
}

/**
 * The profile an event belongs to: a role counts once whatever its session names (they differ
 * per run of a job), except Identity Center roles, which many people share: there the session
 * name, the person, is part of the key (`principalKey`). AWS services and service-linked roles
 * are not profiled.
 */
function principalOf(e: TrailEvent): string {
  return isServiceCaller(e) ? '' : principalKey(e);
}

export const firstSeen: FirstSeenDefinition = Object.freeze({
  id: 'anomaly.first-seen',
  title: 'Principal seen doing something new',
  description:
    'After a learning period (7 days from the first time trailwatch saw the principal), a ' +
    'successful write call or sensitive API call made from a network (/24, /48) the principal ' +
    'never used, in a region it never called, with a user-agent family it never used, or a ' +
    'sensitive API it never called. Medium for one new network, region or API, low for a new ' +
    'client alone, high when one event is new in two or more ways.',
  whyItMatters:
    'Stolen credentials are used from the attacker\u2019s network, with the attacker\u2019s tools, often in ' +
    'regions nobody watches; each of those is new for the principal even when every single call ' +
    'looks ordinary.',
  runbook:
    'Ask the principal\u2019s owner whether the change is theirs (travel, a new laptop, a new pipeline, ' +
    'a new region). If not, deactivate its access keys or revoke its role sessions, and review ' +
    'everything it did from the new network or client.',
  reference:
    'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html',
  mitre: ['TA0001:T1078.004', 'TA0005:T1535'],
  eventNames: SENSITIVE_APIS,
  sensitiveApis: SENSITIVE_APIS,
  principalOf,
  severity,
});
