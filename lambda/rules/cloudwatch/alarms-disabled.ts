// CloudWatch alarms deleted or muted: the metric filters and alarms that page people go quiet.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isCloudFormationCall, isServiceCaller } from '../common/actors';
import { child, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { looksSecurityRelated } from '../common/resources';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'cloudwatch.alarms-disabled';

const alarmNames = (e: TrailEvent): string[] =>
  stringsOf(child(e.requestParameters, 'alarmNames', 'AlarmNames')).slice(0, 50);

/** CIS-style monitoring alarms (root use, unauthorized calls, IAM/KMS/trail changes...) or security ones. */
const securityAlarm = (name: string): boolean =>
  looksSecurityRelated(name) ||
  /(^|[^a-z])(cis|iam)|root|unauthori[sz]ed|console|mfa|kms|policy|signin|login|trail|guard/i.test(name);

function severity(e: TrailEvent): Severity {
  return lowerFor(alarmNames(e).some(securityAlarm) ? 'high' : 'medium', failed(e), isCloudFormationCall(e));
}

export default defineRule({
  id: ID,
  title: 'CloudWatch alarms deleted or their actions disabled',
  description:
    'DeleteAlarms or DisableAlarmActions: medium, high when an alarm name suggests security monitoring ' +
    '(CIS metric-filter alarms for root use, unauthorized calls, console sign-in without MFA, IAM/KMS/' +
    'CloudTrail changes; security, audit, guardduty...). Failed calls and CloudFormation deployments are one ' +
    'level lower. Calls made by AWS services themselves or service-linked roles (Auto Scaling removing its ' +
    'target-tracking alarms) are not reported. Alarms changed with PutMetricAlarm are not covered.',
  whyItMatters:
    'Alarms are how metric filters on CloudTrail logs turn into pages; deleting them or disabling their ' +
    'actions lets a later root login or policy change pass without anyone being notified.',
  runbook:
    'Identify the alarms and what they watched (the names in the alert; DescribeAlarmHistory). If the change ' +
    'is not expected, re-enable actions (EnableAlarmActions) or re-create the alarms from infrastructure ' +
    'code, restrict cloudwatch:DeleteAlarms/DisableAlarmActions, and review what happened while they were off.',
  reference: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DisableAlarmActions.html',
  mitre: ['TA0005:T1562.001'],
  eventNames: ['DeleteAlarms', 'DisableAlarmActions'],
  eventSources: ['monitoring.amazonaws.com'],
  severity,
  matches: (e) => !(e.actor.type === 'AWSService' || (isServiceCaller(e) && !isCloudFormationCall(e))),
  explain: (e) => {
    const names = alarmNames(e);
    const list = names.length > 0 ? show(names.slice(0, 5).join(', '), 240) : 'unknown alarms';
    const more = names.length > 5 ? ` and ${names.length - 5} more` : '';
    const verb = e.eventName === 'DeleteAlarms' ? 'delete' : 'disable the actions of';
    const done = e.eventName === 'DeleteAlarms' ? 'deleted' : 'disabled the actions of';
    return (
      `${actorLabel(e)} ${failed(e) ? `tried to ${verb}` : done} CloudWatch alarm(s) ${list}${more}` +
      `${isCloudFormationCall(e) ? ' via CloudFormation' : ''} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, alarmNames(e).slice(0, 10).join(',')),
});
