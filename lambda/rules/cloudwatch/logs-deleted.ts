// CloudWatch Logs evidence removed: log groups or streams deleted, retention cut, subscriptions removed.
import { defineRule, type RuleContext } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { looksSecurityRelated, requestLogGroup } from '../common/resources';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'cloudwatch.logs-deleted';

/** Retention at or below this many days is treated like deletion: the history goes within a week. */
const SHORT_RETENTION_DAYS = 7;

function retentionDays(e: TrailEvent): number {
  const days = Number(req(e, 'retentionInDays'));
  return Number.isFinite(days) ? days : Number.NaN;
}

function severity(e: TrailEvent): Severity {
  return lowerFor(
    looksSecurityRelated(requestLogGroup(e)) ? 'high' : 'medium',
    failed(e),
    isServiceCaller(e),
  );
}

function action(e: TrailEvent): [string, string] {
  switch (e.eventName) {
    case 'DeleteLogGroup':
      return ['deleted log group', 'delete log group'];
    case 'DeleteLogStream':
      return [
        `deleted log stream ${show(req(e, 'logStreamName'), 120)} of log group`,
        'delete a log stream of log group',
      ];
    case 'PutRetentionPolicy':
      return [
        `cut retention to ${show(req(e, 'retentionInDays'), 8)} day(s) on log group`,
        'cut retention on log group',
      ];
    default:
      return [
        `removed subscription filter ${show(req(e, 'filterName'), 80)} (log forwarding) from log group`,
        'remove a subscription filter from log group',
      ];
  }
}

export default defineRule({
  id: ID,
  title: 'CloudWatch Logs deleted or cut short',
  description:
    'DeleteLogGroup, DeleteLogStream, DeleteSubscriptionFilter (stops forwarding to a SIEM or archive) and ' +
    `PutRetentionPolicy of ${SHORT_RETENTION_DAYS} days or less: medium, high when the log group name suggests ` +
    'security telemetry (cloudtrail, flow logs, vpc, security, audit, guardduty, resolver/query logs, waf). ' +
    'Longer retention changes are ignored. Failed calls and calls made by AWS services (e.g. CloudFormation ' +
    "deleting a stack) are one level lower. trailwatch's own log group is left to trailwatch.self-tamper.",
  whyItMatters:
    'CloudTrail, VPC flow logs and DNS query logs are often delivered to CloudWatch Logs; deleting the group ' +
    'or cutting its retention destroys the evidence an investigation needs.',
  runbook:
    "Confirm the change with the log group's owner. If unexpected, re-create the log group and point its " +
    'sources at it again, restore retention and subscription filters from infrastructure code, check whether ' +
    'a copy exists (S3 export, SIEM), restrict logs:DeleteLogGroup/DeleteLogStream/PutRetentionPolicy, and ' +
    "review the caller's other actions.",
  reference: 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DeleteLogGroup.html',
  mitre: ['TA0005:T1070', 'TA0005:T1562.008', 'TA0040:T1485'],
  eventNames: ['DeleteLogGroup', 'DeleteLogStream', 'DeleteSubscriptionFilter', 'PutRetentionPolicy'],
  eventSources: ['logs.amazonaws.com'],
  severity,
  matches: (e: TrailEvent, context: RuleContext) => {
    const own = context.ownResources.logGroupName;
    if (own && requestLogGroup(e) === own) return false;
    if (e.eventName === 'PutRetentionPolicy') {
      const days = retentionDays(e);
      return days > 0 && days <= SHORT_RETENTION_DAYS;
    }
    return true;
  },
  explain: (e) => {
    const [done, tried] = action(e);
    const via = isServiceCaller(e) ? ' via an AWS service' : '';
    return (
      `${actorLabel(e)} ${failed(e) ? `tried to ${tried}` : done} ${show(requestLogGroup(e), 200)}${via} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, requestLogGroup(e), e.eventName),
});
