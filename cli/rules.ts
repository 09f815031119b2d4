// `trailwatch rules` (and `npm run rules`): the whole catalogue, as a table or JSON lines: event
// rules, threshold rules and the per-principal anomaly checks.
import { parseCommandArgs, UsageError } from './args';
import { catalogue, eventsOf, severityText } from './catalogue';
import { type CliIo, EXIT_OK } from './io';
import { catalogueMarkdown } from './rules-markdown';
import { cell } from './table';

export const RULES_HELP = `Usage: trailwatch rules [--json]

Lists the detections: the event rules, then the threshold rules, then the anomaly checks per
principal: id, severity (a range, low-high, when it depends on the event), MITRE ATT&CK ids and
tactics, the CloudTrail event names each looks at, and its title.

Options:
  --json       one JSON object per detection per line (\`kind\`: rule, threshold, first-seen,
               write-volume; \`severity\`: {"min": "high", "max": "critical"})
  --markdown   the catalogue as a Markdown document (docs/detections.md)
  -h, --help   this help

Examples:
  trailwatch rules
  trailwatch rules --json | jq -r 'select(.severity.max == "critical") | .id'
`;

export function rulesCommand(argv: readonly string[], io: CliIo): number {
  const { values, positionals } = parseCommandArgs(
    'rules',
    argv,
    { json: { type: 'boolean' }, markdown: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    false,
  );
  if (values.help) {
    io.stdout.write(RULES_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'rules');
  const lines = catalogue();
  if (values.markdown) {
    io.stdout.write(catalogueMarkdown(lines, eventsOf));
    return EXIT_OK;
  }
  if (values.json) {
    for (const line of lines) io.stdout.write(`${JSON.stringify(line)}\n`);
    return EXIT_OK;
  }
  const idWidth = Math.max(...lines.map((l) => l.id.length));
  const severityWidth = Math.max(8, ...lines.map((l) => severityText(l.severity).length));
  io.stdout.write(
    `${cell('RULE', idWidth)}  ${cell('SEVERITY', severityWidth)}  ${cell('TACTICS', 36)}  TITLE\n`,
  );
  const indent = ' '.repeat(idWidth + 2);
  for (const l of lines) {
    const severity = cell(severityText(l.severity), severityWidth);
    io.stdout.write(`${cell(l.id, idWidth)}  ${severity}  ${cell(l.tactics.join(', '), 36)}  ${l.title}\n`);
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
