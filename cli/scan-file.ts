// Scans one input: records -> events -> time order -> the run's per-event scoring -> findings, and
// for the stateful detections threshold hits and profile observations, which the main thread
// counts (scan-stateful.ts). Runs the same way in the main thread and in a worker; what it reports
// back is plain data.
import { composeScorers } from '../lambda/compose';
import { isObject, normalizeRecord, type ParseResult, parseCloudTrailEvent, str } from '../lambda/core/event';
import { type Scorers, scoreEvent } from '../lambda/core/run';
import { sanitize } from '../lambda/core/sanitize';
import type { SuppressionList } from '../lambda/core/suppression';
import { atLeast, type Finding, type Severity, type TrailEvent } from '../lambda/core/types';
import { InputError, type Opener, readPieces } from './input';
import type { Piece } from './json-splitter';
import { type FindingLine, type SeverityCounts, toFindingLine, zeroCounts } from './output';
import { slim, toWireHit, type WireHit, type WireObservation } from './scan-stateful';
import { TimeOrderBuffer } from './time-order';

export interface ScanSettings {
  /** Findings below this are only counted. */
  readonly reportAt: Severity;
  readonly suppressions: SuppressionList;
  /** Suppression expiry is judged at this time, once for the whole scan. */
  readonly nowMs: number;
  /** Events held back to put a roughly ordered file in exact time order. */
  readonly reorderWindow: number;
  /** Problems printed per input; the rest are counted. */
  readonly maxMessagesPerInput: number;
  /** Also collect threshold hits and profile observations (the stateful detections). */
  readonly stateful: boolean;
  /** --since / --until: events outside these inclusive bounds (or with no time) are not scored. */
  readonly sinceMs?: number | undefined;
  readonly untilMs?: number | undefined;
}

export interface InputStats {
  events: number;
  /** Records cut out of the input that are not events (bad JSON, not an object, no eventID). */
  unparseable: number;
  /** The input itself could not be read on (missing, not JSON, truncated gzip). */
  failed: boolean;
  /** The file system refused it (missing, permission denied, a read error): the scan is incomplete. */
  unreadable: boolean;
  /** Events left out by --since / --until. */
  outsideWindow: number;
  /** Problems found (unparseable records and input failures), printed or not. */
  problems: number;
  /** Problem lines for stderr, each naming the input and the line or record. */
  messages: string[];
  suppressed: number;
  /** Findings below `reportAt`, by severity (not printed). */
  unreported: SeverityCounts;
  ruleFailures: number;
}

export interface ScanSink {
  findings(lines: FindingLine[]): void;
  /** Bytes read and events parsed since the last call. */
  progress(bytes: number, events: number): void;
  /** Threshold hits and profile observations since the last call, for the stateful detections. */
  stateful(hits: WireHit[], observations: WireObservation[]): void;
}

/** Scores events one at a time, in time order, as a run scores them (scoreEvent). */
export class Scorer {
  private readonly scorers: Scorers;
  ruleFailures = 0;

  constructor(stateful: boolean) {
    this.scorers = composeScorers({ stateful, dataEvents: true });
  }

  score(
    event: TrailEvent,
    source: string,
    hits: WireHit[],
    observations: WireObservation[],
  ): readonly Finding[] {
    const scored = scoreEvent(event, this.scorers);
    if (scored.kind !== 'scored') return [];
    const evaluation = scored.evaluation;
    this.ruleFailures += (evaluation?.failures.length ?? 0) + (scored.counted?.failures.length ?? 0);
    for (const hit of scored.counted?.hits ?? []) hits.push(toWireHit(hit, source));
    if (scored.observation) {
      observations.push({
        observation: { ...scored.observation, event: slim(scored.observation.event) },
        source,
      });
    }
    return evaluation?.findings ?? [];
  }
}

interface Located {
  readonly event: TrailEvent;
  readonly where: string;
}

/**
 * Scans `path` (`-` for stdin, or an S3 object's opener), displayed as `name`; never throws for a
 * problem of the input.
 */
export async function scanInput(
  path: string | Opener,
  name: string,
  settings: ScanSettings,
  sink: ScanSink,
): Promise<InputStats> {
  const stats: InputStats = {
    events: 0,
    unparseable: 0,
    failed: false,
    unreadable: false,
    outsideWindow: 0,
    problems: 0,
    messages: [],
    suppressed: 0,
    unreported: zeroCounts(),
    ruleFailures: 0,
  };
  const problem = (where: string, message: string): void => {
    stats.problems += 1;
    if (stats.messages.length < settings.maxMessagesPerInput) {
      stats.messages.push(`${name}${where}: ${sanitize(message, 300)}`);
    }
  };
  const scorer = new Scorer(settings.stateful);
  const ordered = new TimeOrderBuffer<Located>(settings.reorderWindow, (l) => l.event.eventTimeMs);
  let pending: FindingLine[] = [];
  let hits: WireHit[] = [];
  let observations: WireObservation[] = [];
  const flush = (): void => {
    if (pending.length > 0) sink.findings(pending);
    if (hits.length > 0 || observations.length > 0) sink.stateful(hits, observations);
    pending = [];
    hits = [];
    observations = [];
  };
  let bytes = 0;
  let eventsReported = 0;
  const score = (located: Located): void => {
    const source = `${name}${located.where}`;
    for (const finding of scorer.score(located.event, source, hits, observations)) {
      if (!atLeast(finding.severity, settings.reportAt)) {
        stats.unreported[finding.severity] += 1;
        continue;
      }
      if (settings.suppressions.match(finding, settings.nowMs) !== undefined) {
        stats.suppressed += 1;
        continue;
      }
      pending.push(toFindingLine(finding, source));
    }
  };
  try {
    for await (const pieces of readPieces(path, { onBytes: (n) => (bytes += n) })) {
      for (const piece of pieces) {
        const where = locate(piece);
        if (piece.kind === 'error') {
          problem(where, piece.message);
          if (piece.message.startsWith('the input ends')) stats.failed = true;
          continue;
        }
        const parsed = toEvent(piece.text);
        if (!parsed.ok) {
          stats.unparseable += 1;
          problem(where, parsed.reason);
          continue;
        }
        stats.events += 1;
        if (!inWindow(parsed.event.eventTimeMs, settings)) {
          stats.outsideWindow += 1;
          continue;
        }
        const released = ordered.push({ event: parsed.event, where });
        if (released !== undefined) score(released);
      }
      flush();
      sink.progress(bytes, stats.events - eventsReported);
      bytes = 0;
      eventsReported = stats.events;
    }
  } catch (error) {
    stats.failed = true;
    if (error instanceof InputError && error.unreadable) stats.unreadable = true;
    problem('', error instanceof InputError ? error.message : `internal error: ${String(error)}`);
  }
  // Whatever was read before a failure is still scored.
  for (const located of ordered.drain()) score(located);
  flush();
  sink.progress(bytes, stats.events - eventsReported);
  stats.ruleFailures = scorer.ruleFailures;
  if (stats.problems > stats.messages.length) {
    stats.messages.push(`${name}: ... ${stats.problems - stats.messages.length} more problems not shown`);
  }
  return stats;
}

/** Inclusive bounds; an event with no time is outside any bound. */
function inWindow(timeMs: number, { sinceMs, untilMs }: ScanSettings): boolean {
  if (sinceMs === undefined && untilMs === undefined) return true;
  if (Number.isNaN(timeMs)) return false;
  return (sinceMs === undefined || timeMs >= sinceMs) && (untilMs === undefined || timeMs <= untilMs);
}

/** `:1: Records[3]` for a document, `:17` for a line. */
function locate(piece: Piece): string {
  if (piece.index < 0) return `:${piece.line}`;
  return `:${piece.line}: ${piece.key}[${piece.index}]`;
}

/** A record of a trail file or JSON lines, or an element of `lookup-events` output. */
export function toEvent(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, eventId: '', reason: `not valid JSON (${(error as Error).message})` };
  }
  if (!isObject(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { ok: false, eventId: '', reason: `record is ${kind}, not a JSON object` };
  }
  // `aws cloudtrail lookup-events`: the record is a string inside an envelope.
  if (typeof value.CloudTrailEvent === 'string') {
    const time = value.EventTime;
    const eventTimeMs =
      typeof time === 'number' ? time * 1000 : typeof time === 'string' ? Date.parse(time) : undefined;
    return parseCloudTrailEvent(value.CloudTrailEvent, {
      eventId: str(value.EventId) || undefined,
      eventName: str(value.EventName) || undefined,
      eventSource: str(value.EventSource) || undefined,
      eventTimeMs,
    });
  }
  return normalizeRecord(value);
}
