// Root user activity (CIS / Security Hub CloudWatch.1), for an explicit list of calls: the engine
// indexes rules by event name, so a rule cannot ask to see every event the root user makes.
import { defineRule } from '../core/rule';
import type { Severity, TrailEvent } from '../core/types';
import { dedup, failed, origin, outcome, param, show } from './helpers';
import { viaAwsService } from './helpers-network';

/**
 * Security-relevant writes the root user can make, chosen where root use means something:
 * tasks that only root can do (account name and contacts, regions, MFA delete on a bucket, a
 * bucket policy that locks everyone out), and identity changes that an intruder holding root
 * makes to stay in. ConsoleLogin (signin.console-login), CreateAccessKey (iam.access-key-created)
 * and CreateUser (iam.user-created) already rate root as high/critical and are left to those rules.
 */
const ROOT_EVENTS = [
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
];

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

/** Root holding credentials is the finding; a refused call (an SCP, a missing MFA) is still root. */
const severity = (e: TrailEvent): Severity => (failed(e) ? 'medium' : 'high');

export default defineRule({
  id: 'account.root-activity',
  title: 'Root user activity',
  description:
    'The root user made one of a fixed list of security-relevant calls: IAM user deletion, roles, ' +
    'groups, login profiles, access keys (update/delete), signing certificates, password policy and MFA ' +
    'devices; account name, contacts, primary e-mail, regions and closure; S3 MFA delete ' +
    '(PutBucketVersioning) and DeleteBucketPolicy. High; medium when the call failed. Not ' +
    'covered: every other root call (the engine only runs rules on the event names they list), ' +
    'ConsoleLogin (signin.console-login), CreateAccessKey (iam.access-key-created) and CreateUser ' +
    '(iam.user-created), whose rules already rate root high or critical. Calls an ' +
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
  eventNames: ROOT_EVENTS,
  eventSources: [
    'iam.amazonaws.com',
    'account.amazonaws.com',
    'organizations.amazonaws.com',
    's3.amazonaws.com',
  ],
  severity,
  matches: isRootCall,
  explain: (e) => {
    const target = subject(e);
    const on = target ? ` on ${show(target, 80)}` : '';
    return (
      `Root user of account ${show(e.actor.accountId, 16)} ${failed(e) ? 'tried to call' : 'called'} ` +
      `${show(e.eventName, 64)}${on} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('account.root-activity', e.actor.accountId, e.eventName),
});
