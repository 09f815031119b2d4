// A database opened to the internet, stripped of its safeguards, or handed an AWS role: the
// ModifyDB*/RestoreDB* parameters that matter, not every routine resize or upgrade.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { param } from '../common/json';
import { isWorldCidr } from '../common/network';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const MODIFY = new Set(['ModifyDBInstance', 'ModifyDBCluster']);
const RESTORE = new Set([
  'RestoreDBInstanceFromDBSnapshot',
  'RestoreDBInstanceFromS3',
  'RestoreDBInstanceToPointInTime',
  'RestoreDBClusterFromSnapshot',
  'RestoreDBClusterToPointInTime',
]);
const ADD_ROLE = new Set(['AddRoleToDBInstance', 'AddRoleToDBCluster']);

interface Change {
  readonly what: string;
  readonly severity: Severity;
}

/** What the call did that matters, most severe first; [] when it was routine. */
function changes(e: TrailEvent): Change[] {
  const p = e.requestParameters;
  const out: Change[] = [];
  // A restore that does not say takes the default, which the response shows.
  const publicNow =
    p.publiclyAccessible === true ||
    (RESTORE.has(e.eventName) && e.responseElements.publiclyAccessible === true);
  if ((MODIFY.has(e.eventName) || RESTORE.has(e.eventName)) && publicNow) {
    out.push({ what: 'made it publicly accessible', severity: 'critical' });
  }
  if (MODIFY.has(e.eventName)) {
    if (p.deletionProtection === false)
      out.push({ what: 'turned off deletion protection', severity: 'high' });
    if (p.backupRetentionPeriod === 0) out.push({ what: 'turned off automated backups', severity: 'high' });
    if (p.masterUserPassword !== undefined) out.push({ what: 'reset the master password', severity: 'high' });
  }
  if (e.eventName === 'AuthorizeDBSecurityGroupIngress') {
    const cidr = str(p.cIDRIP);
    out.push(
      isWorldCidr(cidr)
        ? { what: 'opened its DB security group to the internet', severity: 'critical' }
        : {
            what: `allowed ${cidr ? show(cidr, 48) : 'an EC2 security group'} into its DB security group`,
            severity: 'medium',
          },
    );
  }
  if (ADD_ROLE.has(e.eventName)) {
    out.push({ what: `gave it the IAM role ${show(param(e, 'roleArn'), 120)}`, severity: 'medium' });
  }
  return out;
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

function severity(e: TrailEvent): Severity {
  const worst = changes(e).reduce<Severity>((w, c) => (RANK[c.severity] > RANK[w] ? c.severity : w), 'info');
  return judgeChange(e, worst);
}

function database(e: TrailEvent): string {
  return param(e, 'dBInstanceIdentifier', 'dBClusterIdentifier', 'dBSecurityGroupName') || 'unknown';
}

export default defineRule({
  id: 'rds.database-exposed-or-unprotected',
  title: 'RDS database made public or its safeguards removed',
  description:
    'ModifyDBInstance or ModifyDBCluster that makes the database publicly accessible (critical), ' +
    'turns off deletion protection or automated backups, or resets the master password (high); a ' +
    'restore into a publicly accessible database (critical, in place of rds.database-restored); a DB ' +
    'security group opened to ' +
    '0.0.0.0/0 or ::/0 (critical) or to another network or EC2 group (medium); an IAM role added to a ' +
    'database (medium). Routine modifications (size, class, engine version) are not matched. One ' +
    'step lower when an AWS service made the call; failed calls are low.',
  whyItMatters:
    'A public endpoint exposes the database to password guessing from anywhere; without deletion ' +
    'protection and backups one more call destroys the data for good; a reset master password hands ' +
    'the caller every row; a role lets the engine itself copy data to S3 or call Lambda.',
  runbook:
    'Confirm the change with the database owner. If it is not expected: set publiclyAccessible ' +
    'back to false, re-enable deletion protection and backups, rotate the master password (Secrets ' +
    'Manager), remove the role, and review the database logs and the principal’s other calls.',
  reference: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ModifyInstance.Settings.html',
  mitre: ['TA0005:T1562', 'TA0040:T1485', 'TA0003:T1098'],
  eventNames: [...MODIFY, ...RESTORE, 'AuthorizeDBSecurityGroupIngress', ...ADD_ROLE],
  // A restore into a public database pages once, as an exposure, not also as a restore.
  supersedes: ['rds.database-restored'],
  eventSources: ['rds.amazonaws.com'],
  severity,
  matches: (e) => changes(e).length > 0,
  explain: (e) =>
    `${actorLabel(e)} called ${show(e.eventName, 48)} on RDS ${show(database(e), 80)} and ` +
    `${changes(e)
      .map((c) => c.what)
      .join(', ')} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('rds.database-exposed-or-unprotected', e.recipientAccountId, database(e)),
});
