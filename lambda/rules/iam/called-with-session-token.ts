// IAM writes and account-mapping reads an IAM user makes with a session token (an ASIA key from
// GetSessionToken) outside the console. Named calls, pre-filtered on the IAM-user identity type, so
// that the IAM calls of roles and services (scanners read IAM all day) stay unparsed.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, callerKind } from '../common/actors';
import { IAM_RECON_READS, IAM_WRITES } from '../common/iam-event-names';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'iam.called-with-session-token';
const IAM = 'iam.amazonaws.com';

/**
 * An IAM user's session key used outside the console: `callerKind` calls it a key holder (the
 * session was made from the user's long-term key), and the key is a session key (`ASIA...`), not
 * the long-term key itself. Console sessions carry `sessionCredentialFromConsole` and are people.
 */
const isUserSessionKey = (e: TrailEvent): boolean =>
  e.actor.type === 'IAMUser' && e.actor.accessKeyId.startsWith('ASIA') && callerKind(e) === 'key-holder';

/** IAM's reads: CloudTrail marks them; an unmarked record is judged by the verb of its name. */
const isRead = (e: TrailEvent): boolean =>
  e.readOnly === true || (e.readOnly === undefined && /^(Get|List|Generate|Simulate)/.test(e.eventName));

/**
 * Writes high, reads medium; a refused call one step lower than it would have been (medium for a
 * write, low for a read); one step lower again when the session was made with MFA (the common,
 * MFA-protected CLI workflow: `aws sts get-session-token --serial-number ...`).
 */
const severity = (e: TrailEvent): Severity =>
  lowerFor(byOutcome(e, isRead(e) ? 'medium' : 'high'), e.actor.mfaAuthenticated);

export default defineRule({
  id: ID,
  title: 'IAM called with an IAM user’s session token',
  description:
    'An IAM user called IAM with temporary session credentials (an ASIA access key from ' +
    'GetSessionToken) outside the console: a write that gives or keeps access (users, keys, ' +
    'passwords, MFA, policies, roles and trust, groups) or a read that maps the account (users, ' +
    'roles, policies, keys, the authorization details). Writes are high and reads medium; a ' +
    'refused call is one step lower (medium for a write, low for a read); a session made with MFA is ' +
    'one step lower again, so the usual MFA-protected command line is medium for a write and low for ' +
    'a read. IAM refuses session tokens minted without MFA, so the findings without MFA are mostly ' +
    'refused attempts. Console sessions, long-term keys, role sessions and calls an AWS service makes ' +
    'are not matched. When a rule that names the call (access key created, policy attached, ...) ' +
    'fires at the same severity or higher, its finding replaces this one. Credential helpers that ' +
    'always mint session tokens (aws-vault) make this routine for their users: suppress those users ' +
    'as data.',
  whyItMatters:
    'An intruder holding a leaked access key often trades it for a session token first: the calls then ' +
    'carry a new, short-lived key id that escapes watches keyed on the leaked one, and the token keeps ' +
    'working after the key is deactivated. IAM calls made that way are the intruder looking for, or ' +
    'creating, a way to stay.',
  runbook:
    'Ask the user whether they use session credentials from the command line (and with which tool). If ' +
    'not, deactivate the user’s access keys, deny the user’s older sessions with an aws:TokenIssueTime ' +
    'condition (deactivating the key does not end them), review every call made with the session key ' +
    'in the alert, and undo the IAM changes it made.',
  reference: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html',
  mitre: ['TA0005:T1550.001', 'TA0003:T1098', 'TA0007:T1087.004'],
  eventNames: [...IAM_WRITES, ...IAM_RECON_READS],
  eventSources: [IAM],
  prefilter: ['"IAMUser"'],
  broad: true,
  severity,
  matches: (e) => e.eventSource === IAM && isUserSessionKey(e),
  explain: (e) => {
    const mfa = e.actor.mfaAuthenticated ? 'made with MFA' : 'made without MFA';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to call' : 'called'} IAM ${show(e.eventName, 64)} with session ` +
      `credentials (access key ${show(e.actor.accessKeyId, 32)}, ${mfa}) outside the console ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup(ID, e.recipientAccountId, e.actor.accessKeyId || e.actor.arn, isRead(e) ? 'read' : 'write'),
});
