// `npm run corpus -- <cases.jsonl> [--json] [--misses]`: runs labelled public CloudTrail test cases
// (one JSON object a line: ruleId, expected, record, enabled, hasMocks, threshold) through the
// engine, as an outsider would, and prints how many positives trailwatch raises and how many
// negatives it pages on. The cases are read from the path given; none are kept in this repository.
import { readFileSync } from 'node:fs';
import { composeScorers } from '../lambda/compose';
import { normalizeRecord } from '../lambda/core/event';
import { scoreEvent } from '../lambda/core/run';
import { atLeast, isSeverity, type JsonObject } from '../lambda/core/types';

interface Case {
  readonly ruleId: string;
  readonly testName: string;
  readonly expected: boolean;
  /** The library's own static severity: Info, Low, Medium, High or Critical. */
  readonly severity?: string;
  readonly enabled?: boolean;
  readonly hasMocks?: boolean;
  readonly record: JsonObject;
}

/** S3 object-level and other data-plane calls: LookupEvents never returns them. */
const DATA_EVENT_NAMES = new Set([
  'GetObject',
  'PutObject',
  'CopyObject',
  'DeleteObject',
  'DeleteObjects',
  'HeadObject',
  'GetObjectAcl',
  'PutObjectAcl',
  'RestoreObject',
  'SelectObjectContent',
  'UploadPart',
  'CreateMultipartUpload',
  'CompleteMultipartUpload',
  'Invoke',
  'GetItem',
  'PutItem',
  'Query',
  'Scan',
]);

/** Why a case is outside what LookupEvents can show, or undefined when it is in scope. */
function outOfScope(c: Case): string | undefined {
  const r = c.record;
  if (c.enabled === false) return 'the rule is disabled in its library';
  if (c.hasMocks) return 'its outcome depends on mocked lookups';
  const category = typeof r.eventCategory === 'string' ? r.eventCategory : 'Management';
  if (category !== 'Management') return `${category} event (not in Event history)`;
  if (r.managementEvent === false || r.managementEvent === 'False')
    return 'data event (not in Event history)';
  if (typeof r.eventName === 'string' && DATA_EVENT_NAMES.has(r.eventName))
    return 'data event (not in Event history)';
  return undefined;
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) {
    process.stderr.write('usage: npm run corpus -- <cases.jsonl> [--json] [--misses]\n');
    process.exit(2);
  }
  const cases: Case[] = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as Case;
      } catch (error) {
        throw new Error(`${file}:${i + 1}: not JSON (${(error as Error).message})`);
      }
    });
  // The per-event path of a run (scoreEvent), without the anomaly checks: single cases carry no history.
  const scorers = composeScorers({ firstSeen: { dimensions: [], learningMs: 0 } });
  const excluded = new Map<string, number>();
  const positives = { total: 0, finding: 0, alert: 0, counted: 0, raised: 0, asSevere: 0, medium: 0 };
  const negatives = { total: 0, alert: 0, medium: 0 };
  const misses: string[] = [];
  const milder: string[] = [];
  const noisy: string[] = [];
  const perRule = new Map<string, { positives: number; raised: number }>();
  for (const [index, c] of cases.entries()) {
    const reason = outOfScope(c);
    if (reason) {
      excluded.set(reason, (excluded.get(reason) ?? 0) + 1);
      continue;
    }
    // LookupEvents always gives the event id in its envelope; some curated records lack eventID.
    const parsed = normalizeRecord(c.record, { eventId: `case-${index + 1}` });
    const scored = parsed.ok ? scoreEvent(parsed.event, scorers) : undefined;
    const findings = scored?.kind === 'scored' ? (scored.evaluation?.findings ?? []) : [];
    const counted = scored?.kind === 'scored' ? (scored.counted?.hits ?? []) : [];
    const alerts = findings.filter((f) => atLeast(f.severity, 'high'));
    const label = `${c.ruleId}: ${c.testName}`;
    if (c.expected) {
      positives.total += 1;
      const raised = alerts.length > 0 || counted.length > 0;
      if (findings.length > 0) positives.finding += 1;
      if (alerts.length > 0) positives.alert += 1;
      if (counted.length > 0) positives.counted += 1;
      if (raised) positives.raised += 1;
      if (raised || findings.some((f) => atLeast(f.severity, 'medium'))) positives.medium += 1;
      // As severe as the library itself rates the case (the comparison it invites).
      const theirs = c.severity?.toLowerCase();
      if (counted.length > 0 || (isSeverity(theirs) && findings.some((f) => atLeast(f.severity, theirs))))
        positives.asSevere += 1;
      else
        milder.push(
          `${label} (${theirs}) -> ${findings.map((f) => `${f.ruleId} (${f.severity})`).join(', ') || 'nothing'}`,
        );
      if (!raised)
        misses.push(
          `${label} -> ${findings.map((f) => `${f.ruleId} (${f.severity})`).join(', ') || 'nothing'}`,
        );
      const rule = perRule.get(c.ruleId) ?? { positives: 0, raised: 0 };
      rule.positives += 1;
      if (raised) rule.raised += 1;
      perRule.set(c.ruleId, rule);
    } else {
      negatives.total += 1;
      if (findings.some((f) => atLeast(f.severity, 'medium'))) negatives.medium += 1;
      if (alerts.length > 0) {
        negatives.alert += 1;
        noisy.push(`${label} -> ${alerts.map((f) => `${f.ruleId} (${f.severity})`).join(', ')}`);
      }
    }
  }
  const pct = (n: number, d: number) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);
  const summary = {
    cases: cases.length,
    inScope: positives.total + negatives.total,
    excluded: Object.fromEntries(excluded),
    positives,
    negatives,
    rulesWithPositives: perRule.size,
    rulesFullyRaised: [...perRule.values()].filter((r) => r.raised === r.positives).length,
  };
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ ...summary, misses, milder, noisy })}\n`);
    return;
  }
  const out = process.stdout;
  out.write(`${summary.cases} cases, ${summary.inScope} in scope (management events LookupEvents returns)\n`);
  for (const [why, n] of excluded) out.write(`  excluded ${n}: ${why}\n`);
  out.write(
    `positives ${positives.total}: raised ${positives.raised} (${pct(positives.raised, positives.total)}): ` +
      `a high or critical alert on ${positives.alert}, counted by a threshold rule on ${positives.counted}; ` +
      `any finding at all on ${positives.finding} (${pct(positives.finding, positives.total)})\n`,
  );
  out.write(
    `  at minSeverity medium (email for medium too): raised ${positives.medium} (${pct(positives.medium, positives.total)}); ` +
      `a finding at least as severe as the library's own rating: ${positives.asSevere} (${pct(positives.asSevere, positives.total)})\n`,
  );
  out.write(
    `negatives ${negatives.total}: high or critical alert on ${negatives.alert} (${pct(negatives.alert, negatives.total)}); ` +
      `medium or above on ${negatives.medium} (${pct(negatives.medium, negatives.total)})\n`,
  );
  out.write(
    `Panther rules with in-scope positives: ${summary.rulesWithPositives}, all positives raised for ${summary.rulesFullyRaised}\n`,
  );
  if (args.includes('--misses')) {
    out.write('\nPositives not raised:\n');
    for (const m of misses) out.write(`  ${m}\n`);
    out.write('\nPositives rated milder than the library rates them:\n');
    for (const m of milder) out.write(`  ${m}\n`);
    out.write('\nNegatives paged on:\n');
    for (const n of noisy) out.write(`  ${n}\n`);
  }
}

main();
