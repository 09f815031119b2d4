// The outputs' keys of the CDK context (docs/integrations/), read into the detector's output props.
import { atLeast, isSeverity, SEVERITIES, type Severity } from '../lambda/core/types';
import { type ContextKey, isUnset, type Report, readBoolean, readList, readPattern } from './context-readers';
import {
  type ChatOutputProps,
  EVENT_BUS_ARN,
  EVENT_BUS_NAME,
  type OutputsProps,
  type PagerDutyOutputProps,
  SECRET_NAME,
  SLACK_CHANNEL_ID,
  SLACK_WORKSPACE_ID,
  TEAMS_CHANNEL_ID,
  TEAMS_GUID,
} from './outputs-props';

const SLACK_KEYS = ['slackWorkspaceId', 'slackChannelId'] as const satisfies readonly ContextKey[];
const TEAMS_KEYS = [
  'teamsTenantId',
  'teamsTeamId',
  'teamsChannelId',
] as const satisfies readonly ContextKey[];

/**
 * The outputs' keys. Each output is off unless its key is set; a key that only refines an output
 * (`chatMinSeverity`, `pagerDutySeverities`) set without it is a problem, since it would be ignored
 * in silence, and so is half of a channel's keys.
 */
export function readOutputs(
  get: (key: ContextKey) => unknown,
  report: Report,
  minSeverity: Severity | undefined,
): OutputsProps {
  const pattern = (key: ContextKey, regex: RegExp, problem: string) =>
    readPattern(key, get(key), regex, problem, report);

  const eventBus = readEventBus(get('eventBus'), report);

  const slack = readChannel(get, report, SLACK_KEYS, () => {
    const workspaceId = pattern(
      'slackWorkspaceId',
      SLACK_WORKSPACE_ID,
      'is not a Slack workspace id (expected the id the Chatbot console shows, e.g. T0123ABCD)',
    );
    const channelId = pattern(
      'slackChannelId',
      SLACK_CHANNEL_ID,
      "is not a Slack channel id (expected the end of the channel's link, e.g. C0123ABCD)",
    );
    return workspaceId && channelId ? { workspaceId, channelId } : undefined;
  });
  const teams = readChannel(get, report, TEAMS_KEYS, () => {
    const guid = 'a GUID, e.g. 00000000-0000-0000-0000-000000000000, as the Chatbot console shows it';
    const tenantId = pattern(
      'teamsTenantId',
      TEAMS_GUID,
      `is not a Microsoft Teams tenant id (expected ${guid})`,
    );
    const teamId = pattern('teamsTeamId', TEAMS_GUID, `is not a Microsoft Teams team id (expected ${guid})`);
    const channelId = pattern(
      'teamsChannelId',
      TEAMS_CHANNEL_ID,
      "is not a Microsoft Teams channel id (expected 19:...@thread.tacv2 from the channel's link)",
    );
    return tenantId && teamId && channelId ? { tenantId, teamId, channelId } : undefined;
  });
  const chatMinSeverity = readSeverity('chatMinSeverity', get('chatMinSeverity'), report);
  const chatKeysSet = [...SLACK_KEYS, ...TEAMS_KEYS].some((key) => !isUnset(get(key)));
  if (!chatKeysSet && !isUnset(get('chatMinSeverity'))) {
    report(
      'chatMinSeverity',
      'is set but no chat channel is (add the slack... or teams... keys, or remove it)',
    );
  }
  const chat: ChatOutputProps | undefined =
    slack || teams
      ? {
          ...(slack ? { slack } : {}),
          ...(teams ? { teams } : {}),
          ...(chatMinSeverity ? { minSeverity: chatMinSeverity } : {}),
        }
      : undefined;

  const routingKeySecret = pattern(
    'pagerDutyRoutingKeySecret',
    SECRET_NAME,
    'is not a Secrets Manager secret name or ARN (expected e.g. trailwatch/pagerduty-routing-key)',
  );
  const severitiesRaw = get('pagerDutySeverities');
  let severities: Severity[] | undefined;
  if (!isUnset(severitiesRaw)) {
    if (isUnset(get('pagerDutyRoutingKeySecret'))) {
      report(
        'pagerDutySeverities',
        'is set but pagerDutyRoutingKeySecret is not (add it, or remove this key)',
      );
    }
    const items = readList('pagerDutySeverities', severitiesRaw, report)?.map((s) => s.toLowerCase());
    severities = [];
    for (const item of items ?? []) {
      if (!isSeverity(item)) {
        report(
          'pagerDutySeverities',
          `"${item}" is not a severity (expected a list of ${SEVERITIES.join(', ')})`,
        );
      } else if (minSeverity !== undefined && !atLeast(item, minSeverity)) {
        report(
          'pagerDutySeverities',
          `${item} is below minSeverity ${minSeverity}: no such alert is ever published`,
        );
      } else if (!severities.includes(item)) {
        severities.push(item);
      }
    }
  }
  const pagerDuty: PagerDutyOutputProps | undefined = routingKeySecret
    ? { routingKeySecret, ...(severities && severities.length > 0 ? { severities } : {}) }
    : undefined;
  if (pagerDuty && typeof eventBus === 'string' && eventBus.startsWith('arn:')) {
    report(
      'eventBus',
      'is an ARN, but pagerDutyRoutingKeySecret puts its rules on the bus: give a bus of this account and region by name',
    );
  }

  const securityHub = readBoolean('securityHub', get('securityHub'), report);
  const dashboard = readBoolean('dashboard', get('dashboard'), report);
  return {
    ...(eventBus ? { eventBus } : {}),
    ...(securityHub ? { securityHub } : {}),
    ...(chat ? { chat } : {}),
    ...(pagerDuty ? { pagerDuty } : {}),
    ...(dashboard ? { dashboard } : {}),
  };
}

/** `default`, a bus name or a bus ARN; `false` is off (a switch for a key kept in cdk.json). */
function readEventBus(value: unknown, report: Report): string | undefined {
  if (isUnset(value)) return undefined;
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.toLowerCase() === 'false') return undefined;
  if (text.toLowerCase() !== 'true' && (EVENT_BUS_NAME.test(text) || EVENT_BUS_ARN.test(text))) return text;
  report(
    'eventBus',
    `${JSON.stringify(value).slice(0, 80)} is not an event bus (expected default, a bus name, ` +
      'or arn:aws:events:<region>:<account>:event-bus/<name>)',
  );
  return undefined;
}

/** A channel's keys: all of them or none; `read` runs only with all of them set. */
function readChannel<T>(
  get: (key: ContextKey) => unknown,
  report: Report,
  keys: readonly ContextKey[],
  read: () => T | undefined,
): T | undefined {
  const set = keys.filter((key) => !isUnset(get(key)));
  if (set.length === 0) return undefined;
  if (set.length < keys.length) {
    for (const key of keys.filter((k) => !set.includes(k))) {
      report(key, `is required with ${set.join(' and ')} (a channel needs ${keys.join(', ')})`);
    }
    return undefined;
  }
  return read();
}

function readSeverity(key: ContextKey, value: unknown, report: Report): Severity | undefined {
  if (isUnset(value)) return undefined;
  const normalised = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (isSeverity(normalised)) return normalised;
  report(key, `${JSON.stringify(value)} is not a severity (expected one of ${SEVERITIES.join(', ')})`);
  return undefined;
}
