// RDS reboots and failovers: a database restarted, or its writer moved to another instance or Region.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { isTrue, param } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

interface Action {
  readonly done: string;
  readonly tried: string;
  /** The call always moves the writer (a failover or switchover). */
  readonly failover: boolean;
}

const ACTIONS: ReadonlyMap<string, Action> = new Map([
  [
    'RebootDBInstance',
    { done: 'rebooted DB instance', tried: 'tried to reboot DB instance', failover: false },
  ],
  ['RebootDBCluster', { done: 'rebooted DB cluster', tried: 'tried to reboot DB cluster', failover: false }],
  [
    'FailoverDBCluster',
    { done: 'forced a failover of DB cluster', tried: 'tried to fail over DB cluster', failover: true },
  ],
  [
    'FailoverGlobalCluster',
    { done: 'failed over global database', tried: 'tried to fail over global database', failover: true },
  ],
  [
    'SwitchoverGlobalCluster',
    { done: 'switched over global database', tried: 'tried to switch over global database', failover: true },
  ],
]);

/** The call moves the writer: a failover, a switchover, or a reboot with forceFailover. */
const movesWriter = (e: TrailEvent): boolean =>
  (ACTIONS.get(e.eventName)?.failover ?? false) || isTrue(e.requestParameters.forceFailover);

const target = (e: TrailEvent): string =>
  param(e, 'dBInstanceIdentifier', 'dBClusterIdentifier', 'globalClusterIdentifier');

const severity = (e: TrailEvent): Severity => judgeChange(e, movesWriter(e) ? 'medium' : 'low');

export default defineRule({
  id: 'rds.failover-or-reboot',
  title: 'RDS database rebooted or failed over',
  description:
    'A principal rebooted an RDS DB instance or cluster (low), or moved its writer: a reboot with ' +
    'forceFailover, FailoverDBCluster, or a global database failover or switchover to another Region ' +
    '(medium). One step lower when an AWS service made the call for a principal; low when it failed. ' +
    'Calls by AWS itself (maintenance, automatic failover) are not matched.',
  whyItMatters:
    'Reboots and failovers interrupt the applications using the database; done by someone who should ' +
    'not, they are sabotage or cover for other changes (a parameter group that only applies on ' +
    'reboot), and a global failover moves the live data to another Region.',
  runbook:
    'Match the call to a maintenance window or an incident. If none explains it, find the parameter ' +
    'or configuration changes the reboot applied, check the database’s health and replication, and ' +
    'review the principal’s other RDS calls.',
  reference: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RebootInstance.html',
  mitre: ['TA0040:T1529', 'TA0040:T1489'],
  eventNames: [...ACTIONS.keys()],
  eventSources: ['rds.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const action = ACTIONS.get(e.eventName);
    const verb = (failed(e) ? action?.tried : action?.done) ?? 'rebooted';
    const failover = action?.failover === false && movesWriter(e) ? ' with a failover' : '';
    return `${actorLabel(e)} ${verb} ${show(target(e), 96)}${failover} ` + `${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) => dedup('rds.failover-or-reboot', e.recipientAccountId, e.awsRegion, target(e)),
});
