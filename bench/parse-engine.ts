// Item 1: what scoring costs next to JSON.parse, on the same corpus, measured interleaved.
import { countInMemory } from '../lambda/adapters/memory-state';
import { scoreRecord } from '../lambda/core/run';
import type { GeneratedEvent } from './corpus';
import { deployedScorers } from './scorers';
import { median } from './stats';

export interface ParseEngineResult {
  readonly events: number;
  readonly rounds: number;
  readonly parseEventsPerSec: number;
  readonly engineEventsPerSec: number;
  /** Median over rounds of (engine rate / parse rate) measured in the same round. */
  readonly engineVsParseRatio: number;
  /** The same engine made to parse every event (no skipping of unwatched ones): the ratio's floor. */
  readonly everyEventParsedEventsPerSec: number;
  readonly everyEventParsedVsParseRatio: number;
  /** Share of the corpus the run leaves unparsed because no rule watches it. */
  readonly unwatchedShare: number;
  readonly findingsPerPass: number;
  readonly ruleFailuresPerPass: number;
  readonly rules: number;
}

/** JSON.parse alone; touches a field so the work cannot be skipped. */
function parsePass(events: readonly GeneratedEvent[]): number {
  let sink = 0;
  for (const e of events) {
    const record = JSON.parse(e.body) as { eventName?: string };
    sink += record.eventName?.length ?? 0;
  }
  return sink;
}

/** First-seen observations are scored; judging them against profiles is the state table's work. */
interface Engines extends ReturnType<typeof deployedScorers> {
  /** The threshold counters, in memory (the run keeps them in DynamoDB). */
  readonly counters: Map<string, { ids: Set<string>; lastId: string }>;
}

/**
 * What a run's `score` does per event: events no rule watches are counted and left unparsed; the
 * rest are parsed and normalised, met by every rule indexed under their name and by the every-event
 * rules, counted by the threshold rules, and observed for first-seen profiles. `everyEvent` parses
 * all of them instead.
 */
function enginePass(
  engines: Engines,
  events: readonly GeneratedEvent[],
  everyEvent = false,
): { findings: number; failures: number; unwatched: number; observed: number } {
  const { thresholds, counters } = engines;
  let findings = 0;
  let failures = 0;
  let unwatched = 0;
  let observed = 0;
  for (const e of events) {
    const scored = scoreRecord(e, engines, everyEvent);
    if (scored.kind === 'unwatched') unwatched += 1;
    if (scored.kind !== 'scored') continue;
    findings += scored.evaluation?.findings.length ?? 0;
    failures += (scored.evaluation?.failures.length ?? 0) + (scored.counted?.failures.length ?? 0);
    for (const hit of scored.counted?.hits ?? []) {
      const result = countInMemory(counters, hit.counter, hit.event.eventId, hit.member);
      if (thresholds.verdict(hit, result)) findings += 1;
    }
    if (scored.observation) observed += 1;
  }
  return { findings, failures, unwatched, observed };
}

function timed<T>(fn: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

export function measureParseVsEngine(events: readonly GeneratedEvent[], rounds: number): ParseEngineResult {
  const engines: Engines = {
    ...deployedScorers(),
    counters: new Map(),
  };
  // Warm-up: let every path reach optimised code before anything is counted.
  parsePass(events);
  enginePass(engines, events, true);
  let last = enginePass(engines, events);
  const parseRates: number[] = [];
  const engineRates: number[] = [];
  const ratios: number[] = [];
  const everyEventRates: number[] = [];
  const everyEventRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so that drift (thermal, neighbours, GC debt) hits both sides alike.
    const parseFirst = round % 2 === 0;
    let parseMs = 0;
    let engineMs = 0;
    if (parseFirst) parseMs = timed(() => parsePass(events)).ms;
    const run = timed(() => enginePass(engines, events));
    engineMs = run.ms;
    last = run.value;
    const everyEventMs = timed(() => enginePass(engines, events, true)).ms;
    if (!parseFirst) parseMs = timed(() => parsePass(events)).ms;
    const parseRate = (events.length / parseMs) * 1000;
    const engineRate = (events.length / engineMs) * 1000;
    const everyEventRate = (events.length / everyEventMs) * 1000;
    parseRates.push(parseRate);
    engineRates.push(engineRate);
    ratios.push(engineRate / parseRate);
    everyEventRates.push(everyEventRate);
    everyEventRatios.push(everyEventRate / parseRate);
  }
  return {
    events: events.length,
    rounds,
    parseEventsPerSec: median(parseRates),
    engineEventsPerSec: median(engineRates),
    engineVsParseRatio: median(ratios),
    everyEventParsedEventsPerSec: median(everyEventRates),
    everyEventParsedVsParseRatio: median(everyEventRatios),
    unwatchedShare: last.unwatched / events.length,
    findingsPerPass: last.findings,
    ruleFailuresPerPass: last.failures,
    rules: engines.engine.rules.length + engines.thresholds.rules.length,
  };
}
