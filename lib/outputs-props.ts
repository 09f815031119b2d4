// The props of TrailwatchDetector's outputs besides the SNS alert topic (docs/integrations/), each off
// by default, with their defaults, their checks and the patterns the context reader shares.

import { Token } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { BUS_SOURCE, DETAIL_TYPES } from '../lambda/core/outputs/bus';
import { OUTPUT_NAMES, type OutputName } from '../lambda/core/ports';
import { atLeast, isSeverity, SEVERITIES, type Severity } from '../lambda/core/types';

/** A Slack channel that AWS Chatbot posts trailwatch's alerts to. */
export interface SlackChannel {
  /** The Slack workspace (team) id shown in the Chatbot console after authorizing the workspace, e.g. `T0123ABCD`. */
  readonly workspaceId: string;
  /** The channel id, the last part of the channel's link, e.g. `C0123ABCD`. */
  readonly channelId: string;
}

/** A Microsoft Teams channel that AWS Chatbot posts trailwatch's alerts to. */
export interface TeamsChannel {
  /** The Microsoft Entra tenant id (a GUID), shown in the Chatbot console after authorizing the team. */
  readonly tenantId: string;
  /** The team id (a GUID), shown in the Chatbot console after authorizing the team. */
  readonly teamId: string;
  /**
   * The channel id from the channel's link, `19:...@thread.tacv2`, as it appears there or
   * URL-encoded (`19%3a...%40thread.tacv2`); it is passed on URL-encoded.
   */
  readonly channelId: string;
}

/**
 * Slack and Microsoft Teams through AWS Chatbot (docs/integrations/chat.md): a chat topic of its own,
 * which the functions publish Chatbot custom notifications to, and a Chatbot channel configuration
 * per channel subscribed to it.
 */
export interface ChatOutputProps {
  /** @default - no Slack channel */
  readonly slack?: SlackChannel;
  /** @default - no Microsoft Teams channel */
  readonly teams?: TeamsChannel;
  /**
   * Alerts below this severity are not posted to chat; never below the detector's `minSeverity`.
   * @default 'high'
   */
  readonly minSeverity?: Severity;
  /**
   * The channel guardrail policies: what channel members may run through Chatbot at most, whatever
   * the channel role allows.
   * @default - a customer managed policy that denies every action: the channels only receive notifications
   */
  readonly guardrailPolicies?: readonly iam.IManagedPolicy[];
}

/**
 * PagerDuty Events API v2 through EventBridge (docs/integrations/pagerduty.md): an API destination
 * and a connection, and a rule per severity on the event bus that turns each alert into a `trigger`
 * event. No function of trailwatch's runs in that path.
 */
export interface PagerDutyOutputProps {
  /**
   * The name (or ARN) of the Secrets Manager secret whose whole value is the PagerDuty integration's
   * routing key (Events API v2). The template holds only a dynamic reference to it.
   */
  readonly routingKeySecret: string;
  /**
   * The alert severities that page, each alerted severity at most once.
   * @default ['critical']
   */
  readonly severities?: readonly Severity[];
}

/** The outputs' props, part of TrailwatchDetectorProps. */
export interface OutputsProps {
  /**
   * Put every alert, digest and repeat summary on this EventBridge bus as well (`source:
   * trailwatch`, `detail-type: Trailwatch Alert | Trailwatch Digest`, the document as `detail`):
   * `default`, a bus name or a bus ARN (of another account too, whose bus policy lets this account
   * put events), or a bus of yours (docs/integrations/eventbridge.md).
   * @default - no bus; the default bus when `pagerDuty` is set
   */
  readonly eventBus?: string | events.IEventBus;
  /**
   * Import every alerted finding into Security Hub (this account's default product, AWS Security
   * Finding Format; docs/integrations/security-hub.md). Security Hub must be enabled in the region.
   * @default false
   */
  readonly securityHub?: boolean;
  /** Slack and Microsoft Teams through AWS Chatbot. @default - no chat */
  readonly chat?: ChatOutputProps;
  /** PagerDuty Events API v2, through the event bus (turned on with it). @default - no PagerDuty */
  readonly pagerDuty?: PagerDutyOutputProps;
  /**
   * A CloudWatch dashboard of the detector's health and activity (docs/integrations/dashboard.md).
   * @default false
   */
  readonly dashboard?: boolean;
}

/** The value of the `Output` dimension of the runtime's output metrics, per output: the runtime's names. */
export const OUTPUT_METRIC_NAMES = OUTPUT_NAMES;
export type OutputMetricName = OutputName;

/** What the functions put on the bus: the source, and the detail-type per document kind (the runtime's). */
export const TRAILWATCH_EVENT_SOURCE = BUS_SOURCE;
export const ALERT_DETAIL_TYPE = DETAIL_TYPES.alert;
export const DIGEST_DETAIL_TYPE = DETAIL_TYPES.digest;

export const CHAT_DEFAULT_MIN_SEVERITY: Severity = 'high';
export const PAGERDUTY_DEFAULT_SEVERITIES: readonly Severity[] = ['critical'];

/** An event bus: `default`, a name, or an ARN (EventBridge's own name and ARN forms). */
export const EVENT_BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
export const EVENT_BUS_ARN =
  /^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/([/.\-_A-Za-z0-9]{1,256})$/;
/** A Slack workspace (team) id and a channel id. */
export const SLACK_WORKSPACE_ID = /^[0-9A-Z]{1,255}$/;
export const SLACK_CHANNEL_ID = /^[A-Za-z0-9]{1,255}$/;
/** A Microsoft Teams tenant or team id: a GUID. */
export const TEAMS_GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A Microsoft Teams channel id, plain (`19:...@thread.tacv2`) or URL-encoded. */
export const TEAMS_CHANNEL_ID = /^19(?::|%3[aA])[A-Za-z0-9\-_=+/.,]+(?:@|%40)thread\.[a-z0-9]+$/;
/** A Secrets Manager secret name (or ARN). */
export const SECRET_NAME =
  /^(?:[A-Za-z0-9/_+=.@-]{1,512}|arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512})$/;

/** The channel id as Chatbot's Teams configuration takes it: URL-encoded `:` and `@`. */
export function encodedTeamsChannelId(channelId: string): string {
  return channelId.replace(/:/g, '%3A').replace(/@/g, '%40');
}

/** PagerDuty's four severities, per alert severity. */
export const PAGERDUTY_SEVERITY: Readonly<Record<Severity, 'critical' | 'error' | 'warning' | 'info'>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

/** The checks of the outputs' props, each problem naming the prop (empty when all is well). */
export function outputsProblems(props: OutputsProps, minSeverity: Severity): string[] {
  const problems: string[] = [];
  const bus = props.eventBus;
  if (
    typeof bus === 'string' &&
    !Token.isUnresolved(bus) &&
    !EVENT_BUS_NAME.test(bus) &&
    !EVENT_BUS_ARN.test(bus)
  ) {
    problems.push(`eventBus: "${bus.slice(0, 80)}" is not "default", an event bus name or an event bus ARN`);
  }
  const chat = props.chat;
  if (chat) {
    if (!chat.slack && !chat.teams)
      problems.push('chat: names neither a Slack nor a Microsoft Teams channel');
    const slack = chat.slack;
    if (slack) {
      if (!literalMatches(slack.workspaceId, SLACK_WORKSPACE_ID))
        problems.push(
          `chat.slack.workspaceId: "${slack.workspaceId.slice(0, 80)}" is not a Slack workspace id (e.g. T0123ABCD)`,
        );
      if (!literalMatches(slack.channelId, SLACK_CHANNEL_ID))
        problems.push(
          `chat.slack.channelId: "${slack.channelId.slice(0, 80)}" is not a Slack channel id (e.g. C0123ABCD)`,
        );
    }
    const teams = chat.teams;
    if (teams) {
      if (!literalMatches(teams.tenantId, TEAMS_GUID))
        problems.push(`chat.teams.tenantId: "${teams.tenantId.slice(0, 80)}" is not a tenant id (a GUID)`);
      if (!literalMatches(teams.teamId, TEAMS_GUID))
        problems.push(`chat.teams.teamId: "${teams.teamId.slice(0, 80)}" is not a team id (a GUID)`);
      if (!literalMatches(teams.channelId, TEAMS_CHANNEL_ID))
        problems.push(
          `chat.teams.channelId: "${teams.channelId.slice(0, 80)}" is not a Teams channel id (19:...@thread.tacv2)`,
        );
    }
    if (chat.minSeverity !== undefined && !isSeverity(chat.minSeverity)) {
      problems.push(`chat.minSeverity: "${String(chat.minSeverity)}" is not one of ${SEVERITIES.join(', ')}`);
    }
  }
  const pagerDuty = props.pagerDuty;
  if (pagerDuty) {
    if (!literalMatches(pagerDuty.routingKeySecret, SECRET_NAME)) {
      problems.push(
        `pagerDuty.routingKeySecret: "${pagerDuty.routingKeySecret.slice(0, 80)}" is not a Secrets Manager secret name or ARN`,
      );
    }
    const severities = pagerDuty.severities ?? PAGERDUTY_DEFAULT_SEVERITIES;
    if (severities.length === 0) problems.push('pagerDuty.severities: names no severity');
    if (new Set(severities).size !== severities.length)
      problems.push('pagerDuty.severities: names a severity twice');
    for (const severity of severities) {
      if (!isSeverity(severity)) {
        problems.push(`pagerDuty.severities: "${String(severity)}" is not one of ${SEVERITIES.join(', ')}`);
      } else if (!atLeast(severity, minSeverity)) {
        problems.push(
          `pagerDuty.severities: ${severity} is below minSeverity ${minSeverity}, so no such alert is ever published`,
        );
      }
    }
    if (typeof bus === 'string' && !Token.isUnresolved(bus) && EVENT_BUS_ARN.test(bus)) {
      // The rules live on the bus: a bus of another account or region is no place for them.
      problems.push(
        'pagerDuty: its rules are created on the event bus, so eventBus must be a bus of this stack ' +
          '(default, a name, or an IEventBus), not an ARN',
      );
    }
  }
  return problems;
}

function literalMatches(value: string, pattern: RegExp): boolean {
  return Token.isUnresolved(value) || pattern.test(value);
}
