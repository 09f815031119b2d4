// Account contact details read: the primary and alternate contacts, the root email address and the
// account's own description in AWS Organizations.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

/** Per event name: what was read. */
const READS: ReadonlyMap<string, string> = new Map([
  ['GetContactInformation', 'the primary contact information'],
  ['GetAlternateContact', 'an alternate contact'],
  ['GetPrimaryEmail', 'the root user email address'],
  ['GetAccountInformation', 'the account name and details'],
  ['DescribeAccount', 'the AWS Organizations description (name, email)'],
]);

/** Which contact, or which account, when the request says: ` (SECURITY)`, ` of account 123456789012`. */
function subject(e: TrailEvent): string {
  const contact = param(e, 'alternateContactType');
  if (contact) return ` (${show(contact, 32)})`;
  const account = param(e, 'accountId');
  return account ? ` of account ${show(account, 32)}` : '';
}

const severity = (e: TrailEvent): Severity => (failed(e) ? 'info' : 'low');

export default defineRule({
  id: 'account.contact-details-read',
  title: 'Account contact details read',
  description:
    'A principal read the account’s contact details: the primary contact or an alternate contact ' +
    '(billing, operations, security) through the Account Management API or the billing console, the ' +
    'root user email address, the account information, or an account’s description in AWS ' +
    'Organizations (DescribeAccount). Low: discovery is context for other findings, not an alert; ' +
    'info when the call failed. Calls by AWS services are not matched.',
  whyItMatters:
    'Contacts and the root email address are what an intruder needs to impersonate the owner to AWS ' +
    'Support, to phish the people AWS writes to, or to redirect security notices; reading them is a ' +
    'common early step with stolen credentials.',
  runbook:
    'No action on its own. If it comes with other findings for the same principal, or from a ' +
    'principal that never looks at account settings, treat it as reconnaissance: check the contacts ' +
    'were not changed afterwards (PutAlternateContact, PutContactInformation) and review the ' +
    'principal’s other calls.',
  reference:
    'https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-contact-alternate.html',
  mitre: ['TA0007:T1087.004', 'TA0043:T1589.002'],
  eventNames: [...READS.keys()],
  eventSources: ['account.amazonaws.com', 'billingconsole.amazonaws.com', 'organizations.amazonaws.com'],
  severity,
  matches: (e) => !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to read' : 'read'} ${READS.get(e.eventName) ?? 'contact details'}` +
    `${subject(e)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('account.contact-details-read', e.recipientAccountId, e.actor.arn || e.actor.principalId),
});
