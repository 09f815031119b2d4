// Item 1: what scoring costs next to JSON.parse, on the same corpus, measured interleaved.
import { Engine } from '../lambda/core/engine';
import { parseCloudTrailEvent } from '../lambda/core/event';
import { RULES } from '../lambda/rules';
import type { GeneratedEvent } from './corpus';
import { median } from './stats';

export interface ParseEngineResult {
  readonly events: number;
  readonly rounds: number;
  readonly parseEventsPerSec: number;
  readonly engineEventsPerSec: number;
  /** Median over rounds of (engine rate / parse rate) measured in the same round. */
  readonly engineVsParseRatio: number;
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

/** What a run does per event: parse + normalise, then every rule indexed under the event name. */
function enginePass(
  engine: Engine,
  events: readonly GeneratedEvent[],
): { findings: number; failures: number } {
  let findings = 0;
  let failures = 0;
  for (const e of events) {
    const parsed = parseCloudTrailEvent(e.body, e);
    if (!parsed.ok) continue;
    const evaluation = engine.evaluate(parsed.event);
    findings += evaluation.findings.length;
    failures += evaluation.failures.length;
  }
  return { findings, failures };
}

function timed<T>(fn: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

export function measureParseVsEngine(events: readonly GeneratedEvent[], rounds: number): ParseEngineResult {
  const engine = new Engine(RULES);
  // Warm-up: let both paths reach optimised code before anything is counted.
  parsePass(events);
  let last = enginePass(engine, events);
  const parseRates: number[] = [];
  const engineRates: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so that drift (thermal, neighbours, GC debt) hits both sides alike.
    const parseFirst = round % 2 === 0;
    let parseMs = 0;
    let engineMs = 0;
    if (parseFirst) parseMs = timed(() => parsePass(events)).ms;
    const run = timed(() => enginePass(engine, events));
    engineMs = run.ms;
    last = run.value;
    if (!parseFirst) parseMs = timed(() => parsePass(events)).ms;
    const parseRate = (events.length / parseMs) * 1000;
    const engineRate = (events.length / engineMs) * 1000;
    parseRates.push(parseRate);
    engineRates.push(engineRate);
    ratios.push(engineRate / parseRate);
  }
  return {
    events: events.length,
    rounds,
    parseEventsPerSec: median(parseRates),
    engineEventsPerSec: median(engineRates),
    engineVsParseRatio: median(ratios),
    findingsPerPass: last.findings,
    ruleFailuresPerPass: last.failures,
    rules: RULES.length,
  };
}
