// CreateVirtualMFADevice / EnableMFADevice: a second factor enrolled, by a user for itself or for
// somebody else.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { param, path } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const targetUser = (e: TrailEvent): string => param(e, 'userName');

/** The device: EnableMFADevice names its serial number; CreateVirtualMFADevice its name (and the response its ARN). */
const device = (e: TrailEvent): string =>
  param(e, 'serialNumber') ||
  path(e.responseElements, 'virtualMFADevice', 'serialNumber') ||
  param(e, 'virtualMFADeviceName');

/**
 * The call came from a console session: AWS marks those with the record's top-level
 * `sessionCredentialFromConsole` (older records with `invokedBy`).
 */
function fromConsole(e: TrailEvent): boolean {
  if (str(e.raw.sessionCredentialFromConsole) === 'true') return true;
  return e.actor.invokedBy === 'signin.amazonaws.com' || e.actor.invokedBy === 'console.amazonaws.com';
}

/**
 * Temporary credentials used outside the console (`ASIA...` keys from GetSessionToken or a role
 * session run by code): a person enrolling their own phone does it in the console; a script that
 * enrols a device is what an intruder with stolen credentials does to keep the account.
 */
const isSessionOutsideConsole = (e: TrailEvent): boolean =>
  e.actor.accessKeyId.startsWith('ASIA') && !fromConsole(e);

/**
 * EnableMFADevice for a user other than the caller. CreateVirtualMFADevice names no user (the device
 * is bound later by EnableMFADevice), so it is never "for another user".
 */
function isForAnotherUser(e: TrailEvent): boolean {
  if (e.eventName !== 'EnableMFADevice') return false;
  const target = targetUser(e);
  return target !== '' && !(e.actor.type === 'IAMUser' && target === e.actor.userName);
}

/**
 * High for a device enabled on another user's account, or enrolled with temporary credentials outside
 * the console; medium otherwise (routine enrolment). Failed: medium for what would be high, low
 * otherwise; one step lower when an AWS service made the call for the principal.
 */
const severity = (e: TrailEvent): Severity =>
  lowerFor(
    byOutcome(e, isForAnotherUser(e) || isSessionOutsideConsole(e) ? 'high' : 'medium'),
    viaAwsService(e),
  );

function how(e: TrailEvent): string {
  return isSessionOutsideConsole(e)
    ? ` with temporary credentials outside the console (key ${show(e.actor.accessKeyId, 32)})`
    : '';
}

export default defineRule({
  id: 'iam.mfa-device-registered',
  title: 'MFA device registered',
  description:
    'A principal created a virtual MFA device (CreateVirtualMFADevice) or enabled an MFA device for ' +
    'a user (EnableMFADevice). High when the device is enabled for another user, or when the call uses ' +
    'temporary credentials outside the console (an ASIA access key without a console session: ' +
    'GetSessionToken or a role session run by code); medium otherwise, the routine enrolment of ' +
    'one’s own device in the console. Failed calls are medium when the success would be high, low ' +
    'otherwise; a call an AWS service made for the principal is one step lower, and calls by AWS ' +
    'itself are not matched.',
  whyItMatters:
    'An intruder who holds a user’s password or keys enrols a device of their own: MFA-protected ' +
    'roles and policies then trust them, the console lets them in, and the real owner may be unable ' +
    'to add theirs. Enabling a device on someone else’s account is a takeover of that account.',
  runbook:
    'Ask the owner of the user whether they enrolled the device. If not, deactivate and delete it ' +
    '(DeactivateMFADevice, DeleteVirtualMFADevice), reset the user’s password and access keys, and ' +
    'review what the caller did with MFA-conditioned access since.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableMFADevice.html',
  mitre: ['TA0003:T1098.005', 'TA0004:T1098.005'],
  eventNames: ['CreateVirtualMFADevice', 'EnableMFADevice'],
  eventSources: ['iam.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const name = show(device(e), 120, 'unnamed');
    if (e.eventName === 'CreateVirtualMFADevice') {
      return (
        `${actorLabel(e)} ${failed(e) ? 'tried to create' : 'created'} virtual MFA device ${name}${how(e)} ` +
        `${origin(e)}${outcome(e)}.`
      );
    }
    const whose = isForAnotherUser(e)
      ? `IAM user ${show(targetUser(e), 64)}`
      : e.actor.type === 'Root'
        ? 'the root user'
        : 'their own user';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to enable' : 'enabled'} MFA device ${name} for ${whose}${how(e)} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup(
      'iam.mfa-device-registered',
      e.recipientAccountId,
      targetUser(e) || e.actor.arn || e.actor.principalId,
    ),
});
