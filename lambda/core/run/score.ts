// Scoring: what a run does with each record, and with each page of them. Shared by the scheduled
// run, the command line's scan and poll, and the benchmarks, so that all of them score alike.
import type { Engine, Evaluation, RuleFailure } from '../engine';
import { parseCloudTrailEvent, parseRecordHead } from '../event';
import type { FirstSeen, FirstSeenTracker, Observation } from '../first-seen';
import type { CounterStore, LookupEventRecord } from '../ports';
import type { ThresholdCandidates, ThresholdEngine, ThresholdHit } from '../threshold';
import type { Finding, TrailEvent } from '../types';
import { Watchlist } from '../watch';

/** What scores events: the event rules, the threshold rules and the first-seen checks. */
export interface Scorers {
  readonly engine: Engine;
  readonly thresholds?: ThresholdEngine | undefined;
  readonly firstSeen?: FirstSeen | undefined;
}

/** One record as a run scores it; the state work (counting, profiles) comes after, per page. */
export type ScoredRecord =
  | { readonly kind: 'unwatched' }
  | { readonly kind: 'unparseable'; readonly eventId: string; readonly reason: string }
  | {
      readonly kind: 'scored';
      /** Undefined when only a first-seen profile needed the event (its head was parsed). */
      readonly evaluation: Evaluation | undefined;
      readonly counted: ThresholdCandidates | undefined;
      readonly observation: Observation | undefined;
    };

const UNWATCHED: ScoredRecord = Object.freeze({ kind: 'unwatched' });

/**
 * What a run does with each record, and what the bench measures. An event no rule can match is
 * counted and left unparsed: most of a trail (reads nobody watches) is, and skipping its
 * `JSON.parse` is most of the scoring cost; a malformed body there goes unreported, since no rule
 * would have looked at it. An event only a first-seen profile needs is parsed up to its request
 * (`parseRecordHead`). `parseAll` parses and scores every event (the bench's floor).
 */
export function scoreRecord(record: LookupEventRecord, scorers: Scorers, parseAll = false): ScoredRecord {
  const watch = parseAll ? 'rules' : watchOf(record, scorers);
  if (watch === 'none') return UNWATCHED;
  const parsed =
    watch === 'rules' ? parseCloudTrailEvent(record.body, record) : parseRecordHead(record.body, record);
  if (!parsed.ok) return { kind: 'unparseable', eventId: parsed.eventId, reason: parsed.reason };
  return scoreEvent(parsed.event, scorers, watch === 'rules');
}

/**
 * One parsed event through the scorers: the event rules' verdicts, the threshold counters it goes
 * into and what its principal's profile observes. `rules` false: only the profile (an event parsed
 * up to its request). `trailwatch scan`, which parses trail files its own way, starts here.
 */
export function scoreEvent(event: TrailEvent, scorers: Scorers, rules = true): ScoredRecord {
  return {
    kind: 'scored',
    evaluation: rules ? scorers.engine.evaluate(event) : undefined,
    counted: rules ? scorers.thresholds?.candidates(event) : undefined,
    observation: scorers.firstSeen?.observe(event),
  };
}

/**
 * Who needs the event: 'rules' (an event or threshold rule: parse it whole), 'first-seen' (only a
 * profile: its head is enough, see `parseRecordHead`), or 'none' (count it, leave it unparsed).
 */
type Watch = 'none' | 'rules' | 'first-seen';

function watchOf(
  record: Pick<LookupEventRecord, 'eventName' | 'body' | 'readOnly'>,
  scorers: Scorers,
): Watch {
  if (ruleWatchlist(scorers.engine, scorers.thresholds).watches(record.eventName, record.body))
    return 'rules';
  return scorers.firstSeen?.watches(record) === true ? 'first-seen' : 'none';
}

/** The event and threshold rules' watchlists as one, so that each body is searched once. */
const WATCHLISTS = new WeakMap<Engine, WeakMap<object, Watchlist>>();
const NO_THRESHOLDS = {};

function ruleWatchlist(engine: Engine, thresholds: ThresholdEngine | undefined): Watchlist {
  let byThresholds = WATCHLISTS.get(engine);
  if (byThresholds === undefined) {
    byThresholds = new WeakMap();
    WATCHLISTS.set(engine, byThresholds);
  }
  const key = thresholds ?? NO_THRESHOLDS;
  let list = byThresholds.get(key);
  if (list === undefined) {
    list = new Watchlist(thresholds === undefined ? [engine.watched] : [engine.watched, thresholds.watched]);
    byThresholds.set(key, list);
  }
  return list;
}

/** Counter writes in flight at once while counting a page's threshold hits. */
const COUNT_CONCURRENCY = 10;

/** What one page of records came to, before the state work. */
export interface ScoredPage {
  /** Records read, records seen before (by event id), and records left unparsed. */
  events: number;
  duplicates: number;
  unwatched: number;
  unparseable: Array<{ eventId: string; reason: string }>;
  ruleFailures: RuleFailure[];
  findings: Finding[];
  hits: ThresholdHit[];
  observations: Observation[];
}

/** A page with nothing in it yet; `trailwatch scan` fills its own with hits and observations. */
export function emptyPage(): ScoredPage {
  return {
    events: 0,
    duplicates: 0,
    unwatched: 0,
    unparseable: [],
    ruleFailures: [],
    findings: [],
    hits: [],
    observations: [],
  };
}

/**
 * Scores a page of records: the event rules at once; threshold hits and first-seen observations
 * collected for `settle`. `seen` skips events scored before (across pages, slices and regions).
 */
export function scorePage(
  records: readonly LookupEventRecord[],
  scorers: Scorers,
  seen: Set<string>,
): ScoredPage {
  const page = emptyPage();
  for (const record of records) {
    page.events += 1;
    const id = record.eventId ?? '';
    if (id && seen.has(id)) {
      page.duplicates += 1;
      continue;
    }
    if (id) seen.add(id);
    const scored = scoreRecord(record, scorers);
    if (scored.kind === 'unwatched') {
      page.unwatched += 1;
      continue;
    }
    if (scored.kind === 'unparseable') {
      page.unparseable.push({ eventId: scored.eventId, reason: scored.reason });
      continue;
    }
    if (scored.evaluation) {
      page.ruleFailures.push(...scored.evaluation.failures);
      page.findings.push(...scored.evaluation.findings);
    }
    if (scored.counted) {
      page.ruleFailures.push(...scored.counted.failures);
      page.hits.push(...scored.counted.hits);
    }
    if (scored.observation) page.observations.push(scored.observation);
  }
  return page;
}

/**
 * The state work of a page: each threshold hit counted once (re-reads find it counted), and the
 * observations judged against the profiles. Returns every finding of the page, oldest first (a
 * page comes newest first, but a repeat group should be led by its earliest event). Throws if the
 * state table fails; counting and profiles are idempotent, so the page can be scored again.
 */
export async function settlePage(
  page: ScoredPage,
  thresholds: ThresholdEngine | undefined,
  counters: CounterStore,
  tracker: FirstSeenTracker | undefined,
  nowMs: () => number,
): Promise<Finding[]> {
  const crossed: Finding[] = [];
  const reported = new Set<string>();
  if (thresholds !== undefined) {
    for (let i = 0; i < page.hits.length; i += COUNT_CONCURRENCY) {
      const batch = page.hits.slice(i, i + COUNT_CONCURRENCY);
      const results = await Promise.all(
        batch.map((hit) => counters.countOnce(hit.counter, hit.event.eventId, nowMs(), hit.member)),
      );
      batch.forEach((hit, j) => {
        const finding = thresholds.verdict(hit, results[j]!);
        // A batch event counts several values: any of its hits may report the crossing.
        const once = `${hit.counter.key}|${hit.counter.bucketStartMs}|${hit.event.eventId}`;
        if (finding && !reported.has(once)) {
          reported.add(once);
          crossed.push(finding);
        }
      });
    }
  }
  const novel =
    tracker && page.observations.length > 0 ? await tracker.judge(page.observations, nowMs()) : [];
  return [...page.findings, ...crossed, ...novel].sort(
    (a, b) => timeOrder(a.event.eventTimeMs) - timeOrder(b.event.eventTimeMs),
  );
}

/** Event times for sorting: an event without one goes last. */
function timeOrder(ms: number): number {
  return Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER;
}
