// CloseAccount: an AWS account closed, a member account by the management account (AWS Organizations)
// or an account by itself (the Account Management API).
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, callerKind, homeAccount, isAwsItself } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'account.closed';

/** The account closed: the request's `accountId` (a member account), else the account itself. */
const closedAccount = (e: TrailEvent): string => req(e, 'accountId') || homeAccount(e);

const byOrganization = (e: TrailEvent): boolean => e.eventSource === 'organizations.amazonaws.com';

/**
 * Critical when a person, a key holder or root closes an account: every workload in it stops at
 * once and only AWS Support can reopen it, within 90 days. High when a workload (an account
 * decommissioning pipeline, Account Factory clean-up) or an AWS service for a principal does it:
 * organisations that retire accounts automate exactly this. A refused call is medium.
 */
function severity(e: TrailEvent): Severity {
  const kind = callerKind(e);
  return byOutcome(e, kind === 'workload' || kind === 'aws' ? 'high' : 'critical');
}

export default defineRule({
  id: ID,
  title: 'AWS account closed',
  description:
    'A principal closed an AWS account: a member account from the management account ' +
    '(organizations CloseAccount) or the account itself (account CloseAccount, the self-service ' +
    'closure from the account’s own settings). Critical when a person, an IAM user’s access key or ' +
    'root made the call: the ' +
    'account’s workloads stop at once and it can only be reopened through AWS Support within 90 days, ' +
    'after which everything in it is deleted. High when a workload role or an AWS service for a ' +
    'principal closed it (account-retirement pipelines do; suppress a known one as data). A refused ' +
    'attempt is medium. The asynchronous CloseAccountResult that AWS records afterwards is not matched; ' +
    'leaving the organisation is organizations.left-organization.',
  whyItMatters:
    'Closing an account destroys it: its services stop, its data becomes unreachable and is deleted ' +
    'after the 90-day grace period. An intruder with management-account or root access can close ' +
    'accounts to destroy evidence, sabotage production or hold the organisation to ransom.',
  runbook:
    'Confirm with the owners of the management account and of the closed account, now. If the closure ' +
    'was not planned, contact AWS Support to reinstate the account (possible while it is SUSPENDED, up ' +
    'to 90 days), revoke the caller’s credentials and sessions, restrict organizations:CloseAccount ' +
    '(and account:CloseAccount) with a service control policy, and review what else the caller did.',
  reference: 'https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html',
  mitre: ['TA0040:T1531', 'TA0040:T1485'],
  eventNames: ['CloseAccount'],
  eventSources: ['organizations.amazonaws.com', 'account.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const which = byOrganization(e) ? 'member account' : 'account';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to close' : 'closed'} ${which} ` +
      `${show(closedAccount(e), 24)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, closedAccount(e)),
});
