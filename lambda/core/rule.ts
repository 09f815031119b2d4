// The shape of a detection rule: metadata as data beside a pure predicate.
import type { Severity, TrailEvent } from './types';

/** trailwatch's own resources, so rules can recognise tampering with the detector itself. */
export interface OwnResources {
  readonly stackName?: string;
  /**
   * The stack is a host app's, which trailwatch is embedded in: its updates (UpdateStack,
   * ExecuteChangeSet) are that app's deployments, not tampering. Its deletion still is.
   */
  readonly stackUpdatesExpected?: boolean;
  readonly functionName?: string;
  readonly tableName?: string;
  readonly topicArn?: string;
  /** The topic AWS Chatbot reads (Slack, Teams), when chat is on. */
  readonly chatTopicArn?: string;
  /** The alert topic's KMS key. */
  readonly keyArn?: string;
  /** The health topic's KMS key, kept apart from the alert key so that one key cannot silence both. */
  readonly healthKeyArn?: string;
  readonly scheduleRuleName?: string;
  readonly queueName?: string;
  readonly logGroupName?: string;
  /** Organization mode: the StackSet that deploys the member role, and that role's name in every account. */
  readonly stackSetName?: string;
  readonly memberRoleName?: string;
  /** Organization mode: the work queue, and the dispatcher's and worker's function names. */
  readonly workQueueName?: string;
  readonly orgFunctionNames?: readonly string[];
}

/** What a rule may know besides the event. Pure data, the same for every event of a run. */
export interface RuleContext {
  readonly ownResources: OwnResources;
}

export const EMPTY_CONTEXT: RuleContext = Object.freeze({ ownResources: Object.freeze({}) });

/** What every detection (event rule or threshold rule) carries beside its logic. */
export interface RuleMetadata {
  /** Stable, dotted, lower-case: `cloudtrail.logging-stopped`. Used in dedup records and filters. */
  readonly id: string;
  readonly title: string;
  /** What the rule looks for, in one or two sentences. */
  readonly description: string;
  /** Why an on-call engineer should care. */
  readonly whyItMatters: string;
  /** What to do next, in imperative sentences. */
  readonly runbook: string;
  /** A documentation link (AWS docs or MITRE ATT&CK). */
  readonly reference: string;
  /** MITRE ATT&CK `TAxxxx:Txxxx[.xxx]` pairs. */
  readonly mitre: readonly string[];
  /**
   * The CIS AWS Foundations Benchmark monitoring controls the detection implements, by their
   * Security Hub control id (`CloudWatch.5`): it records every call of some event in the control's
   * metric filter. A rule that fires on only some of those calls (a security group opened to the
   * world) does not carry the control. Absent when the detection serves no such control.
   */
  readonly cis?: readonly string[];
  /** The engine only calls the rule for these event names (empty for an every-event rule). */
  readonly eventNames: readonly string[];
  /**
   * The detection reads data events (S3 object calls), which CloudTrail writes to a trail's files
   * but Event history never returns: only `trailwatch scan` runs it, the scheduled detector does not.
   */
  readonly dataEvents?: boolean;
  /** Optional: only these event sources (guards against a same-named call of another service). */
  readonly eventSources?: readonly string[];
}

export interface RuleDefinition extends RuleMetadata {
  /**
   * An every-event rule (root activity, whatever the call): the engine calls it for any event
   * whose raw `CloudTrailEvent` contains `bodyIncludes` (one text, or any of several), or whose
   * user agent contains one of `agentIncludes` (a tool's mark), or whose caller identity contains
   * one of `identityIncludes` (`"Root"`, a role name): only that field is searched, a fraction of
   * the record. The texts are a cheap pre-filter that lets the engine leave
   * unparsed the events no rule can match; the rule is also called for every other parsed event,
   * so `matches` must still decide.
   */
  readonly everyEvent?: {
    readonly bodyIncludes?: string | readonly string[];
    readonly agentIncludes?: readonly string[];
    readonly identityIncludes?: readonly string[];
  };
  /**
   * For a named rule that can only match events whose raw `CloudTrailEvent` contains one of these
   * texts (a tool's name in the user agent): the engine leaves the rule's other events unparsed
   * when no other rule needs them. `matches` still decides.
   */
  readonly prefilter?: readonly string[];
  /**
   * A broad rule (every IAM call of a kind of caller): its finding is dropped when a rule that is
   * not broad fires on the same event at the same severity or higher, so one event pages once.
   * Every-event rules are broad without saying so.
   */
  readonly broad?: boolean;
  /**
   * Rules whose findings this one replaces on the same event: a more specific rule (tampering with
   * trailwatch itself) pages once instead of alongside the general one (a KMS key disabled).
   */
  readonly supersedes?: readonly string[];
  /** A fixed severity, or one derived from the event (e.g. admin policy -> critical). */
  readonly severity: Severity | ((event: TrailEvent, context: RuleContext) => Severity);
  /** True when the event is a finding. Must not throw on odd input; the engine catches it if it does. */
  readonly matches: (event: TrailEvent, context: RuleContext) => boolean;
  /** One sentence for the alert; build it from `sanitize`d fields. */
  readonly explain: (event: TrailEvent, context: RuleContext) => string;
  /** Groups repeats of the same finding. Default: rule id + actor ARN. */
  readonly dedupKey?: (event: TrailEvent, context: RuleContext) => string;
}

export type Rule = Readonly<RuleDefinition>;

/**
 * Orders rules by id, in code-unit order. Not `localeCompare`: its first call loads ICU's collator,
 * which was 15 ms of the handler's cold start.
 */
export function byId(a: { readonly id: string }, b: { readonly id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export const RULE_ID_PATTERN = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/;
export const MITRE_PATTERN = /^TA\d{4}:T\d{4}(?:\.\d{3})?$/;
/** A Security Hub control id: `CloudWatch.1`, `IAM.4`. */
export const CIS_CONTROL_PATTERN = /^[A-Z][A-Za-z0-9]*\.\d{1,3}$/;

/** The checks every detection's metadata must pass, shared by event and threshold rules. */
export function metadataProblems(metadata: RuleMetadata): string[] {
  const problems: string[] = [];
  if (!RULE_ID_PATTERN.test(metadata.id)) problems.push(`id "${metadata.id}" is not dotted lower-case`);
  for (const m of metadata.mitre) if (!MITRE_PATTERN.test(m)) problems.push(`MITRE id "${m}" is malformed`);
  for (const c of metadata.cis ?? [])
    if (!CIS_CONTROL_PATTERN.test(c)) problems.push(`CIS control "${c}" is malformed`);
  return problems;
}

/** An every-event rule's pre-filter texts (none for a named rule). */
export function bodyTexts(rule: Pick<RuleDefinition, 'everyEvent'>): readonly string[] {
  const texts = rule.everyEvent?.bodyIncludes;
  return texts === undefined ? [] : typeof texts === 'string' ? [texts] : texts;
}

/** An every-event rule's user-agent pre-filter texts (none for a named rule). */
export function agentTexts(rule: Pick<RuleDefinition, 'everyEvent'>): readonly string[] {
  return rule.everyEvent?.agentIncludes ?? [];
}

/** An every-event rule's caller-identity pre-filter texts (none for a named rule). */
export function identityTexts(rule: Pick<RuleDefinition, 'everyEvent'>): readonly string[] {
  return rule.everyEvent?.identityIncludes ?? [];
}

/** Declares a rule; validates its metadata once, at module load, so a typo fails fast. */
export function defineRule(definition: RuleDefinition): Rule {
  const problems = metadataProblems(definition);
  if (definition.everyEvent === undefined && definition.eventNames.length === 0) {
    problems.push('eventNames is empty and the rule is not an every-event rule');
  }
  if (definition.everyEvent !== undefined && definition.eventNames.length > 0) {
    problems.push('an every-event rule lists no eventNames');
  }
  if ((definition.prefilter ?? []).some((text) => text.length < 3)) {
    problems.push('every prefilter text must be at least 3 characters');
  }
  if (definition.everyEvent !== undefined) {
    const texts = [...bodyTexts(definition), ...agentTexts(definition), ...identityTexts(definition)];
    if (texts.length === 0 || texts.some((text) => text.length < 3))
      problems.push(
        'everyEvent needs bodyIncludes, agentIncludes or identityIncludes texts of at least 3 characters, or every event is parsed',
      );
  }
  if (problems.length > 0) throw new Error(`rule ${definition.id}: ${problems.join('; ')}`);
  return Object.freeze({ ...definition });
}
