// GuardDuty kept running but made quiet: auto-archive filters, trusted IP lists, threat lists and exports removed.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { boolOf, child, req } from '../common/json';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'guardduty.findings-suppressed';

type Kind =
  | 'archive-filter'
  | 'filter-criteria'
  | 'trusted-ips'
  | 'trusted-ips-inactive'
  | 'intel-removed'
  | 'intel-replaced'
  | 'export-removed'
  | '';

function kind(e: TrailEvent): Kind {
  const p = e.requestParameters;
  const action = req(e, 'action').toUpperCase();
  const activate = boolOf(child(p, 'activate'));
  switch (e.eventName) {
    case 'CreateFilter':
      return action === 'ARCHIVE' ? 'archive-filter' : '';
    case 'UpdateFilter':
      if (action === 'ARCHIVE') return 'archive-filter';
      // Criteria changed without naming the action: may widen an existing auto-archive rule.
      return action === '' && child(p, 'findingCriteria') !== undefined ? 'filter-criteria' : '';
    case 'CreateIPSet':
      return activate === false ? 'trusted-ips-inactive' : 'trusted-ips';
    case 'UpdateIPSet':
      // Deactivating a trusted list makes GuardDuty louder, not quieter.
      if (activate === true || req(e, 'location') !== '') return 'trusted-ips';
      return '';
    case 'DeleteThreatIntelSet':
      return 'intel-removed';
    case 'UpdateThreatIntelSet':
      if (activate === false) return 'intel-removed';
      // A new location may be an empty or doctored list in a bucket the caller controls.
      return req(e, 'location') !== '' ? 'intel-replaced' : '';
    case 'DeletePublishingDestination':
      return 'export-removed';
    default:
      return '';
  }
}

const BASE: Record<Exclude<Kind, ''>, Severity> = {
  'archive-filter': 'high',
  'trusted-ips': 'high',
  'filter-criteria': 'medium',
  'trusted-ips-inactive': 'medium',
  'intel-removed': 'medium',
  'intel-replaced': 'medium',
  'export-removed': 'medium',
};

const WHAT: Record<Exclude<Kind, ''>, string> = {
  'archive-filter': 'an auto-archive (suppression) filter',
  'filter-criteria': 'the criteria of a findings filter',
  'trusted-ips': 'a trusted IP list (no findings for its addresses)',
  'trusted-ips-inactive': 'an inactive trusted IP list',
  'intel-removed': 'a threat intelligence list (removed or deactivated)',
  'intel-replaced': 'a threat intelligence list (pointed at a new file)',
  'export-removed': 'a findings publishing destination (removed)',
};

function severity(e: TrailEvent): Severity {
  const k = kind(e);
  return lowerFor(k === '' ? 'low' : BASE[k], failed(e), isServiceCaller(e));
}

export default defineRule({
  id: ID,
  title: 'GuardDuty findings suppressed',
  description:
    'GuardDuty changes that silence findings while the detector keeps running: CreateFilter/UpdateFilter ' +
    'with action ARCHIVE (auto-archive) and CreateIPSet/UpdateIPSet that activate or repoint a trusted IP ' +
    'list (high); UpdateFilter that changes criteria without naming the action, an inactive new trusted IP ' +
    'list, DeleteThreatIntelSet, UpdateThreatIntelSet that deactivates a threat list or points it at ' +
    'another file, DeletePublishingDestination (medium). Filters with action NOOP, deactivated trusted ' +
    'lists, deleted filters and new threat lists are ignored (they make GuardDuty louder). ' +
    'Failed calls and calls made by AWS services are one level lower. Manual ArchiveFindings is not covered.',
  whyItMatters:
    'An auto-archive filter or a trusted IP list hides every future finding that matches it, so an attacker ' +
    'can keep GuardDuty visibly enabled while making their own activity produce no alerts.',
  runbook:
    'Read the filter (GetFilter) or IP set (GetIPSet and the S3 object it points to) and confirm it with the ' +
    'security team. If unexpected, delete the filter or deactivate the IP set, review archived findings ' +
    '(ListFindings with service.archived=true) since the change, and restrict the caller ' +
    '(deny guardduty:CreateFilter, guardduty:UpdateFilter, guardduty:CreateIPSet, guardduty:UpdateIPSet).',
  reference: 'https://docs.aws.amazon.com/guardduty/latest/ug/findings_suppression-rule.html',
  mitre: ['TA0005:T1562.001'],
  eventNames: [
    'CreateFilter',
    'UpdateFilter',
    'CreateIPSet',
    'UpdateIPSet',
    'DeleteThreatIntelSet',
    'UpdateThreatIntelSet',
    'DeletePublishingDestination',
  ],
  eventSources: ['guardduty.amazonaws.com'],
  severity,
  matches: (e) => kind(e) !== '',
  explain: (e) => {
    const k = kind(e);
    const name = req(e, 'name', 'filterName', 'ipSetId', 'threatIntelSetId', 'destinationId');
    const what = k === '' ? 'GuardDuty settings' : WHAT[k];
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to change' : 'changed'} ${what}` +
      `${name ? ` ${show(name, 80)}` : ''} of GuardDuty detector ${show(req(e, 'detectorId'), 64)} with ` +
      `${show(e.eventName, 40)} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup(
      ID,
      e.recipientAccountId,
      e.awsRegion,
      req(e, 'detectorId'),
      req(e, 'name', 'filterName', 'ipSetId', 'threatIntelSetId', 'destinationId'),
    ),
});
