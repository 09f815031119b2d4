// The one place the engine is put together: the catalogue and the ids alerts and suppressions may
// name, the scorers, the suppression list, and a run's dependencies and settings. The Lambda
// handler, the command line (scan, poll, rules), the benchmarks, the corpus tool and the
// construct's validation all come through here, so that they cannot disagree.
// No SDK here: the caller brings its adapters (event source, state, sink, clock).
import { type AccountLabel, type AlertDetails, renderAlert, renderDigest } from './core/alert';
import { Engine } from './core/engine';
import { FIRST_SEEN_DIMENSIONS, FirstSeen, type FirstSeenSettings } from './core/first-seen';
import type { AlertOutput, AlertSink, Clock, EventSource, StateStores } from './core/ports';
import type { OwnResources, RuleMetadata } from './core/rule';
import type { RunDeps, RunSettings, Scorers } from './core/run';
import { DEFAULT_MIN_SEVERITY, MAX_OUTBOX_PER_RUN, WHOLE_NUMBER_SETTINGS as SETTINGS } from './core/settings';
import {
  emptySuppressions,
  parseSuppressions,
  SuppressionError,
  type SuppressionList,
} from './core/suppression';
import { ThresholdEngine } from './core/threshold';
import type { Finding } from './core/types';
import { DAY_MS, MINUTE_MS } from './core/window';
import { DETECTIONS, firstSeen, RULES, THRESHOLD_RULES, writeVolume } from './rules';

export { DETECTIONS, firstSeen, RULES, THRESHOLD_RULES, writeVolume };

/** Every id a finding, an alert or a suppression may carry: event rules, thresholds, anomaly checks. */
export const DETECTION_IDS: readonly string[] = Object.freeze(DETECTIONS.map((d) => d.id));

const DETAILS = new Map<string, AlertDetails & RuleMetadata>(DETECTIONS.map((d) => [d.id, d]));

/** A detection's metadata by id (what alerts print of it). */
export function detectionOf(id: string): RuleMetadata | undefined {
  return DETAILS.get(id);
}

/** The anomaly checks at their defaults: every dimension, the default learning period. */
export const DEFAULT_FIRST_SEEN: FirstSeenSettings = Object.freeze({
  dimensions: FIRST_SEEN_DIMENSIONS,
  learningMs: SETTINGS.firstSeenLearningDays.default * DAY_MS,
});

export interface ScorerOptions {
  /** trailwatch's own resources, for the self-tamper rule. */
  readonly ownResources?: OwnResources;
  /** The anomaly checks; `dimensions: []` turns them off. Default: DEFAULT_FIRST_SEEN. */
  readonly firstSeen?: FirstSeenSettings;
  /** False: the event rules only (no threshold rules, no anomaly checks). */
  readonly stateful?: boolean;
  /**
   * True: also the detections of data events (`dataEvents`), which only trail files hold: what
   * `trailwatch scan` runs. The scheduled detector reads Event history, which has none.
   */
  readonly dataEvents?: boolean;
}

/** The detections a scorer runs: those of data events only when asked for. */
const forEvents = <T extends RuleMetadata>(all: readonly T[], dataEvents: boolean): T[] =>
  all.filter((d) => dataEvents || d.dataEvents !== true);

/** The event rules, the threshold rules and the anomaly checks. */
export function composeScorers(options: ScorerOptions = {}): Scorers {
  const dataEvents = options.dataEvents === true;
  const engine = new Engine(forEvents(RULES, dataEvents), { ownResources: options.ownResources ?? {} });
  if (options.stateful === false) return { engine };
  const settings = options.firstSeen ?? DEFAULT_FIRST_SEEN;
  return {
    engine,
    thresholds: new ThresholdEngine(forEvents(THRESHOLD_RULES, dataEvents)),
    firstSeen: settings.dimensions.length > 0 ? new FirstSeen(firstSeen, settings, writeVolume) : undefined,
  };
}

/**
 * A suppression list, validated against every detection id; throws SuppressionError naming each
 * problem. `document` is the JSON text or the parsed document; none gives an empty list.
 */
export function compileSuppressions(document: unknown, nowMs: number): SuppressionList {
  if (document === undefined || document === '') return emptySuppressions();
  return parseSuppressions(document, nowMs, { knownRuleIds: DETECTION_IDS });
}

/** The problems of a suppression list (none when it is valid), for validation before a deploy. */
export function suppressionProblems(document: unknown, nowMs: number): string[] {
  try {
    compileSuppressions(document, nowMs);
    return [];
  } catch (error) {
    if (error instanceof SuppressionError) return [...error.problems];
    throw error;
  }
}

/** What a run needs besides the scorers, brought by the caller. */
export interface RunParts {
  readonly source: EventSource;
  readonly state: StateStores;
  readonly sink: AlertSink;
  /** The outputs besides SNS that are on; none by default. */
  readonly outputs?: readonly AlertOutput[];
  readonly clock: Clock;
  readonly scorers: Scorers;
  readonly suppressions: SuppressionList;
  /** Told of each page's findings before delivery (the command line prints them). */
  readonly onFindings?: (findings: readonly Finding[]) => void;
  /** Organization mode: the watched account's name and OU path, printed beside its id in alerts. */
  readonly account?: AccountLabel;
}

/** A run's dependencies: the parts, and the renderings with each detection's details. */
export function composeRunDeps(parts: RunParts): RunDeps {
  return {
    ...parts,
    render: (finding, related) =>
      renderAlert(finding, { related, details: DETAILS.get(finding.ruleId), account: parts.account }),
    renderDigest: (findings, repeatsOf) => renderDigest(findings, { repeatsOf }),
  };
}

/** A run's settings: the defaults of the settings, with what the caller gives (undefined keeps the default). */
export function composeRunSettings(given: Partial<RunSettings> & Pick<RunSettings, 'regions'>): RunSettings {
  const chosen = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  return {
    overlapMs: SETTINGS.overlapMinutes.default * MINUTE_MS,
    initialLookbackMs: SETTINGS.initialLookbackMinutes.default * MINUTE_MS,
    sliceMs: SETTINGS.sliceMinutes.default * MINUTE_MS,
    minSeverity: DEFAULT_MIN_SEVERITY,
    maxPagesPerRun: SETTINGS.maxPagesPerRun.default,
    alertRetentionMs: SETTINGS.alertRetentionDays.default * DAY_MS,
    maxOutboxPerRun: MAX_OUTBOX_PER_RUN,
    maxAlertsPerRun: SETTINGS.maxAlertsPerRun.default,
    repeatWindowMs: SETTINGS.repeatWindowMinutes.default * MINUTE_MS,
    schedulePeriodMs: SETTINGS.scheduleMinutes.default * MINUTE_MS,
    lateAlertMs: SETTINGS.lateAlertMinutes.default * MINUTE_MS,
    ...(chosen as Partial<RunSettings> & Pick<RunSettings, 'regions'>),
  };
}
