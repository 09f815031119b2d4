// Scores events against the rule catalogue. Rules are indexed by event name so an event
// only meets the rules that look at it, and an event that no rule looks at is not even parsed.
import { agentTexts, bodyTexts, EMPTY_CONTEXT, identityTexts, type Rule, type RuleContext } from './rule';
import { sanitize } from './sanitize';
import { atLeast, type Finding, type Severity, type TrailEvent } from './types';
import { type BodyTest, containsAny, type WatchedTexts, Watchlist } from './watch';

export interface RuleFailure {
  readonly ruleId: string;
  readonly eventId: string;
  readonly message: string;
}

export interface Evaluation {
  readonly findings: Finding[];
  /** Rules that threw on this event: counted and reported, never fatal for the other rules. */
  readonly failures: RuleFailure[];
}

export class Engine {
  /** Named rules and, after them, every every-event rule. */
  private readonly byEventName: ReadonlyMap<string, readonly Rule[]>;
  private readonly everyEvent: readonly Rule[];
  /** Every-event and other broad rules: dropped beside a specific rule's finding as severe. */
  private readonly broadIds: ReadonlySet<string>;
  /** Rule id -> the rule ids its findings replace on the same event. */
  private readonly supersededBy: ReadonlyMap<string, readonly string[]>;
  /** Per event name, what the body must contain for a rule to match; texts any body may carry. */
  readonly watched: WatchedTexts;
  private readonly watchlist: Watchlist;

  constructor(
    readonly rules: readonly Rule[],
    private readonly context: RuleContext = EMPTY_CONTEXT,
  ) {
    this.everyEvent = rules.filter((rule) => rule.everyEvent !== undefined);
    this.broadIds = new Set(
      rules.filter((rule) => rule.everyEvent !== undefined || rule.broad === true).map((rule) => rule.id),
    );
    this.supersededBy = new Map(
      rules.filter((rule) => rule.supersedes !== undefined).map((rule) => [rule.id, rule.supersedes!]),
    );
    const index = new Map<string, Rule[]>();
    for (const rule of rules) {
      for (const name of rule.eventNames) {
        const list = index.get(name) ?? [];
        list.push(rule);
        index.set(name, list);
      }
    }
    const prefilters = new Map<string, BodyTest | undefined>();
    for (const [name, list] of index) {
      const unconditional = list.some((rule) => rule.prefilter === undefined);
      prefilters.set(
        name,
        unconditional ? undefined : containsAny(list.flatMap((rule) => rule.prefilter ?? [])),
      );
    }
    this.watched = {
      names: prefilters,
      anyName: this.everyEvent.flatMap((rule) => bodyTexts(rule)),
      anyAgent: this.everyEvent.flatMap((rule) => agentTexts(rule)),
      anyIdentity: this.everyEvent.flatMap((rule) => identityTexts(rule)),
    };
    this.watchlist = new Watchlist([this.watched]);
    for (const list of index.values()) list.push(...this.everyEvent);
    this.byEventName = index;
  }

  /**
   * Whether any rule could match an event of this name and raw body. False means the event can be
   * left unparsed: no rule lists its name (or every rule that does has a pre-filter the body lacks),
   * and the body lacks every every-event rule's pre-filter. An unknown name (a broken envelope) or
   * a body that is not text is always watched.
   */
  watches(eventName: string | undefined, body: unknown): boolean {
    return this.watchlist.watches(eventName, body);
  }

  evaluate(event: TrailEvent): Evaluation {
    const candidates = this.byEventName.get(event.eventName) ?? this.everyEvent;
    if (candidates.length === 0) return NOTHING;
    // Most candidates do not match: the arrays are only allocated once something is found.
    let findings: Finding[] | undefined;
    let failures: RuleFailure[] | undefined;
    for (const rule of candidates) {
      if (rule.eventSources !== undefined && !rule.eventSources.includes(event.eventSource)) continue;
      try {
        if (!rule.matches(event, this.context)) continue;
        findings ??= [];
        findings.push(toFinding(rule, event, this.context));
      } catch (error) {
        failures ??= [];
        failures.push({
          ruleId: rule.id,
          eventId: event.eventId,
          message: sanitize(errorMessage(error), 300),
        });
      }
    }
    if (findings === undefined && failures === undefined) return NOTHING;
    findings ??= [];
    return {
      findings: findings.length > 1 ? this.withoutSuperseded(findings) : findings,
      failures: failures ?? [],
    };
  }

  /**
   * Drops findings another finding on the same event makes redundant: those of rules superseded by
   * a rule that fired, and a broad rule's (every-event or `broad`) when a specific rule fired at the
   * same severity or higher (its alert already names the actor: root's StopLogging pages once).
   */
  private withoutSuperseded(findings: Finding[]): Finding[] {
    const dropped = new Set<string>();
    for (const finding of findings) {
      for (const id of this.supersededBy.get(finding.ruleId) ?? []) dropped.add(id);
      if (!this.broadIds.has(finding.ruleId)) continue;
      const covered = findings.some(
        (other) => !this.broadIds.has(other.ruleId) && atLeast(other.severity, finding.severity),
      );
      if (covered) dropped.add(finding.ruleId);
    }
    return dropped.size === 0 ? findings : findings.filter((f) => !dropped.has(f.ruleId));
  }
}

const NOTHING: Evaluation = Object.freeze({ findings: [], failures: [] }) as Evaluation;

/**
 * A rule's finding. The summary and the dedup key are computed when first read: only alerted
 * findings are rendered and grouped, and most findings (low, medium) are only logged. A class with
 * getters on its prototype, not per-object closures: those doubled the garbage of a long backlog.
 * A rule whose `explain` or `dedupKey` throws gets a fallback text instead of failing the reader.
 */
class RuleFinding implements Finding {
  readonly ruleId: string;
  readonly title: string;
  readonly mitre: readonly string[];
  readonly runbook: string;
  readonly reference: string;
  private summaryText: string | undefined;
  private dedupKeyText: string | undefined;

  constructor(
    private readonly rule: Rule,
    readonly event: TrailEvent,
    private readonly context: RuleContext,
    readonly severity: Severity,
  ) {
    this.ruleId = rule.id;
    this.title = rule.title;
    this.mitre = rule.mitre;
    this.runbook = rule.runbook;
    this.reference = rule.reference;
  }

  get summary(): string {
    this.summaryText ??= guarded(
      () => this.rule.explain(this.event, this.context),
      (message) => `${this.rule.title} (the rule could not describe this event: ${message})`,
    );
    return this.summaryText;
  }

  get dedupKey(): string {
    this.dedupKeyText ??= guarded(
      () =>
        this.rule.dedupKey
          ? this.rule.dedupKey(this.event, this.context)
          : defaultDedupKey(this.rule, this.event),
      () => defaultDedupKey(this.rule, this.event),
    );
    return this.dedupKeyText;
  }
}

function toFinding(rule: Rule, event: TrailEvent, context: RuleContext): Finding {
  const severity: Severity =
    typeof rule.severity === 'function' ? rule.severity(event, context) : rule.severity;
  return new RuleFinding(rule, event, context, severity);
}

function defaultDedupKey(rule: Rule, event: TrailEvent): string {
  return `${rule.id}|${event.actor.arn || event.actor.principalId}`;
}

function guarded(compute: () => string, fallback: (message: string) => string): string {
  try {
    return compute();
  } catch (error) {
    return fallback(sanitize(errorMessage(error), 200));
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** "The body contains one of these texts". */
