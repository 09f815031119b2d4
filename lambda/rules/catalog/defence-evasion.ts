// Rules of this part of the catalogue; lambda/rules/index.ts merges every part.
import type { Rule } from '../../core/rule';
import bedrockSafeguardsRemoved from '../bedrock-safeguards-removed';
import cloudwatchAlarmsDisabled from '../cloudwatch-alarms-disabled';
import cloudwatchLogsDeleted from '../cloudwatch-logs-deleted';
import ec2EbsDefaultEncryptionDisabled from '../ec2-ebs-default-encryption-disabled';
import ec2FlowLogsDeleted from '../ec2-flow-logs-deleted';
import eventsRuleDisabledOrDeleted from '../events-rule-disabled-or-deleted';
import guarddutyDetectorDeletedOrDisabled from '../guardduty-detector-deleted-or-disabled';
import guarddutyFindingsSuppressed from '../guardduty-findings-suppressed';
import macieDisabledOrPaused from '../macie-disabled-or-paused';
import organizationsLeftOrganization from '../organizations-left-organization';
import route53resolverQueryLoggingDeleted from '../route53resolver-query-logging-deleted';
import securityhubDisabled from '../securityhub-disabled';
import securityhubFindingsSuppressed from '../securityhub-findings-suppressed';
import trailwatchSelfTamper from '../trailwatch-self-tamper';
import wafWebAclDisassociated from '../waf-web-acl-disassociated';

export const RULES: readonly Rule[] = [
  bedrockSafeguardsRemoved,
  cloudwatchAlarmsDisabled,
  cloudwatchLogsDeleted,
  ec2EbsDefaultEncryptionDisabled,
  ec2FlowLogsDeleted,
  eventsRuleDisabledOrDeleted,
  guarddutyDetectorDeletedOrDisabled,
  guarddutyFindingsSuppressed,
  macieDisabledOrPaused,
  organizationsLeftOrganization,
  route53resolverQueryLoggingDeleted,
  securityhubDisabled,
  securityhubFindingsSuppressed,
  trailwatchSelfTamper,
  wafWebAclDisassociated,
];
