import { RULES } from '../../lambda/rules';
import { jsonLines, runCli } from './support/run-cli';

describe('trailwatch rules', () => {
  it('--json lists every rule with id, severity, MITRE, event names and title', async () => {
    const { code, stdout } = await runCli(['rules', '--json']);
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines.map((l) => l.id)).toEqual(RULES.map((r) => r.id));
    for (const [i, line] of lines.entries()) {
      const rule = RULES[i];
      expect(line).toMatchObject({
        severity: typeof rule?.severity === 'function' ? 'varies' : rule?.severity,
        mitre: rule?.mitre,
        eventNames: rule?.eventNames,
        title: rule?.title,
      });
    }
  });

  it('prints a table with a count', async () => {
    const { code, stdout } = await runCli(['rules']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^RULE\s+SEVERITY\s+MITRE\s+TITLE/);
    expect(stdout).toContain('cloudtrail.logging-stopped');
    expect(stdout).toContain('varies');
    expect(stdout).toContain(`${RULES.length} rules over`);
  });
});
