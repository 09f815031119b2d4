// Scores events against the rule catalogue. Rules are indexed by event name so an event
// only meets the rules that look at it.
import { EMPTY_CONTEXT, type Rule, type RuleContext } from './rule';
import { sanitize } from './sanitize';
import type { Finding, Severity, TrailEvent } from './types';

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
  private readonly byEventName: ReadonlyMap<string, readonly Rule[]>;

  constructor(
    readonly rules: readonly Rule[],
    private readonly context: RuleContext = EMPTY_CONTEXT,
  ) {
    const index = new Map<string, Rule[]>();
    for (const rule of rules) {
      for (const name of rule.eventNames) {
        const list = index.get(name) ?? [];
        list.push(rule);
        index.set(name, list);
      }
    }
    this.byEventName = index;
  }

  evaluate(event: TrailEvent): Evaluation {
    const candidates = this.byEventName.get(event.eventName);
    if (candidates === undefined) return NOTHING;
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
      findings: findings.length > 1 ? withoutSuperseded(findings, this.rules) : findings,
      failures: failures ?? [],
    };
  }
}

const NOTHING: Evaluation = Object.freeze({ findings: [], failures: [] }) as Evaluation;

/** Drops findings whose rule is superseded by another rule that fired on the same event. */
function withoutSuperseded(findings: Finding[], rules: readonly Rule[]): Finding[] {
  const fired = new Set(findings.map((f) => f.ruleId));
  const superseded = new Set<string>();
  for (const rule of rules) {
    if (rule.supersedes && fired.has(rule.id)) for (const id of rule.supersedes) superseded.add(id);
  }
  return superseded.size === 0 ? findings : findings.filter((f) => !superseded.has(f.ruleId));
}

function toFinding(rule: Rule, event: TrailEvent, context: RuleContext): Finding {
  const severity: Severity =
    typeof rule.severity === 'function' ? rule.severity(event, context) : rule.severity;
  const dedupKey = rule.dedupKey
    ? rule.dedupKey(event, context)
    : `${rule.id}|${event.actor.arn || event.actor.principalId}`;
  return {
    ruleId: rule.id,
    title: rule.title,
    severity,
    mitre: rule.mitre,
    summary: rule.explain(event, context),
    runbook: rule.runbook,
    reference: rule.reference,
    dedupKey,
    event,
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
