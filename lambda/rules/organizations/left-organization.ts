// An account leaves its AWS Organization: SCPs and organization trails stop applying.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isServiceCaller } from '../common/actors';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'organizations.left-organization';

function severity(e: TrailEvent): Severity {
  return lowerFor('critical', failed(e), isServiceCaller(e));
}

/** The account that leaves: the one that recorded the call (the caller's own). */
const leavingAccount = homeAccount;

export default defineRule({
  id: ID,
  title: 'Account left the AWS Organization',
  description:
    'LeaveOrganization, called from a member account: critical; a failed attempt is still high, because ' +
    'trying to leave is itself a strong evasion signal. Calls made by AWS services are one level lower. ' +
    'RemoveAccountFromOrganization by the management account is covered by organizations.changed; closing ' +
    'accounts and moving them between OUs are not covered here.',
  whyItMatters:
    'Outside the organization the account is no longer bound by its service control policies, organization ' +
    'CloudTrail trail, delegated GuardDuty/Security Hub administrator or central Config: an attacker who ' +
    'takes it out gets an unguarded, unlogged account that still holds the data.',
  runbook:
    'Treat an unexpected LeaveOrganization as an account compromise. From the management account, check ' +
    "the account's status (DescribeAccount, ListAccounts); if it left, contact its owner, lock down its root " +
    'user and IAM principals, and invite it back. Make sure an SCP denies organizations:LeaveOrganization ' +
    "in every member account, and review the caller's actions before the call.",
  reference: 'https://docs.aws.amazon.com/organizations/latest/APIReference/API_LeaveOrganization.html',
  mitre: ['TA0005:T1666', 'TA0005:T1562.001'],
  eventNames: ['LeaveOrganization'],
  eventSources: ['organizations.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to take' : 'took'} account ${show(leavingAccount(e), 24)} out of ` +
    `its AWS Organization ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, leavingAccount(e)),
});
