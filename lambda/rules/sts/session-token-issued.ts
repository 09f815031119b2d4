// GetSessionToken: short-term credentials minted from an IAM user's (or root's) long-term access key.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { param, path } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** The caller proved an MFA device: the request names its serial number. */
const withMfa = (e: TrailEvent): boolean => param(e, 'serialNumber').trim() !== '';

/** GetSessionToken only accepts long-term credentials: those of an IAM user or of root. */
const byLongTermKey = (e: TrailEvent): boolean => e.actor.type === 'IAMUser' || e.actor.type === 'Root';

/** The access key id of the new session, from the response; '' when the call failed. */
const newKey = (e: TrailEvent): string => path(e.responseElements, 'credentials', 'accessKeyId');

const severity = (e: TrailEvent): Severity => byOutcome(e, withMfa(e) ? 'low' : 'medium');

export default defineRule({
  id: 'sts.session-token-issued',
  title: 'Session token minted from a long-term key',
  description:
    'An IAM user or the root user called GetSessionToken. Low when the request proves an MFA device ' +
    '(the usual way to get MFA-backed credentials for the CLI); medium without MFA; failed calls are ' +
    'low. Calls by AWS itself are not matched. The finding names the new session’s access key id. ' +
    'Some credential helpers ask for a session token on every use: suppress their users as data.',
  whyItMatters:
    'Session credentials (ASIA… keys) are how an intruder turns a stolen user key into credentials that ' +
    'look like any role session and escape rules keyed on the user’s key; without MFA there is no ' +
    'reason to ask for them at all.',
  runbook:
    'Ask the user whether they requested session credentials. If not, deactivate the user’s access key, ' +
    'deny the user’s older sessions with an aws:TokenIssueTime condition (deactivating the key does not ' +
    'end them), and review the calls made with the new access key id.',
  reference: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html',
  mitre: ['TA0005:T1550.001', 'TA0003:T1098.001'],
  eventNames: ['GetSessionToken'],
  eventSources: ['sts.amazonaws.com'],
  severity,
  matches: (e) => byLongTermKey(e) && !isAwsItself(e),
  explain: (e) => {
    const who = e.actor.type === 'Root' ? 'The root user' : actorLabel(e);
    const mfa = withMfa(e) ? ' with MFA' : ' without MFA';
    const key = newKey(e) ? ` (new access key ${show(newKey(e), 32)})` : '';
    return (
      `${who} ${failed(e) ? 'tried to get' : 'got'} session credentials${mfa} from access key ` +
      `${show(e.actor.accessKeyId, 32)}${key} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup('sts.session-token-issued', e.recipientAccountId, e.actor.accessKeyId || e.actor.arn),
});
