// What the CLI prints: findings as a table or JSON lines on stdout, the summary and the progress
// bar on stderr. Every event field is attacker-controlled and goes through `sanitize` first; the
// table also cuts cells to width.
import type { Writable } from 'node:stream';
import { findingIdentity } from '../lambda/core/run';
import { sanitize } from '../lambda/core/sanitize';
import { type Finding, SEVERITIES, type Severity, severityRank } from '../lambda/core/types';
import { cell, HEADERS, layout, tableRow } from './table';

/** The version of a `--json` finding line; schema/finding-v1.schema.json describes it. */
export const FINDING_SCHEMA = 'trailwatch.finding/1';

/**
 * One finding as printed (`--json`: one of these per line, schema/finding-v1.schema.json). Every
 * string is sanitised. A change to the fields is a new version, `trailwatch.finding/2`.
 */
export interface FindingLine {
  readonly schema: typeof FINDING_SCHEMA;
  readonly ruleId: string;
  readonly severity: Severity;
  readonly title: string;
  readonly summary: string;
  readonly eventId: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly eventTime: string;
  readonly actor: string;
  readonly sourceIPAddress: string;
  readonly region: string;
  readonly accountId: string;
  readonly dedupKey: string;
  readonly mitre: readonly string[];
  /** Where the event was read: `file:line` (scan) or `cloudtrail:<region>` (poll). */
  readonly source: string;
}

export function toFindingLine(finding: Finding, source: string, fallbackRegion = ''): FindingLine {
  const { event } = finding;
  const { ruleId, severity, eventId, eventName, eventTime, actor } = findingIdentity(finding);
  return {
    schema: FINDING_SCHEMA,
    ruleId,
    severity,
    title: sanitize(finding.title, 200),
    summary: sanitize(finding.summary, 500),
    eventId,
    eventName,
    eventSource: sanitize(event.eventSource, 128),
    eventTime,
    actor,
    sourceIPAddress: sanitize(event.sourceIPAddress, 128),
    region: sanitize(event.awsRegion || fallbackRegion, 40),
    accountId: sanitize(event.recipientAccountId || event.actor.accountId, 20),
    dedupKey: sanitize(finding.dedupKey, 300),
    mitre: finding.mitre.map((m) => sanitize(m, 40)),
    source: sanitize(source, 300),
  };
}

/** Writes findings as they come: a table (header before the first row) or JSON lines. */
export class FindingPrinter {
  private headerDone = false;
  private readonly widths: number[];

  constructor(
    private readonly out: Writable,
    private readonly json: boolean,
    /** The width the table fits (`tableWidth`); undefined: the stable layout, for pipes and files. */
    private readonly columns?: number,
  ) {
    this.widths = layout(columns);
  }

  print(line: FindingLine): void {
    if (this.json) {
      this.out.write(`${JSON.stringify(line)}\n`);
      return;
    }
    const widths = this.widths;
    if (!this.headerDone) {
      this.headerDone = true;
      this.out.write(`${tableRow(HEADERS, widths, this.columns)}\n`);
    }
    this.out.write(
      `${tableRow(
        [
          line.eventTime.replace(/\.\d+Z$/, 'Z'),
          line.severity,
          line.ruleId,
          line.eventName,
          shortActor(line.actor),
          line.sourceIPAddress,
          line.region,
        ],
        widths,
        this.columns,
      )}\n`,
    );
  }
}

/** `arn:aws:sts::111122223333:assumed-role/Admin/alice` -> `111122223333:assumed-role/Admin/alice`. */
export function shortActor(actor: string): string {
  return actor.replace(/^arn:aws[a-z-]*:(?:iam|sts)::/, '');
}

export type SeverityCounts = Record<Severity, number>;

export function zeroCounts(): SeverityCounts {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;
}

/** `2 critical, 1 high` (most severe first; zeros left out); `none` when empty. */
export function formatCounts(counts: SeverityCounts): string {
  const parts = [...SEVERITIES]
    .sort((a, b) => severityRank(b) - severityRank(a))
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

export function total(counts: SeverityCounts): number {
  return SEVERITIES.reduce((sum, s) => sum + counts[s], 0);
}

/**
 * A one-line progress bar on a terminal, redrawn at most every 200 ms; nothing otherwise. Whoever
 * writes to the terminal calls clear() first. It never wraps (`\r` then erase-line clears one line).
 */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly err: NodeJS.WriteStream | Writable,
    private readonly enabled: boolean,
    private readonly totalBytes: number | undefined,
    private readonly startedMs: number,
    /** The terminal's width: the bar is cut one short of it. */
    private readonly columns?: number,
  ) {}

  update(bytes: number, events: number, nowMs: number, force = false): void {
    if (!this.enabled || (!force && nowMs - this.lastDraw < 200)) return;
    this.lastDraw = nowMs;
    const seconds = Math.max(0.001, (nowMs - this.startedMs) / 1000);
    const rate = `${formatNumber(events / seconds)} events/s`;
    let text: string;
    if (this.totalBytes && this.totalBytes > 0) {
      const ratio = Math.min(1, bytes / this.totalBytes);
      const width = 24;
      const filled = Math.round(ratio * width);
      text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${formatBytes(bytes)}/${formatBytes(this.totalBytes)}  ${formatNumber(events)} events  ${rate}`;
    } else {
      text = `${bytes > 0 ? `${formatBytes(bytes)}  ` : ''}${formatNumber(events)} events  ${rate}`;
    }
    if (this.columns && this.columns > 1) text = cell(text, this.columns - 1).trimEnd();
    this.err.write(`\r\x1b[K${text}`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.err.write('\r\x1b[K');
    this.drawn = false;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${bytes} B`;
}

function formatNumber(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return String(Math.round(n));
}
