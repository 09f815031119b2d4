// DeactivateMFADevice / DeleteVirtualMFADevice: a second factor taken off a user, or off the root user.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const targetUser = (e: TrailEvent): string => param(e, 'userName');

/** The device: a virtual device's ARN (`arn:aws:iam::<acct>:mfa/<name>`), or a hardware serial number. */
const serial = (e: TrailEvent): string => param(e, 'serialNumber');

/** The device's name: the ARN's last path segment, or the serial number itself. */
function deviceName(e: TrailEvent): string {
  const s = serial(e);
  return s.startsWith('arn:') ? (s.split('/').pop() ?? '') : s;
}

/**
 * The root user's device: root acting without naming a user (the API then means the caller), or
 * the name the console gives the root user's virtual device. AssumeRoot sessions with the
 * IAMDeleteRootUserCredentials task policy call as root too, and count here.
 */
function isRootDevice(e: TrailEvent): boolean {
  if (e.actor.type === 'Root' && targetUser(e) === '') return true;
  return serial(e).endsWith(':mfa/root-account-mfa-device');
}

/** The caller's own device: no user named (the API then means the caller), or an IAM user naming itself. */
function isOwnDevice(e: TrailEvent): boolean {
  const target = targetUser(e);
  return target === '' || (e.actor.type === 'IAMUser' && target === e.actor.userName);
}

/**
 * Deactivation: critical for the root user's device, high for another user's, medium for the
 * caller's own (a replaced phone, or a stolen session making the account easier to keep).
 * Deletion of a virtual device: the device must be deactivated first (which this rule reports, by
 * whom and whose), so it is medium, high for the root user's. Failed calls: medium for what would
 * be high or critical, low otherwise; a call an AWS service made for the principal is one step lower.
 */
function severity(e: TrailEvent): Severity {
  let base: Severity;
  if (e.eventName === 'DeleteVirtualMFADevice') base = isRootDevice(e) ? 'high' : 'medium';
  else if (isRootDevice(e)) base = 'critical';
  else base = isOwnDevice(e) ? 'medium' : 'high';
  return lowerFor(byOutcome(e, base), viaAwsService(e));
}

function whose(e: TrailEvent): string {
  if (isRootDevice(e)) return 'the root user';
  return isOwnDevice(e) ? 'their own user' : `IAM user ${show(targetUser(e), 64)}`;
}

export default defineRule({
  id: 'iam.mfa-deactivated',
  title: 'MFA device deactivated or deleted',
  description:
    'A principal deactivated a user’s MFA device (DeactivateMFADevice) or deleted a virtual MFA ' +
    'device (DeleteVirtualMFADevice). Deactivation is critical for the root user’s device, high for ' +
    'another user’s, medium for the caller’s own. Deleting a virtual device is medium (it must be ' +
    'deactivated first, which is reported on its own), high for the root user’s device. Failed calls ' +
    'are medium when the success would page, low otherwise; a call an AWS service made for the ' +
    'principal (invokedBy) is one step lower, and calls by AWS itself are not matched.',
  whyItMatters:
    'Removing the second factor is how a stolen password or session becomes a durable takeover: the ' +
    'attacker can then sign in as that user (or as root) without the owner’s device, and can enrol a ' +
    'device of their own. It also defeats policies that require MFA.',
  runbook:
    'Ask the owner of the user (for root, the account owner) whether they removed the device. If not, ' +
    'reset the user’s password, enrol a new MFA device under the owner’s control, remove any device ' +
    'the attacker enrolled (ListMFADevices), review the user’s sign-ins and calls since, and rotate ' +
    'the caller credentials.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeactivateMFADevice.html',
  mitre: ['TA0005:T1556.006', 'TA0003:T1556.006'],
  eventNames: ['DeactivateMFADevice', 'DeleteVirtualMFADevice'],
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const device = show(serial(e), 120, 'unnamed');
    if (e.eventName === 'DeleteVirtualMFADevice') {
      const of = isRootDevice(e) ? ' of the root user' : '';
      return (
        `${actorLabel(e)} ${failed(e) ? 'tried to delete' : 'deleted'} virtual MFA device ${device}${of} ` +
        `${origin(e)}${outcome(e)}.`
      );
    }
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to deactivate' : 'deactivated'} MFA device ${device} of ` +
      `${whose(e)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup(
      'iam.mfa-deactivated',
      e.recipientAccountId,
      isRootDevice(e) ? 'root' : targetUser(e) || deviceName(e) || e.actor.arn,
    ),
});
