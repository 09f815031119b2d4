// The Lambda's configuration: read once from the environment, every problem reported together.

import { FIRST_SEEN_DIMENSIONS, type FirstSeenSettings, isFirstSeenDimension } from './core/first-seen';
import { type AccountSelection, selectionProblems } from './core/organization';
import type { OutputSelection } from './core/ports';
import type { OwnResources } from './core/rule';
import {
  DEFAULT_MIN_SEVERITY,
  splitRegions,
  TABLE_NAME,
  TOPIC_ARN,
  WHOLE_NUMBER_SETTINGS,
  type WholeNumberSetting,
  type WholeNumberSettingKey,
  wholeNumberProblem,
} from './core/settings';
import {
  emptySuppressions,
  parseSuppressions,
  SuppressionError,
  type SuppressionList,
} from './core/suppression';
import { atLeast, isSeverity, SEVERITIES, type Severity } from './core/types';

/** The whole-number settings the function reads from its environment. */
type EnvSettingKey = {
  [K in WholeNumberSettingKey]: (typeof WHOLE_NUMBER_SETTINGS)[K] extends { env: string } ? K : never;
}[WholeNumberSettingKey];

import { DAY_MS, MINUTE_MS } from './core/window';

export interface DetectorConfig {
  readonly tableName: string;
  readonly topicArn: string;
  readonly regions: readonly string[];
  readonly overlapMs: number;
  readonly initialLookbackMs: number;
  readonly sliceMs: number;
  readonly minSeverity: Severity;
  readonly alertRetentionMs: number;
  readonly maxPagesPerRun: number;
  /** Individual alert messages per run; past it, alerts go out as digests. */
  readonly maxAlertsPerRun: number;
  /** Repeats of a finding within this window are folded into one summary; 0 = off. */
  readonly repeatWindowMs: number;
  /** How often the schedule invokes the function. */
  readonly schedulePeriodMs: number;
  readonly lateAlertMs: number;
  /** First-seen detections: the dimensions judged (none = off) and the learning period. */
  readonly firstSeen: FirstSeenSettings;
  /** trailwatch's own resources, for the rules that recognise tampering with the detector. */
  readonly ownResources: OwnResources;
  /**
   * The `StackName` dimension of its metrics: the stack's name, or for a detector embedded in a
   * host stack a name of its own, so that two detectors in one account never share a series.
   */
  readonly metricsId: string;
  readonly suppressions: SuppressionList;
  /** The outputs besides SNS: each one's target, and which alerts each takes. */
  readonly outputs: OutputsConfig;
}

/** The outputs besides the SNS topic; an absent target is an output that is off. */
export interface OutputsConfig {
  /** EventBridge bus name or ARN (`TRAILWATCH_EVENT_BUS`). */
  readonly eventBus?: string | undefined;
  /** The account's default Security Hub product (`TRAILWATCH_SECURITY_HUB_PRODUCT_ARN`). */
  readonly securityHubProductArn?: string | undefined;
  /** The topic AWS Chatbot reads (`TRAILWATCH_CHAT_TOPIC_ARN`). */
  readonly chatTopicArn?: string | undefined;
  /** The outputs that are on and the least severe alert each takes: every alerted one, chat from its own floor. */
  readonly selections: readonly OutputSelection[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid trailwatch configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `nowMs` judges suppression expiries; `knownRuleIds` catches suppressions that name no rule.
 */
export function loadConfig(env: Env, nowMs: number, knownRuleIds?: readonly string[]): DetectorConfig {
  const problems: string[] = [];
  const required = (name: string, pattern: RegExp, form: string): string => {
    const value = env[name]?.trim() ?? '';
    if (!value) problems.push(`${name} is not set (expected ${form})`);
    else if (!pattern.test(value)) problems.push(`${name}="${clip(value)}" is not ${form}`);
    return value;
  };
  /** A whole-number setting from its variable; its default and bounds are the settings' own. */
  const integer = (key: EnvSettingKey): number => {
    const setting: WholeNumberSetting = WHOLE_NUMBER_SETTINGS[key];
    const name = setting.env ?? key;
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return setting.default;
    const value = Number(raw);
    const problem = wholeNumberProblem(key, value);
    if (problem !== undefined) {
      problems.push(`${name}="${clip(raw)}" ${problem}`);
      return setting.default;
    }
    return value;
  };

  const tableName = required('TRAILWATCH_TABLE_NAME', TABLE_NAME, 'a DynamoDB table name');
  const topicArn = required(
    'TRAILWATCH_TOPIC_ARN',
    TOPIC_ARN,
    'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
  );

  const regionList =
    env.TRAILWATCH_REGIONS?.trim() || [env.AWS_REGION, 'us-east-1'].filter(Boolean).join(',');
  const { regions, invalid: badRegions } = splitRegions(regionList);
  if (regions.length === 0)
    problems.push('TRAILWATCH_REGIONS is empty (expected e.g. "eu-west-1,us-east-1")');
  if (badRegions.length > 0) {
    problems.push(
      `TRAILWATCH_REGIONS has ${badRegions.map((r) => `"${clip(r)}"`).join(', ')}: not region codes`,
    );
  }

  const minSeverityRaw = env.TRAILWATCH_MIN_SEVERITY?.trim() || DEFAULT_MIN_SEVERITY;
  if (!isSeverity(minSeverityRaw)) {
    problems.push(`TRAILWATCH_MIN_SEVERITY="${clip(minSeverityRaw)}" is not one of ${SEVERITIES.join(', ')}`);
  }

  const overlapMinutes = integer('overlapMinutes');
  const lookbackMinutes = integer('initialLookbackMinutes');
  const sliceMinutes = integer('sliceMinutes');
  const retentionDays = integer('alertRetentionDays');
  const maxPages = integer('maxPagesPerRun');
  const maxAlerts = integer('maxAlertsPerRun');
  const repeatWindowMinutes = integer('repeatWindowMinutes');
  const scheduleMinutes = integer('scheduleMinutes');
  const lateAlertMinutes = integer('lateAlertMinutes');
  const learningDays = integer('firstSeenLearningDays');
  const firstSeenRaw = env.TRAILWATCH_FIRST_SEEN?.trim() || FIRST_SEEN_DIMENSIONS.join(',');
  const firstSeenList =
    firstSeenRaw === 'off' ? [] : [...new Set(firstSeenRaw.split(',').map((d) => d.trim()))];
  const badDimensions = firstSeenList.filter((d) => !isFirstSeenDimension(d));
  if (badDimensions.length > 0) {
    problems.push(
      `TRAILWATCH_FIRST_SEEN has ${badDimensions.map((d) => `"${clip(d)}"`).join(', ')}: expected "off" ` +
        `or a comma-separated list of ${FIRST_SEEN_DIMENSIONS.join(', ')}`,
    );
  }

  let suppressions = emptySuppressions();
  const suppressionText = env.TRAILWATCH_SUPPRESSIONS?.trim();
  if (suppressionText) {
    try {
      suppressions = parseSuppressions(suppressionText, nowMs, knownRuleIds ? { knownRuleIds } : {});
    } catch (error) {
      if (!(error instanceof SuppressionError)) throw error;
      for (const p of error.problems) problems.push(`TRAILWATCH_SUPPRESSIONS: ${p}`);
    }
  }

  const ownResources: OwnResources = Object.freeze({
    stackName: optional(env.TRAILWATCH_STACK_NAME),
    functionName: optional(env.AWS_LAMBDA_FUNCTION_NAME),
    logGroupName: optional(env.AWS_LAMBDA_LOG_GROUP_NAME),
    tableName,
    topicArn,
    chatTopicArn: optional(env.TRAILWATCH_CHAT_TOPIC_ARN),
    keyArn: optional(env.TRAILWATCH_KEY_ARN),
    healthKeyArn: optional(env.TRAILWATCH_HEALTH_KEY_ARN),
    queueName: optional(env.TRAILWATCH_QUEUE_NAME),
    scheduleRuleName: optional(env.TRAILWATCH_SCHEDULE_RULE_NAME),
    // Embedded in a host stack, whose every deployment updates it: updates are not tampering.
    stackUpdatesExpected: env.TRAILWATCH_STACK_UPDATES === 'expected',
    // Organization mode (all three functions get them): the fan-out's own resources.
    stackSetName: optional(env.TRAILWATCH_STACKSET_NAME),
    memberRoleName: optional(env.TRAILWATCH_MEMBER_ROLE_NAME),
    workQueueName: optional(env.TRAILWATCH_WORK_QUEUE_NAME),
    orgFunctionNames: (env.TRAILWATCH_ORG_FUNCTIONS ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  });

  const outputs = outputsConfig(env, minSeverityRaw as Severity, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    tableName,
    topicArn,
    outputs,
    regions: Object.freeze(regions),
    overlapMs: overlapMinutes * MINUTE_MS,
    initialLookbackMs: lookbackMinutes * MINUTE_MS,
    sliceMs: sliceMinutes * MINUTE_MS,
    minSeverity: minSeverityRaw as Severity,
    alertRetentionMs: retentionDays * DAY_MS,
    maxPagesPerRun: maxPages,
    maxAlertsPerRun: maxAlerts,
    repeatWindowMs: repeatWindowMinutes * MINUTE_MS,
    schedulePeriodMs: scheduleMinutes * MINUTE_MS,
    lateAlertMs: lateAlertMinutes * MINUTE_MS,
    firstSeen: Object.freeze({
      dimensions: Object.freeze(firstSeenList.filter(isFirstSeenDimension)),
      learningMs: learningDays * DAY_MS,
    }),
    ownResources,
    metricsId: optional(env.TRAILWATCH_METRICS_ID) ?? ownResources.stackName ?? 'trailwatch',
    suppressions,
  });
}

const BUS =
  /^([/.\-_A-Za-z0-9]{1,256}|arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[/.\-_A-Za-z0-9]{1,256})$/;
const SECURITY_HUB_PRODUCT = /^arn:aws[\w-]*:securityhub:[a-z0-9-]+:(\d{12}):product\/(\d{12})\/default$/;

/** The outputs' variables, each checked; every problem joins the configuration's list. */
function outputsConfig(env: Env, minSeverity: Severity, problems: string[]): OutputsConfig {
  const eventBus = optional(env.TRAILWATCH_EVENT_BUS);
  if (eventBus !== undefined && !BUS.test(eventBus)) {
    problems.push(`TRAILWATCH_EVENT_BUS="${clip(eventBus)}" is not an EventBridge bus name or ARN`);
  }
  const productArn = optional(env.TRAILWATCH_SECURITY_HUB_PRODUCT_ARN);
  const product = productArn === undefined ? undefined : SECURITY_HUB_PRODUCT.exec(productArn);
  if (productArn !== undefined && (product === null || product?.[1] !== product?.[2])) {
    problems.push(
      `TRAILWATCH_SECURITY_HUB_PRODUCT_ARN="${clip(productArn)}" is not an account's default product ` +
        '(arn:aws:securityhub:<region>:<account>:product/<account>/default)',
    );
  }
  const chatTopicArn = optional(env.TRAILWATCH_CHAT_TOPIC_ARN);
  if (chatTopicArn !== undefined && !TOPIC_ARN.test(chatTopicArn)) {
    problems.push(`TRAILWATCH_CHAT_TOPIC_ARN="${clip(chatTopicArn)}" is not an SNS topic ARN`);
  }
  const chatMinRaw = optional(env.TRAILWATCH_CHAT_MIN_SEVERITY) ?? 'high';
  if (!isSeverity(chatMinRaw)) {
    problems.push(
      `TRAILWATCH_CHAT_MIN_SEVERITY="${clip(chatMinRaw)}" is not one of ${SEVERITIES.join(', ')}`,
    );
  }
  const floor = isSeverity(minSeverity) ? minSeverity : DEFAULT_MIN_SEVERITY;
  const chatFloor = isSeverity(chatMinRaw) && atLeast(chatMinRaw, floor) ? chatMinRaw : floor;
  const selections: OutputSelection[] = [
    ...(eventBus ? [{ name: 'eventBus' as const, minSeverity: floor }] : []),
    ...(productArn ? [{ name: 'securityHub' as const, minSeverity: floor }] : []),
    ...(chatTopicArn ? [{ name: 'chat' as const, minSeverity: chatFloor }] : []),
  ];
  return Object.freeze({
    eventBus,
    securityHubProductArn: productArn,
    chatTopicArn,
    selections: Object.freeze(selections),
  });
}

function optional(value: string | undefined): string | undefined {
  return value?.trim() || undefined;
}

function clip(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
}

/** What the organization fan-out's functions read besides the detector's configuration. */
export interface OrganizationConfig {
  /** Dispatcher: where the work items go. */
  readonly workQueueUrl: string;
  /** Dispatcher: the OUs watched (none: the whole organization) and the accounts left out. */
  readonly selection: AccountSelection;
  /** Dispatcher: also the management account (the StackSet never deploys its role there). */
  readonly includeManagement: boolean;
  /** Dispatcher: a pair trailing the clock by more than this raises its blind alert. */
  readonly blindAfterMs: number;
  /** Worker: the member role's name, the same in every account. */
  readonly memberRoleName: string;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const QUEUE_URL = /^https?:\/\/\S+\/\d{12}\/[\w-]{1,80}$/;

/** The organization settings of the dispatcher or the worker; throws ConfigError naming each problem. */
export function loadOrganizationConfig(env: Env, role: 'dispatcher' | 'worker'): OrganizationConfig {
  const problems: string[] = [];
  const list = (name: string): string[] =>
    (env[name] ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  const selection = { ous: list('TRAILWATCH_ORG_OUS'), exclude: list('TRAILWATCH_ORG_EXCLUDE') };
  for (const p of selectionProblems(selection)) problems.push(`TRAILWATCH_ORG_OUS/EXCLUDE: ${p}`);
  const workQueueUrl = env.TRAILWATCH_WORK_QUEUE_URL?.trim() ?? '';
  if (role === 'dispatcher' && !QUEUE_URL.test(workQueueUrl)) {
    problems.push(
      `TRAILWATCH_WORK_QUEUE_URL="${clip(workQueueUrl)}" is not an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)`,
    );
  }
  const memberRoleName = env.TRAILWATCH_MEMBER_ROLE_NAME?.trim() ?? '';
  if (role === 'worker' && !ROLE_NAME.test(memberRoleName)) {
    problems.push(`TRAILWATCH_MEMBER_ROLE_NAME="${clip(memberRoleName)}" is not an IAM role name`);
  }
  const includeRaw = env.TRAILWATCH_ORG_INCLUDE_MANAGEMENT?.trim() ?? '';
  if (!['', 'true', 'false'].includes(includeRaw)) {
    problems.push(`TRAILWATCH_ORG_INCLUDE_MANAGEMENT="${clip(includeRaw)}" is not true or false`);
  }
  const lag = WHOLE_NUMBER_SETTINGS.lagAlarmMinutes;
  const lagRaw = env.TRAILWATCH_LAG_ALARM_MINUTES?.trim();
  let blindMinutes: number = lag.default;
  if (lagRaw) {
    const problem = wholeNumberProblem('lagAlarmMinutes', Number(lagRaw));
    if (problem !== undefined) problems.push(`TRAILWATCH_LAG_ALARM_MINUTES="${clip(lagRaw)}" ${problem}`);
    else blindMinutes = Number(lagRaw);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    workQueueUrl,
    selection,
    includeManagement: includeRaw === 'true',
    blindAfterMs: blindMinutes * MINUTE_MS,
    memberRoleName,
  });
}
