// `npm run rules [-- --json]`: the detection catalogue, as a table or as JSON.

import { eventsOf } from '../lambda/cli/rules';
import { type FirstSeenDefinition, PROFILE_DIMENSIONS, PROFILE_LIMITS } from '../lambda/core/first-seen';
import type { Rule } from '../lambda/core/rule';
import type { ThresholdRule } from '../lambda/core/threshold';
import { RULES } from '../lambda/rules';
import { firstSeen } from '../lambda/rules/anomalies/first-seen';
import { writeVolume } from '../lambda/rules/anomalies/write-volume';
import { THRESHOLD_RULES } from '../lambda/rules/thresholds';

/** MITRE ATT&CK tactic ids to names, for the tactics the catalogue uses. */
const TACTICS: Record<string, string> = {
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

function row(rule: Rule) {
  return {
    id: rule.id,
    title: rule.title,
    severity: typeof rule.severity === 'function' ? 'depends on the event' : rule.severity,
    tactics: [...new Set(rule.mitre.map((m) => TACTICS[m.split(':')[0] ?? ''] ?? m))],
    mitre: rule.mitre,
    eventNames: rule.eventNames,
    ...(rule.everyEvent ? { everyEventContaining: rule.everyEvent.bodyIncludes } : {}),
    description: rule.description,
  };
}

function thresholdRow(rule: ThresholdRule) {
  return {
    kind: 'threshold' as const,
    id: rule.id,
    title: rule.title,
    severity: rule.severity,
    tactics: [...new Set(rule.mitre.map((m) => TACTICS[m.split(':')[0] ?? ''] ?? m))],
    mitre: rule.mitre,
    eventNames: rule.eventNames,
    errorCodes: rule.errorCodes ?? [],
    threshold: rule.threshold,
    windowMinutes: rule.windowMs / 60_000,
    description: rule.description,
  };
}

function anomalyRow(detection: FirstSeenDefinition) {
  return {
    kind: 'first-seen' as const,
    id: detection.id,
    title: detection.title,
    severity: 'depends on the event',
    tactics: [...new Set(detection.mitre.map((m) => TACTICS[m.split(':')[0] ?? ''] ?? m))],
    mitre: detection.mitre,
    dimensions: PROFILE_DIMENSIONS,
    valuesKept: PROFILE_LIMITS,
    sensitiveApis: detection.sensitiveApis,
    description: detection.description,
  };
}

const rows = RULES.map(row);
const volumeRow = {
  kind: 'write-volume' as const,
  id: writeVolume.id,
  title: writeVolume.title,
  severity: writeVolume.severity,
  tactics: [...new Set(writeVolume.mitre.map((m) => TACTICS[m.split(':')[0] ?? ''] ?? m))],
  mitre: writeVolume.mitre,
  description: writeVolume.description,
};
const anomalyRows = [anomalyRow(firstSeen)];
const thresholdRows = THRESHOLD_RULES.map(thresholdRow);
if (process.argv.includes('--json')) {
  process.stdout.write(
    `${JSON.stringify([...rows, ...thresholdRows, ...anomalyRows, volumeRow], null, 2)}\n`,
  );
} else {
  const width = Math.max(...rows.map((r) => r.id.length));
  for (const r of rows) {
    process.stdout.write(
      `${r.id.padEnd(width)}  ${r.severity.padEnd(20)}  ${r.tactics.join(', ')}\n${' '.repeat(width + 2)}${eventsOf(r)}\n`,
    );
  }
  process.stdout.write(
    `\n${rows.length} rules over ${new Set(rows.flatMap((r) => r.eventNames)).size} event names\n`,
  );
  process.stdout.write('\nThreshold rules (counted per subject over fixed windows):\n');
  const tw = Math.max(...thresholdRows.map((r) => r.id.length));
  for (const r of thresholdRows) {
    const on = [...r.eventNames, ...r.errorCodes.map((c) => `errorCode ${c}`)].join(', ');
    process.stdout.write(
      `${r.id.padEnd(tw)}  ${r.severity.padEnd(8)}  ${r.threshold} in ${r.windowMinutes} min  ${r.tactics.join(', ')}\n${' '.repeat(tw + 2)}${on}\n`,
    );
  }
  process.stdout.write('\nFirst-seen detections (per principal, after a learning period):\n');
  for (const r of anomalyRows) {
    process.stdout.write(
      `${r.id}  ${r.severity}  ${r.tactics.join(', ')}\n  new ${r.dimensions.join(', ')}; ` +
        `sensitive APIs: ${r.sensitiveApis.join(', ')}\n`,
    );
  }
  process.stdout.write(
    `${volumeRow.id}  ${volumeRow.severity}  ${volumeRow.tactics.join(', ')}\n  ${volumeRow.description}\n`,
  );
}
