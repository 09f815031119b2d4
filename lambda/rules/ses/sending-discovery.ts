// Amazon SES sending capacity and identities looked up: what someone with a stolen key checks before
// using the account to send spam or phishing.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

/** Per event name (SES v1 and v2 share the event source): what the caller learnt. */
const LOOKUPS: ReadonlyMap<string, string> = new Map([
  ['GetSendQuota', 'the SES sending quota'],
  ['GetSendStatistics', 'the SES sending statistics'],
  ['GetAccountSendingEnabled', 'whether SES sending is enabled'],
  ['ListIdentities', 'the SES verified identities'],
  ['GetIdentityVerificationAttributes', 'the verification status of SES identities'],
  ['ListEmailIdentities', 'the SES email identities'],
  ['GetAccount', 'the SES account details (sandbox, quota, sending status)'],
]);

const severity = (e: TrailEvent): Severity => (failed(e) ? 'info' : 'low');

export default defineRule({
  id: 'ses.sending-discovery',
  title: 'SES sending capacity or identities looked up',
  description:
    'A principal asked Amazon SES how much it may send, whether sending is enabled, which identities ' +
    'are verified or whether the account is still in the sandbox (GetSendQuota, GetSendStatistics, ' +
    'GetAccountSendingEnabled, ListIdentities, GetIdentityVerificationAttributes, and the SES v2 ' +
    'ListEmailIdentities and GetAccount). Low, info when it failed: applications that send mail make ' +
    'some of these calls too. Calls by AWS services (Trusted Advisor checking the quota) are not matched.',
  whyItMatters:
    'Stolen access keys are sold and used for bulk email through SES: the first calls made with them ' +
    'check the quota, the sandbox status and the verified domains. A principal that never sends mail ' +
    'making these calls is a sign its key is in someone else’s hands.',
  runbook:
    'Check whether the principal belongs to an application that sends mail through SES. If it does ' +
    'not, treat its key as leaked: deactivate it, look for SendEmail, SendRawEmail, identity and ' +
    'sandbox-exit requests (PutAccountDetails) by the same principal, and review its other calls.',
  reference: 'https://docs.aws.amazon.com/ses/latest/dg/logging-using-cloudtrail.html',
  mitre: ['TA0007:T1526', 'TA0040:T1496'],
  eventNames: [...LOOKUPS.keys()],
  eventSources: ['ses.amazonaws.com'],
  severity,
  matches: (e) => !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to look up' : 'looked up'} ` +
    `${LOOKUPS.get(e.eventName) ?? 'SES sending details'} (${show(e.eventName, 48)}) ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('ses.sending-discovery', e.recipientAccountId, e.awsRegion, e.actor.arn || e.actor.principalId),
});
