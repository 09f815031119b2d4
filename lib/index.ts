// The package's entry point: the construct with its props, and the stack `cdk deploy` uses.
export { ChatChannels } from './chat';
export { DASHBOARD_QUERIES, DetectorDashboard } from './dashboard';
export {
  type AlertSubscriber,
  atOrAbove,
  type ChatOutputProps,
  type OrganizationCallAs,
  type OrganizationWatchProps,
  type OutputsProps,
  type PagerDutyOutputProps,
  type SlackChannel,
  type TeamsChannel,
  TrailwatchDetector,
  type TrailwatchDetectorProps,
} from './detector';
export { DetectorOutputs, OUTPUT_AGE_ALARM_SECONDS } from './outputs';
export {
  ALERT_DETAIL_TYPE,
  DIGEST_DETAIL_TYPE,
  type OutputMetricName,
  PAGERDUTY_SEVERITY,
  TRAILWATCH_EVENT_SOURCE,
} from './outputs-props';
export { PAGERDUTY_ENDPOINT, PagerDutyRouting, pagerDutyEvent } from './pagerduty';
export { TrailwatchStack } from './trailwatch-stack';
