// Prints each input's findings and problems in input order, however the inputs finish (worker
// threads finish out of order), and adds up what the scan saw.
import { atLeast, type Severity } from '../lambda/core/types';
import type { CliIo } from './io';
import { type FindingLine, type FindingPrinter, type ProgressBar, zeroCounts } from './output';
import type { InputStats } from './scan-file';

export const REPORTABLE: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export class OrderedMerge {
  private current = 0;
  private readonly waiting = new Map<number, { lines: FindingLine[]; stats?: InputStats }>();
  private readonly seen = new Set<string>();
  readonly totals = {
    events: 0,
    unparseable: 0,
    problems: 0,
    failedInputs: 0,
    /** Inputs the file system refused (missing, permission denied, a read error). */
    unreadable: 0,
    /** Events left out by --since / --until. */
    outsideWindow: 0,
    suppressed: 0,
    duplicates: 0,
    ruleFailures: 0,
    /** Findings reported (deduplicated) and at or above --min-severity. */
    shown: zeroCounts(),
    /** Reported for --fail-on but below --min-severity. */
    hidden: 0,
    hiddenCounts: zeroCounts(),
    unreported: zeroCounts(),
  };

  constructor(
    private readonly count: number,
    private readonly printer: FindingPrinter,
    private readonly minSeverity: Severity,
    private readonly io: CliIo,
    private readonly progress: ProgressBar,
  ) {}

  /** Reported findings at or above `level`, shown or not. */
  failing(level: Severity): number {
    return REPORTABLE.filter((s) => atLeast(s, level)).reduce(
      (sum, s) => sum + this.totals.shown[s] + this.totals.hiddenCounts[s],
      0,
    );
  }

  findings(id: number, lines: FindingLine[]): void {
    if (id === this.current) this.emit(lines);
    else this.slot(id).lines.push(...lines);
  }

  done(id: number, stats: InputStats): void {
    this.slot(id).stats = stats;
    while (this.current < this.count) {
      const slot = this.waiting.get(this.current);
      if (slot === undefined) break;
      this.emit(slot.lines);
      slot.lines = [];
      if (slot.stats === undefined) break;
      this.finish(slot.stats);
      this.waiting.delete(this.current);
      this.current++;
    }
  }

  private slot(id: number): { lines: FindingLine[]; stats?: InputStats } {
    let slot = this.waiting.get(id);
    if (slot === undefined) {
      slot = { lines: [] };
      this.waiting.set(id, slot);
    }
    return slot;
  }

  private emit(lines: readonly FindingLine[]): void {
    for (const line of lines) {
      // CloudTrail may deliver an event twice, and inputs may overlap: one finding per event and rule.
      const key = `${line.eventId}#${line.ruleId}`;
      if (line.eventId !== '' && this.seen.has(key)) {
        this.totals.duplicates++;
        continue;
      }
      this.seen.add(key);
      if (atLeast(line.severity, this.minSeverity)) {
        this.totals.shown[line.severity]++;
        // The bar shares the terminal with stdout: a finding never lands on its line.
        this.progress.clear();
        this.printer.print(line);
      } else {
        this.totals.hidden++;
        this.totals.hiddenCounts[line.severity]++;
      }
    }
  }

  private finish(stats: InputStats): void {
    const t = this.totals;
    t.events += stats.events;
    t.unparseable += stats.unparseable;
    t.problems += stats.problems;
    t.suppressed += stats.suppressed;
    t.ruleFailures += stats.ruleFailures;
    t.outsideWindow += stats.outsideWindow;
    if (stats.failed) t.failedInputs++;
    if (stats.unreadable) t.unreadable++;
    for (const [severity, n] of Object.entries(stats.unreported) as Array<[Severity, number]>) {
      t.unreported[severity] += n;
    }
    if (stats.messages.length > 0) {
      this.progress.clear();
      for (const message of stats.messages) this.io.stderr.write(`trailwatch: ${message}\n`);
    }
  }
}
