import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIo } from '../../cli/io';
import { rulesCommand } from '../../cli/rules';
import { severityRank } from '../../lambda/core/types';
import { RULES, THRESHOLD_RULES } from '../../lambda/rules';
import { coverageMarkdown, loadPeerSets, type PeerSummary, summarize } from '../../tools/peer-coverage';
import { RANGES_FILE, rangesText, severityRanges } from '../../tools/severity-ranges';
import { jsonLines, runCli } from './support/run-cli';

const committedRanges = JSON.parse(readFileSync(RANGES_FILE, 'utf8')) as {
  ranges: Record<string, { min: string; max: string }>;
};

describe('trailwatch rules', () => {
  it('--json lists every rule with id, severity range, MITRE, event names and title', async () => {
    const { code, stdout } = await runCli(['rules', '--json']);
    expect(code).toBe(0);
    const all = jsonLines(stdout);
    const lines = all.filter((l) => l.kind === 'rule');
    expect(lines.map((l) => l.id)).toEqual(RULES.map((r) => r.id));
    // Then the threshold rules and the two anomaly checks, each with its kind.
    expect(all.filter((l) => l.kind === 'threshold').map((l) => l.id)).toEqual(
      THRESHOLD_RULES.map((r) => r.id),
    );
    expect(all.filter((l) => l.kind === 'threshold').every((l) => typeof l.threshold === 'number')).toBe(
      true,
    );
    expect(all.slice(-2).map((l) => [l.kind, l.id])).toEqual([
      ['first-seen', 'anomaly.first-seen'],
      ['write-volume', 'anomaly.write-volume'],
    ]);
    expect(all.find((l) => l.id === 'cloudtrail.logging-stopped')?.tactics).toEqual(['Defense Evasion']);
    for (const [i, line] of lines.entries()) {
      const rule = RULES[i];
      expect(line).toMatchObject({
        severity:
          typeof rule?.severity === 'function'
            ? committedRanges.ranges[rule.id]
            : { min: rule?.severity, max: rule?.severity },
        mitre: rule?.mitre,
        eventNames: rule?.eventNames,
        title: rule?.title,
      });
    }
  });

  it('prints a table with a count', async () => {
    const { code, stdout } = await runCli(['rules']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^RULE\s+SEVERITY\s+TACTICS\s+TITLE/);
    expect(stdout).toMatch(/cloudtrail\.logging-stopped +high-critical +Defense Evasion/);
    expect(stdout).not.toContain('varies');
    expect(stdout).toContain('MITRE TA0005:T1562.008');
    expect(stdout).toContain('ConsoleLogin; 5 in 15 min');
    expect(stdout).toMatch(
      new RegExp(
        `${RULES.length} rules over \\d+ event names, ${THRESHOLD_RULES.length} threshold rules, 2 anomaly checks`,
      ),
    );
  });
});

describe('severity ranges', () => {
  it('are what the rules give their fixtures (regenerate with npx tsx tools/severity-ranges.ts)', () => {
    // A failure here means a severity function or a fixture changed: the printed range would be stale.
    expect(readFileSync(RANGES_FILE, 'utf8')).toBe(rangesText(severityRanges()));
  });

  it('cover every stated fixture severity, and are never "varies"', async () => {
    const lines = jsonLines((await runCli(['rules', '--json'])).stdout);
    for (const line of lines) {
      const { min, max } = line.severity as { min: 'info'; max: 'info' };
      expect(severityRank(min)).toBeLessThanOrEqual(severityRank(max));
      if (line.kind !== 'rule') continue;
      const fixture = JSON.parse(
        readFileSync(join(__dirname, '..', 'fixtures', 'rules', `${line.id}.json`), 'utf8'),
      ) as { positive: Array<{ severity: 'info' }> };
      for (const { severity } of fixture.positive) {
        expect([line.id, severityRank(severity) >= severityRank(min)]).toEqual([line.id, true]);
        expect([line.id, severityRank(severity) <= severityRank(max)]).toEqual([line.id, true]);
      }
    }
    expect(lines.find((l) => l.id === 'cloudtrail.logging-stopped')?.severity).toEqual({
      min: 'high',
      max: 'critical',
    });
    // First seen: computed over every combination of new dimensions.
    expect(lines.find((l) => l.id === 'anomaly.first-seen')?.severity).toEqual({ min: 'low', max: 'high' });
  });
});

describe('docs/detections.md', () => {
  it('is what `trailwatch rules --markdown` prints, then the peer coverage (regenerate with npm run docs)', async () => {
    let printed = '';
    const io = {
      stdout: {
        write: (text: string) => {
          printed += text;
          return true;
        },
      },
      stderr: { write: () => true },
      env: {},
      nowMs: () => 0,
    };
    expect(rulesCommand(['--markdown'], io as unknown as CliIo)).toBe(0);
    const summaries: PeerSummary[] = [];
    for (const set of loadPeerSets()) summaries.push(await summarize(set));
    const committed = readFileSync(join(__dirname, '..', '..', 'docs', 'detections.md'), 'utf8');
    // A failure here means a rule or a peer mapping changed without `npm run docs`.
    expect(committed).toBe(printed + coverageMarkdown(summaries));
  });
});
