// The stateful detections of `trailwatch scan`: threshold rules and the anomaly checks, counted in
// memory as `poll` counts them, through the run's own page settlement (settlePage). Inputs are
// scored in parallel (worker threads) but counted here, in one place, batch by batch in the order
// they arrive: within an input that is time order; across inputs it is approximately so (files are
// sorted by the time in their names), which can change which event of a burst is the crossing one,
// never whether the burst is found.
import { MemoryStateStore } from '../lambda/adapters/memory-state';
import { composeScorers, THRESHOLD_RULES } from '../lambda/compose';
import { FirstSeenTracker, type Observation } from '../lambda/core/first-seen';
import { emptyPage, settlePage } from '../lambda/core/run';
import type { SuppressionList } from '../lambda/core/suppression';
import type { ThresholdHit } from '../lambda/core/threshold';
import { atLeast, type Severity, type TrailEvent } from '../lambda/core/types';
import { type FindingLine, toFindingLine } from './output';

/** A threshold hit as it crosses threads: its rule by id (rules hold functions, which do not). */
export interface WireHit {
  readonly ruleId: string;
  readonly subject: string;
  readonly member: string;
  readonly counter: ThresholdHit['counter'];
  readonly event: TrailEvent;
  /** `file:line` of the record. */
  readonly source: string;
}

/** An observation as it crosses threads, with where its record was. */
export interface WireObservation {
  readonly observation: Observation;
  readonly source: string;
}

/** What the stateful detections need of an event: its identity, never its request or response. */
export function slim(event: TrailEvent): TrailEvent {
  return { ...event, requestParameters: {}, responseElements: {}, additionalEventData: {}, raw: {} };
}

export function toWireHit(hit: ThresholdHit, source: string): WireHit {
  return {
    ruleId: hit.rule.id,
    subject: hit.subject,
    member: hit.member,
    counter: hit.counter,
    event: slim(hit.event),
    source,
  };
}

const THRESHOLDS = new Map(THRESHOLD_RULES.map((rule) => [rule.id, rule]));

/** Counts hits and judges observations, batch after batch, and hands back the findings' lines. */
export class StatefulScan {
  private readonly scorers = composeScorers({ dataEvents: true });
  private readonly state = new MemoryStateStore();
  private readonly tracker = this.scorers.firstSeen?.enabled
    ? new FirstSeenTracker(this.state, this.scorers.firstSeen)
    : undefined;
  /** Batches settle one after another, in arrival order. */
  private chain: Promise<void> = Promise.resolve();
  suppressed = 0;
  unreported: Record<Severity, number> = { info: 0, low: 0, medium: 0, high: 0, critical: 0 };

  constructor(
    private readonly reportAt: Severity,
    private readonly suppressions: SuppressionList,
    /** Suppression expiry and profile writes are judged at this time, once for the whole scan. */
    private readonly nowMs: number,
  ) {}

  /** Queues one batch; `emit` receives its findings' lines once it is settled. */
  add(
    hits: readonly WireHit[],
    observations: readonly WireObservation[],
    emit: (lines: FindingLine[]) => void,
  ): void {
    if (hits.length === 0 && observations.length === 0) return;
    this.chain = this.chain.then(async () => emit(await this.settle(hits, observations)));
  }

  /** Resolves once every batch queued so far is settled. */
  settled(): Promise<void> {
    return this.chain;
  }

  private async settle(
    wireHits: readonly WireHit[],
    wireObservations: readonly WireObservation[],
  ): Promise<FindingLine[]> {
    const sources = new Map<string, string>();
    const hits: ThresholdHit[] = [];
    for (const wire of wireHits) {
      const rule = THRESHOLDS.get(wire.ruleId);
      if (rule === undefined) continue;
      hits.push({
        rule,
        event: wire.event,
        subject: wire.subject,
        member: wire.member,
        counter: wire.counter,
      });
      sources.set(wire.event.eventId, wire.source);
    }
    for (const wire of wireObservations) sources.set(wire.observation.event.eventId, wire.source);
    const page = { ...emptyPage(), hits, observations: wireObservations.map((w) => w.observation) };
    const found = await settlePage(page, this.scorers.thresholds, this.state, this.tracker, () => this.nowMs);
    const lines: FindingLine[] = [];
    for (const finding of found) {
      if (!atLeast(finding.severity, this.reportAt)) {
        this.unreported[finding.severity] += 1;
        continue;
      }
      if (this.suppressions.match(finding, this.nowMs) !== undefined) {
        this.suppressed += 1;
        continue;
      }
      lines.push(toFindingLine(finding, sources.get(finding.event.eventId) ?? ''));
    }
    return lines;
  }
}
