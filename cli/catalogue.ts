// The catalogue as data: one line per detection (event rules, threshold rules, anomaly checks)
// with what the `rules` command prints of it, as a table, JSON lines or Markdown.
import { firstSeen, RULES, THRESHOLD_RULES, writeVolume } from '../lambda/compose';
import { PROFILE_DIMENSIONS, PROFILE_LIMITS } from '../lambda/core/first-seen';
import { agentTexts, bodyTexts, identityTexts, type Rule } from '../lambda/core/rule';
import type { ThresholdRule } from '../lambda/core/threshold';

/** MITRE ATT&CK tactic ids to names, for the tactics the catalogue uses. */
const TACTICS: Readonly<Record<string, string>> = {
  TA0001: 'Initial Access',
  TA0002: 'Execution',
  TA0003: 'Persistence',
  TA0004: 'Privilege Escalation',
  TA0005: 'Defense Evasion',
  TA0006: 'Credential Access',
  TA0007: 'Discovery',
  TA0008: 'Lateral Movement',
  TA0009: 'Collection',
  TA0010: 'Exfiltration',
  TA0040: 'Impact',
  TA0043: 'Reconnaissance',
};

export interface RuleLine {
  readonly kind: 'rule' | 'threshold' | 'first-seen' | 'write-volume';
  readonly id: string;
  readonly severity: string;
  readonly mitre: readonly string[];
  readonly tactics: readonly string[];
  readonly eventNames: readonly string[];
  /** Every-event rules: the text an event's body must contain for the rule to see it. */
  readonly everyEventContaining?: string;
  /** Threshold rules: the error codes counted whatever the event name, the count and window. */
  readonly errorCodes?: readonly string[];
  readonly threshold?: number;
  readonly windowMinutes?: number;
  /** First seen: what a profile holds, and how many values of each at most. */
  readonly valuesKept?: Readonly<Record<string, number>>;
  /** The CIS AWS Foundations monitoring controls it serves (Security Hub `CloudWatch.n`). */
  readonly cis?: readonly string[];
  /** It reads data events, which only `trailwatch scan` sees (Event history never returns them). */
  readonly dataEvents?: true;
  readonly title: string;
  readonly description: string;
}

function tacticsOf(mitre: readonly string[]): string[] {
  return [...new Set(mitre.map((m) => TACTICS[m.split(':')[0] ?? ''] ?? m))];
}

function ruleLine(rule: Rule): RuleLine {
  return {
    kind: 'rule',
    id: rule.id,
    severity: typeof rule.severity === 'function' ? 'varies' : rule.severity,
    mitre: rule.mitre,
    tactics: tacticsOf(rule.mitre),
    eventNames: rule.eventNames,
    ...(rule.everyEvent
      ? {
          everyEventContaining: [
            ...bodyTexts(rule),
            ...agentTexts(rule).map((t) => `user agent: ${t}`),
            ...identityTexts(rule).map((t) => `caller: ${t}`),
          ].join(' | '),
        }
      : {}),
    ...cisOf(rule),
    ...(rule.dataEvents === true ? { dataEvents: true as const } : {}),
    title: rule.title,
    description: rule.description,
  };
}

function thresholdLine(rule: ThresholdRule): RuleLine {
  return {
    kind: 'threshold',
    id: rule.id,
    severity: rule.severity,
    mitre: rule.mitre,
    tactics: tacticsOf(rule.mitre),
    eventNames: rule.eventNames,
    errorCodes: rule.errorCodes ?? [],
    threshold: rule.threshold,
    windowMinutes: rule.windowMs / 60_000,
    ...cisOf(rule),
    ...(rule.dataEvents === true ? { dataEvents: true as const } : {}),
    title: rule.title,
    description: rule.description,
  };
}

/** The CIS controls a detection's metadata names, when it names any. */
function cisOf(metadata: object): { cis?: readonly string[] } {
  const cis = (metadata as { cis?: readonly string[] }).cis;
  return cis && cis.length > 0 ? { cis } : {};
}

/** Every detection, in the order the table prints them. */
export function catalogue(): RuleLine[] {
  return [
    ...RULES.map(ruleLine),
    ...THRESHOLD_RULES.map(thresholdLine),
    {
      kind: 'first-seen',
      id: firstSeen.id,
      severity: 'varies',
      mitre: firstSeen.mitre,
      tactics: tacticsOf(firstSeen.mitre),
      eventNames: firstSeen.sensitiveApis,
      valuesKept: Object.fromEntries(PROFILE_DIMENSIONS.map((d) => [d, PROFILE_LIMITS[d]])),
      title: firstSeen.title,
      description: firstSeen.description,
    },
    {
      kind: 'write-volume',
      id: writeVolume.id,
      severity: writeVolume.severity,
      mitre: writeVolume.mitre,
      tactics: tacticsOf(writeVolume.mitre),
      eventNames: [],
      title: writeVolume.title,
      description: writeVolume.description,
    },
  ];
}

/** The events a detection sees, in words. */
export function eventsOf(line: RuleLine): string {
  const seen = eventsSeen(line);
  return line.dataEvents === true ? `data events, scan only: ${seen}` : seen;
}

function eventsSeen(line: RuleLine): string {
  if (line.everyEventContaining !== undefined)
    return `any event whose body contains ${line.everyEventContaining}`;
  switch (line.kind) {
    case 'threshold': {
      const on = [...line.eventNames, ...(line.errorCodes ?? []).map((c) => `errorCode ${c}`)];
      return `${on.join(', ')}; ${line.threshold} in ${line.windowMinutes} min`;
    }
    case 'first-seen':
      return `successful writes; new ${Object.keys(line.valuesKept ?? {}).join(', ')}; first call of ${line.eventNames.join(', ')}`;
    case 'write-volume':
      return 'successful writes, per principal and hour, against its previous week';
    default:
      return line.eventNames.join(', ');
  }
}
