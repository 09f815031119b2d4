// `trailwatch rules` (and `npm run rules`): the whole catalogue, as a table or JSON lines: event
// rules, threshold rules and the per-principal anomaly checks.
import { PROFILE_DIMENSIONS, PROFILE_LIMITS } from '../core/first-seen';
import type { Rule } from '../core/rule';
import type { ThresholdRule } from '../core/threshold';
import { firstSeen, RULES, THRESHOLD_RULES, writeVolume } from '../rules';
import { parseCommandArgs, UsageError } from './args';
import { type CliIo, EXIT_OK } from './io';
import { cell } from './output';

export const RULES_HELP = `Usage: trailwatch rules [--json]

Lists the detections: the event rules, then the threshold rules, then the anomaly checks per
principal: id, severity ("varies" when it depends on the event), MITRE ATT&CK ids and tactics, the
CloudTrail event names each looks at, and its title.

Options:
  --json       one JSON object per detection per line (\`kind\`: rule, threshold, first-seen,
               write-volume)
  -h, --help   this help

Examples:
  trailwatch rules
  trailwatch rules --json | jq -r 'select(.severity == "critical") | .id'
`;

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
    ...(rule.everyEvent ? { everyEventContaining: rule.everyEvent.bodyIncludes } : {}),
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
    title: rule.title,
    description: rule.description,
  };
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
function eventsOf(line: RuleLine): string {
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

export function rulesCommand(argv: readonly string[], io: CliIo): number {
  const { values, positionals } = parseCommandArgs(
    'rules',
    argv,
    { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    false,
  );
  if (values.help) {
    io.stdout.write(RULES_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'rules');
  const lines = catalogue();
  if (values.json) {
    for (const line of lines) io.stdout.write(`${JSON.stringify(line)}\n`);
    return EXIT_OK;
  }
  const idWidth = Math.max(...lines.map((l) => l.id.length));
  io.stdout.write(`${cell('RULE', idWidth)}  ${cell('SEVERITY', 8)}  ${cell('TACTICS', 36)}  TITLE\n`);
  const indent = ' '.repeat(idWidth + 2);
  for (const l of lines) {
    io.stdout.write(
      `${cell(l.id, idWidth)}  ${cell(l.severity, 8)}  ${cell(l.tactics.join(', '), 36)}  ${l.title}\n`,
    );
    io.stdout.write(`${indent}MITRE ${l.mitre.join(' ')}; events: ${eventsOf(l)}\n`);
  }
  const rules = lines.filter((l) => l.kind === 'rule');
  const events = new Set(rules.flatMap((l) => l.eventNames)).size;
  const thresholds = lines.filter((l) => l.kind === 'threshold').length;
  const anomalies = lines.length - rules.length - thresholds;
  io.stdout.write(
    `\n${rules.length} rules over ${events} event names, ${thresholds} threshold rules, ` +
      `${anomalies} anomaly checks per principal\n`,
  );
  return EXIT_OK;
}
