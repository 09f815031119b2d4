// Security Hub switched off, its standards or controls disabled, or the account detached from its administrator.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { child, collectStrings, req, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'securityhub.disabled';

const DETACH = new Set([
  'DisassociateFromAdministratorAccount',
  'DisassociateFromMasterAccount',
  'DisassociateMembers',
  'DeleteMembers',
  'DisableOrganizationAdminAccount',
]);

/** The request disables at least one control (UpdateStandardsControl or the batch association call). */
function disablesControl(e: TrailEvent): boolean {
  if (e.eventName === 'UpdateStandardsControl') return req(e, 'ControlStatus').toUpperCase() === 'DISABLED';
  const updates = child(e.requestParameters, 'StandardsControlAssociationUpdates');
  return collectStrings(updates, (s) => s.toUpperCase() === 'DISABLED', 1).length > 0;
}

function baseSeverity(e: TrailEvent): Severity | undefined {
  switch (e.eventName) {
    case 'DisableSecurityHub':
      return 'critical';
    case 'BatchDisableStandards':
      return 'high';
    case 'DisableImportFindingsForProduct':
    case 'DeleteFindingAggregator':
      return 'medium';
    case 'UpdateStandardsControl':
    case 'BatchUpdateStandardsControlAssociations':
      return disablesControl(e) ? 'medium' : undefined;
    default:
      return DETACH.has(e.eventName) ? 'high' : undefined;
  }
}

function severity(e: TrailEvent): Severity {
  return lowerFor(baseSeverity(e) ?? 'low', failed(e), isServiceCaller(e));
}

function subject(e: TrailEvent): string {
  const standards = stringsOf(child(e.requestParameters, 'StandardsSubscriptionArns')).slice(0, 3);
  if (standards.length > 0) return `standards ${standards.join(', ')}`;
  const accounts = stringsOf(child(e.requestParameters, 'AccountIds')).slice(0, 5);
  if (accounts.length > 0) return `member accounts ${accounts.join(', ')}`;
  return (
    req(e, 'StandardsControlArn', 'ProductSubscriptionArn', 'FindingAggregatorArn', 'AdminAccountId') ||
    (e.eventName === 'BatchUpdateStandardsControlAssociations' ? 'control associations' : '')
  );
}

export default defineRule({
  id: ID,
  title: 'Security Hub disabled or narrowed',
  description:
    'DisableSecurityHub (critical); BatchDisableStandards and cutting the administrator/member link ' +
    '(DisassociateFromAdministratorAccount, DisassociateFromMasterAccount, DisassociateMembers, DeleteMembers, ' +
    'DisableOrganizationAdminAccount: high); DisableImportFindingsForProduct, DeleteFindingAggregator, and ' +
    'UpdateStandardsControl or BatchUpdateStandardsControlAssociations that disable a control (medium). ' +
    'Control updates that enable controls are ignored. Failed calls and calls made by AWS services ' +
    '(invokedBy, service-linked roles) are one level lower. Findings suppression is a separate rule ' +
    '(securityhub.findings-suppressed).',
  whyItMatters:
    'Security Hub aggregates GuardDuty, Inspector, Config and its own control checks; disabling it, a ' +
    'standard or a product integration removes the findings the security team relies on, often right before ' +
    'the changes those checks would flag.',
  runbook:
    'Confirm the change with the security team. If unexpected, re-enable Security Hub (EnableSecurityHub), ' +
    'the standards (BatchEnableStandards), the controls and product integrations; re-associate the account ' +
    'with the administrator; restrict the caller (SCP denying securityhub:Disable*, ' +
    'securityhub:BatchDisableStandards, securityhub:Disassociate*) and review its other actions in Event history.',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-disable.html',
  mitre: ['TA0005:T1562.001'],
  eventNames: [
    'DisableSecurityHub',
    'BatchDisableStandards',
    'DisableImportFindingsForProduct',
    'DeleteFindingAggregator',
    'UpdateStandardsControl',
    'BatchUpdateStandardsControlAssociations',
    'DisassociateFromAdministratorAccount',
    'DisassociateFromMasterAccount',
    'DisassociateMembers',
    'DeleteMembers',
    'DisableOrganizationAdminAccount',
  ],
  eventSources: ['securityhub.amazonaws.com'],
  severity,
  matches: (e) => baseSeverity(e) !== undefined,
  explain: (e) => {
    const what = subject(e);
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to call' : 'called'} ${show(e.eventName, 48)} on Security Hub ` +
      `in account ${show(e.recipientAccountId, 24)}${what ? ` (${show(what, 200)})` : ''} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, e.eventName, subject(e)),
});
