// DescribeDBSnapshots / DescribeDBClusterSnapshots asking for public or shared snapshots: looking for
// database copies that other accounts have exposed, or that were shared into this one.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { isTrue } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome } from '../common/text';

const asksPublic = (e: TrailEvent): boolean => isTrue(e.requestParameters.includePublic);
const asksShared = (e: TrailEvent): boolean => isTrue(e.requestParameters.includeShared);

function scope(e: TrailEvent): string {
  if (asksPublic(e) && asksShared(e)) return 'public and shared';
  return asksPublic(e) ? 'public' : 'shared';
}

const severity = (e: TrailEvent): Severity => (failed(e) ? 'info' : 'low');

export default defineRule({
  id: 'rds.snapshots-enumerated',
  title: 'Public or shared RDS snapshots listed',
  description:
    'A principal listed RDS DB or cluster snapshots including public ones (includePublic) or ones ' +
    'other accounts shared with this account (includeShared). Low, info when it failed: the console ' +
    'asks for them on some pages. Calls by AWS services are not matched. Plain listings of the ' +
    'account’s own snapshots are not matched (and are not parsed: the engine pre-filters on the two ' +
    'request fields).',
  whyItMatters:
    'Public snapshots of other accounts are a known source of leaked data, and listing them with this ' +
    'account’s credentials is what a scanner run with stolen keys does; shared snapshots are what an ' +
    'intruder restores to read data another account handed over.',
  runbook:
    'Ask the principal why it looked. If it is not a person or tool expected to, treat its credentials ' +
    'as in the wrong hands: review its other calls (especially RestoreDBInstanceFromDBSnapshot and ' +
    'CopyDBSnapshot) and revoke its sessions or keys.',
  reference: 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBSnapshots.html',
  mitre: ['TA0007:T1619', 'TA0007:T1580'],
  eventNames: ['DescribeDBSnapshots', 'DescribeDBClusterSnapshots'],
  eventSources: ['rds.amazonaws.com'],
  // Snapshot listings are frequent: only those whose request names one of the two fields are parsed.
  prefilter: ['includePublic', 'includeShared'],
  severity,
  matches: (e) => (asksPublic(e) || asksShared(e)) && !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to list' : 'listed'} ${scope(e)} RDS ` +
    `${e.eventName === 'DescribeDBClusterSnapshots' ? 'cluster ' : ''}snapshots ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('rds.snapshots-enumerated', e.recipientAccountId, e.awsRegion, e.actor.arn || e.actor.principalId),
});
