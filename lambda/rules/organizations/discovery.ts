// Reads that map the organisation and the account: its accounts, roots, OUs, policies, delegated
// administrators and trusted services, the account's alias and IAM summary.
import { principalKey } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, callerKind, isConsoleSession, isServiceCaller } from '../common/actors';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'organizations.discovery';
const ORGANIZATIONS = 'organizations.amazonaws.com';
const IAM = 'iam.amazonaws.com';

/**
 * Per event name: the event source it must come from (IAM has a ListPolicies too, which is not
 * this), and what it reads, for the alert.
 */
const READS: ReadonlyMap<string, readonly [string, string]> = new Map([
  ['DescribeOrganization', [ORGANIZATIONS, 'the organization’s description']],
  ['ListAccounts', [ORGANIZATIONS, 'the organization’s accounts']],
  ['ListRoots', [ORGANIZATIONS, 'the organization’s roots']],
  ['ListOrganizationalUnitsForParent', [ORGANIZATIONS, 'the organizational units']],
  ['ListAccountsForParent', [ORGANIZATIONS, 'the accounts of an organizational unit']],
  ['ListPolicies', [ORGANIZATIONS, 'the organization’s policies']],
  ['ListAWSServiceAccessForOrganization', [ORGANIZATIONS, 'the services trusted by the organization']],
  ['ListDelegatedAdministrators', [ORGANIZATIONS, 'the delegated administrators']],
  ['ListDelegatedServicesForAccount', [ORGANIZATIONS, 'the services delegated to an account']],
  ['ListAccountAliases', [IAM, 'the account alias']],
  ['GetAccountSummary', [IAM, 'the account’s IAM summary']],
]);

const readOf = (e: TrailEvent): readonly [string, string] | undefined => READS.get(e.eventName);

/**
 * Code, not a person in the console: an IAM user's access key (or a session made from it) or a
 * role session that is not a console session. The console calls several of these on every page
 * (the IAM dashboard, the Organizations page); AWS services call them for their own inventories.
 */
function isCodeCaller(e: TrailEvent): boolean {
  if (isServiceCaller(e) || isConsoleSession(e)) return false;
  const kind = callerKind(e);
  return kind === 'key-holder' || kind === 'workload';
}

/** Low, refused calls included: reconnaissance is context for other findings, not a page. */
const severity = (e: TrailEvent): Severity => byOutcome(e, 'low');

export default defineRule({
  id: ID,
  title: 'Organization or account discovery',
  description:
    'Code read how the organisation and the account are laid out: DescribeOrganization, ListAccounts, ' +
    'ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent, ListPolicies, ' +
    'ListAWSServiceAccessForOrganization, ListDelegatedAdministrators, ListDelegatedServicesForAccount ' +
    '(AWS Organizations), ListAccountAliases and GetAccountSummary (IAM). Low, refused calls included, ' +
    'and only for an IAM user’s access key (or a session made from it) or a workload role session: ' +
    'console sessions (the console reads these on its own pages), root (account.root-activity) and ' +
    'AWS services are not matched. Inventory and posture tools do this all day: suppress their roles ' +
    'as data.',
  whyItMatters:
    'Which accounts exist, which is the management account, which services and administrators are ' +
    'delegated where: this is what an intruder with fresh credentials asks first, to choose where to ' +
    'move next. On its own it is context; beside other findings for the same principal it marks the ' +
    'start of an intrusion.',
  runbook:
    'No action on its own. If the principal does not run inventory or governance tooling, or the ' +
    'calls come with other findings, treat them as reconnaissance: check where the credentials are ' +
    'used from (source address, user agent) and review the principal’s other calls around the same time.',
  reference: 'https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html',
  mitre: ['TA0007:T1087.004', 'TA0007:T1526', 'TA0007:T1069.003'],
  eventNames: [...READS.keys()],
  eventSources: [ORGANIZATIONS, IAM],
  severity,
  matches: (e) => readOf(e)?.[0] === e.eventSource && isCodeCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to read' : 'read'} ${readOf(e)?.[1] ?? 'organization details'} ` +
    `(${show(e.eventName, 64)}) ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, principalKey(e)),
});
