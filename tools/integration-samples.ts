// The sample messages in docs/integrations (a Slack notification, a Security Hub finding), rendered
// by the outputs' own code from a rule fixture, so that the pages show what trailwatch sends.
// test/unit/integration-samples.test.ts fails while a page differs from what this writes.
//
// Regenerate: npx tsx tools/integration-samples.ts (part of `npm run docs`)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeScorers, detectionOf } from '../lambda/compose';
import { renderAlert } from '../lambda/core/alert';
import { normalizeRecord } from '../lambda/core/event';
import { chatNotification } from '../lambda/core/outputs/chat';
import { parseDocument } from '../lambda/core/outputs/document';
import { asffFindings, parseProductArn } from '../lambda/core/outputs/security-hub';
import type { JsonObject } from '../lambda/core/types';
import { TEST_CONTEXT } from '../test/support/rule-context';

const ROOT = join(__dirname, '..');
export const SAMPLE_PAGES = {
  slack: join(ROOT, 'docs', 'integrations', 'chat.md'),
  'security-hub': join(ROOT, 'docs', 'integrations', 'security-hub.md'),
} as const;

/** The first positive fixture of CloudTrail logging stopped, as an alert's machine document. */
function sampleDocument(): string {
  const fixtures = JSON.parse(
    readFileSync(join(ROOT, 'test', 'fixtures', 'rules', 'cloudtrail.logging-stopped.json'), 'utf8'),
  ) as { positive: Array<{ record: JsonObject }> };
  const parsed = normalizeRecord(fixtures.positive[0]!.record);
  if (!parsed.ok) throw new Error(`the fixture does not parse: ${parsed.reason}`);
  const event = parsed.event;
  const { engine } = composeScorers({ ownResources: TEST_CONTEXT.ownResources, stateful: false });
  const finding = engine.evaluate(event).findings.find((f) => f.ruleId === 'cloudtrail.logging-stopped');
  if (!finding) throw new Error('the fixture no longer makes a cloudtrail.logging-stopped finding');
  const details = detectionOf(finding.ruleId);
  const alert = renderAlert(finding, { details, generatedAtMs: event.eventTimeMs });
  return (JSON.parse(alert.message) as { https: string }).https;
}

/** Each page's sample, as the fenced JSON block that goes between its markers. */
export function samples(): Record<keyof typeof SAMPLE_PAGES, string> {
  const text = sampleDocument();
  const document = parseDocument(text);
  const item = { key: 'sample', severity: document.severity, eventTimeMs: 0, document: text };
  const target = parseProductArn('arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default');
  const [finding] = asffFindings(document, item, target, Date.parse('2026-11-20T09:20:00Z'));
  const block = (value: unknown) => `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
  return { slack: block(chatNotification(document)), 'security-hub': block(finding) };
}

const START = (name: string) => `<!-- SAMPLE: ${name} -->`;
const END = '<!-- /SAMPLE -->';

/** The page with its sample between the markers (an empty pair is filled in). */
export function withSample(page: string, name: string, sample: string): string {
  const start = page.indexOf(START(name));
  if (start < 0) throw new Error(`no ${START(name)} marker`);
  const after = start + START(name).length;
  const end = page.indexOf(END, after);
  const tail = end < 0 ? page.slice(after) : page.slice(end + END.length);
  return `${page.slice(0, after)}\n${sample}\n${END}${tail}`;
}

if (require.main === module) {
  for (const [name, sample] of Object.entries(samples())) {
    const file = SAMPLE_PAGES[name as keyof typeof SAMPLE_PAGES];
    writeFileSync(file, withSample(readFileSync(file, 'utf8'), name, sample));
  }
}
