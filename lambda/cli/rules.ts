// `trailwatch rules`: the catalogue, as a table or JSON lines.
import type { Rule } from '../core/rule';
import { RULES } from '../rules';
import { parseCommandArgs, UsageError } from './args';
import { type CliIo, EXIT_OK } from './io';
import { cell } from './output';

export const RULES_HELP = `Usage: trailwatch rules [--json]

Lists the detection rules: id, severity ("varies" when it depends on the event), MITRE ATT&CK
ids, the CloudTrail event names each rule looks at, and its title.

Options:
  --json       one JSON object per rule per line
  -h, --help   this help

Examples:
  trailwatch rules
  trailwatch rules --json | jq -r 'select(.severity == "critical") | .id'
`;

export interface RuleLine {
  readonly id: string;
  readonly severity: string;
  readonly mitre: readonly string[];
  readonly eventNames: readonly string[];
  /** Every-event rules: the text an event's body must contain for the rule to see it. */
  readonly everyEventContaining?: string;
  readonly title: string;
  readonly description: string;
}

export function ruleLine(rule: Rule): RuleLine {
  return {
    id: rule.id,
    severity: typeof rule.severity === 'function' ? 'varies' : rule.severity,
    mitre: rule.mitre,
    eventNames: rule.eventNames,
    ...(rule.everyEvent ? { everyEventContaining: rule.everyEvent.bodyIncludes } : {}),
    title: rule.title,
    description: rule.description,
  };
}

/** The events a rule sees, in words. */
export function eventsOf(line: Pick<RuleLine, 'eventNames' | 'everyEventContaining'>): string {
  if (line.everyEventContaining !== undefined)
    return `any event whose body contains ${line.everyEventContaining}`;
  return line.eventNames.join(', ');
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
  const lines = RULES.map(ruleLine);
  if (values.json) {
    for (const line of lines) io.stdout.write(`${JSON.stringify(line)}\n`);
    return EXIT_OK;
  }
  const idWidth = Math.max(...lines.map((l) => l.id.length));
  io.stdout.write(`${cell('RULE', idWidth)}  ${cell('SEVERITY', 8)}  ${cell('MITRE', 30)}  TITLE\n`);
  for (const l of lines) {
    io.stdout.write(
      `${cell(l.id, idWidth)}  ${cell(l.severity, 8)}  ${cell(l.mitre.join(' '), 30)}  ${l.title}\n`,
    );
    io.stdout.write(`${' '.repeat(idWidth + 2)}events: ${eventsOf(l)}\n`);
  }
  const events = new Set(lines.flatMap((l) => l.eventNames)).size;
  io.stdout.write(`\n${lines.length} rules over ${events} event names\n`);
  return EXIT_OK;
}
