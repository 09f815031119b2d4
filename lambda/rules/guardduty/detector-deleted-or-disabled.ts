import { defineRule } from '../../core/rule';
import type { JsonValue, Severity, TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { boolOf, child, req, someMember, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'guardduty.detector-deleted-or-disabled';

/** Calls that cut a member account off from the administrator, or the administrator off from members. */
const DETACH = new Set([
  'DisassociateFromMasterAccount',
  'DisassociateFromAdministratorAccount',
  'DeleteMembers',
  'DisassociateMembers',
  'StopMonitoringMembers',
  'DisableOrganizationAdminAccount',
]);

/** A protection plan turned off anywhere in `dataSources` or `features` (`enable: false`, `status: DISABLED`). */
function disablesSomething(value: JsonValue | undefined): boolean {
  return someMember(
    value,
    (key, v) => {
      const k = key.toLowerCase();
      if ((k === 'enable' || k === 'ebsvolumes') && boolOf(v) === false) return true;
      return k === 'status' && typeof v === 'string' && v.toUpperCase() === 'DISABLED';
    },
    500,
    100,
  );
}

/**
 * A member account accepting an administrator's invitation: the administrator account sees its
 * findings and manages its detector, trusted IP lists and threat lists from then on.
 */
const HAND_OVER = new Set(['AcceptAdministratorInvitation', 'AcceptInvitation']);

type Change = 'deleted' | 'disabled' | 'narrowed' | 'detached' | 'handed-over' | 'auto-enable-off' | '';

function change(e: TrailEvent): Change {
  const p = e.requestParameters;
  switch (e.eventName) {
    case 'DeleteDetector':
      return 'deleted';
    case 'UpdateDetector':
      if (boolOf(child(p, 'enable')) === false) return 'disabled';
      if (disablesSomething(child(p, 'dataSources')) || disablesSomething(child(p, 'features'))) {
        return 'narrowed';
      }
      return req(e, 'findingPublishingFrequency').toUpperCase() === 'SIX_HOURS' ? 'narrowed' : '';
    case 'UpdateOrganizationConfiguration': {
      const members = req(e, 'autoEnableOrganizationMembers').toUpperCase();
      return boolOf(child(p, 'autoEnable')) === false || members === 'NONE' ? 'auto-enable-off' : '';
    }
    default:
      if (HAND_OVER.has(e.eventName)) return 'handed-over';
      return DETACH.has(e.eventName) ? 'detached' : '';
  }
}

function severity(e: TrailEvent): Severity {
  const c = change(e);
  const base: Severity =
    c === 'deleted' || c === 'disabled'
      ? 'critical'
      : c === 'detached' || c === 'handed-over'
        ? 'high'
        : 'medium';
  return lowerFor(base, failed(e), isServiceCaller(e));
}

const WHAT: Record<Exclude<Change, ''>, [string, string]> = {
  deleted: ['deleted', 'delete'],
  disabled: ['suspended', 'suspend'],
  narrowed: ['turned off protection plans or slowed finding export of', 'narrow'],
  detached: ['detached administrator/member accounts of', 'detach accounts of'],
  'handed-over': ['accepted an administrator invitation for', 'accept an administrator invitation for'],
  'auto-enable-off': ['turned off auto-enable for new organization members of', 'turn off auto-enable of'],
};

export default defineRule({
  id: ID,
  title: 'GuardDuty detector deleted, suspended, detached or handed over',
  description:
    'GuardDuty DeleteDetector or UpdateDetector with enable=false (critical); member/administrator ' +
    'links cut (DisassociateFromAdministratorAccount, DisassociateFromMasterAccount, DeleteMembers, ' +
    'DisassociateMembers, StopMonitoringMembers, DisableOrganizationAdminAccount: high); an invitation ' +
    'from an administrator account accepted (AcceptAdministratorInvitation, AcceptInvitation: high, ' +
    'that account then sees the findings and manages the detector and its trusted IP and threat ' +
    'lists); UpdateDetector ' +
    'that turns off a protection plan (dataSources/features) or sets finding export to SIX_HOURS, and ' +
    'UpdateOrganizationConfiguration that stops auto-enabling members (medium). UpdateDetector calls that ' +
    'disable nothing are ignored. Failed calls and calls made by AWS services (invokedBy, service-linked ' +
    'roles, e.g. when an account leaves the organization) are one level lower. Findings suppression is a ' +
    'separate rule (guardduty.findings-suppressed).',
  whyItMatters:
    'GuardDuty is the account-wide threat detector; attackers who can turn it off, detach the account ' +
    'from the security team administrator account, or attach it to an administrator account of their ' +
    'own (which then reads the findings and sets the trusted IP lists) work unobserved from then on.',
  runbook:
    'Confirm the change with the account owner and change ticket. If unexpected: re-create or re-enable ' +
    'the detector (CreateDetector / UpdateDetector --enable), re-invite the member from the administrator ' +
    'account, and restrict the caller (SCP denying guardduty:Delete*, guardduty:Disassociate*, ' +
    'guardduty:UpdateDetector). Review everything the caller did around the change in Event history, and ' +
    'export existing findings before they are lost. For an accepted invitation, check that the ' +
    'administrator account belongs to your organization; if not, DisassociateFromAdministratorAccount.',
  reference: 'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-suspend-disable.html',
  mitre: ['TA0005:T1562.001'],
  eventNames: [
    'DeleteDetector',
    'UpdateDetector',
    'UpdateOrganizationConfiguration',
    ...DETACH,
    ...HAND_OVER,
  ],
  eventSources: ['guardduty.amazonaws.com'],
  severity,
  matches: (e) => change(e) !== '',
  explain: (e) => {
    const c = change(e);
    const [done, tried] = c === '' ? ['changed', 'change'] : WHAT[c];
    const accounts = stringsOf(child(e.requestParameters, 'accountIds')).slice(0, 5);
    const target =
      req(e, 'detectorId') !== ''
        ? `GuardDuty detector ${show(req(e, 'detectorId'), 64)}`
        : `GuardDuty in account ${show(req(e, 'adminAccountId') || e.recipientAccountId, 24)}`;
    const members = accounts.length > 0 ? ` (member accounts ${show(accounts.join(', '), 80)})` : '';
    const administrator = req(e, 'administratorId', 'masterId');
    const by = administrator !== '' ? ` (administrator account ${show(administrator, 24)})` : '';
    const via = isServiceCaller(e) ? ' via an AWS service' : '';
    return (
      `${actorLabel(e)} ${failed(e) ? `tried to ${tried}` : done} ${target}${members}${by} with ` +
      `${show(e.eventName, 48)}${via} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, req(e, 'detectorId'), e.eventName),
});
