// Root user activity (CIS / Security Hub CloudWatch.1), whatever the call: an every-event rule,
// pre-filtered on the text "Root" so that the engine still leaves most events unparsed.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

/**
 * Writes where root use means something: tasks only root can do (account name and contacts,
 * regions, MFA delete on a bucket, a bucket policy that locks everyone out) and identity changes an
 * intruder holding root makes to stay in. Named in the alert as such; every other root write is high too.
 */
const SENSITIVE_ROOT_WRITES = new Set([
  // Identities and credentials
  'DeleteUser',
  'CreateRole',
  'UpdateAssumeRolePolicy',
  'AddUserToGroup',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'UploadSigningCertificate',
  'UpdateAccountPasswordPolicy',
  'DeleteAccountPasswordPolicy',
  'CreateVirtualMFADevice',
  'EnableMFADevice',
  'DeactivateMFADevice',
  'DeleteVirtualMFADevice',
  // Account settings (Account Management API and account closure)
  'PutAlternateContact',
  'DeleteAlternateContact',
  'PutContactInformation',
  'PutAccountName',
  'StartPrimaryEmailUpdate',
  'AcceptPrimaryEmailUpdate',
  'EnableRegion',
  'DisableRegion',
  'CloseAccount',
  // Root-only S3 tasks
  'PutBucketVersioning',
  'DeleteBucketPolicy',
]);

/** CIS CloudWatch.1's filter: root, not invoked by an AWS service, not an AWS service event. */
const isRootCall = (e: TrailEvent): boolean =>
  e.actor.type === 'Root' && e.eventType !== 'AwsServiceEvent' && !viaAwsService(e);

/** CloudTrail's placeholder for fields it will not record. */
const REDACTED = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/** What the call touched, for the alert. */
function subject(e: TrailEvent): string {
  const keys = [
    'userName',
    'roleName',
    'bucketName',
    'regionName',
    'alternateContactType',
    'serialNumber',
    'accountId',
  ];
  return keys.map((key) => param(e, key)).find((value) => value !== '' && value !== REDACTED) ?? '';
}

/** The console creates these as a side effect of first using a service; the role trusts only that service. */
const ROUTINE_ROOT_WRITES = new Set(['CreateServiceLinkedRole']);

/** Sign-in events (PasswordUpdated, ExternalIdPDirectoryLogin...) report failure in their response, not errorCode. */
function refused(e: TrailEvent): boolean {
  return (
    failed(e) || (e.eventType === 'AwsConsoleSignIn' && str(e.responseElements[e.eventName]) === 'Failure')
  );
}

/**
 * Root holding credentials is the finding, so any write is high. Reads (a root console session
 * browsing), refused calls (an SCP, a missing MFA, a failed sign-in step) and service-linked roles
 * the console creates are medium: recorded, and the sign-in that started the session already paged.
 */
const severity = (e: TrailEvent): Severity =>
  refused(e) || e.readOnly === true || ROUTINE_ROOT_WRITES.has(e.eventName) ? 'medium' : 'high';

export default defineRule({
  id: 'account.root-activity',
  title: 'Root user activity',
  description:
    'The root user made a call, any call (the CIS CloudWatch.1 filter). High for every write, and ' +
    'the alert names the tasks where root use means most (IAM users, roles, login profiles, access ' +
    'keys, password policy and MFA devices; account name, contacts, primary e-mail, regions and ' +
    'closure; S3 MFA delete and DeleteBucketPolicy). Medium for reads, for refused calls (a failed ' +
    'sign-in step included) and for the service-linked roles the console creates. ' +
    'When a rule that names the call fires at the same severity or higher (root sign-in, root access ' +
    'keys, users created by root), the engine keeps that finding and drops this one. Calls an ' +
    'AWS service made (invokedBy other than the console, or eventType AwsServiceEvent) are not ' +
    'matched.',
  whyItMatters:
    'The root user cannot be limited by IAM policies and can close the account; AWS and CIS ask ' +
    'that it is locked away and used only for the few tasks that need it, so any use is either a ' +
    'rare planned task or stolen root credentials.',
  runbook:
    'Confirm with the account owner that someone used root for this task, now. If not: reset the ' +
    'root password, remove and re-register its MFA devices, delete any root access key, and review ' +
    'every call from the same source IP address in Event history. Then undo what root changed ' +
    '(users, contacts, MFA, regions) and check the account e-mail address is still yours.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html',
  mitre: ['TA0001:T1078.004', 'TA0003:T1098'],
  cis: ['CloudWatch.1'],
  eventNames: [],
  // CloudTrail writes userIdentity.type as "Root"; an event without that text cannot be root's.
  everyEvent: { identityIncludes: ['"Root"'] },
  severity,
  matches: isRootCall,
  explain: (e) => {
    const target = subject(e);
    const on = target ? ` on ${show(target, 80)}` : '';
    const task = SENSITIVE_ROOT_WRITES.has(e.eventName) ? ' (a sensitive root task)' : '';
    return (
      `Root user of account ${show(e.actor.accountId, 16)} ${refused(e) ? 'tried to call' : 'called'} ` +
      `${show(e.eventName, 64)}${on}${task} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('account.root-activity', e.actor.accountId, e.eventName),
});
