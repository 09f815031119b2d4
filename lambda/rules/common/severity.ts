// How the rules judge a call's severity from its outcome and from who made it, so that rules
// alike are rated alike.
import type { Severity, TrailEvent } from '../../core/types';
import { viaAwsService } from './actors';
import { failed } from './outcome';

const LADDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** One step down: critical -> high -> medium -> low -> info (info stays info). */
export function lower(severity: Severity): Severity {
  return LADDER[Math.max(0, LADDER.indexOf(severity) - 1)] ?? 'info';
}

/** `base`, one step lower for each of `reasons` that holds (the call failed, a service made it, ...). */
export function lowerFor(base: Severity, ...reasons: boolean[]): Severity {
  return reasons.reduce((level, reason) => (reason ? lower(level) : level), base);
}

/**
 * A failed call: an attempt at something that would page (high or critical) is worth recording
 * at medium; an attempt at anything milder is low.
 */
export function failedSeverity(success: Severity): Severity {
  return success === 'high' || success === 'critical' ? 'medium' : 'low';
}

/** `success` for a successful call, `failedSeverity(success)` for a failed one. */
export function byOutcome(e: TrailEvent, success: Severity): Severity {
  return failed(e) ? failedSeverity(success) : success;
}

/** A change's usual judgement: `base`, one step lower when an AWS service made it, low when it failed. */
export function judgeChange(e: TrailEvent, base: Severity): Severity {
  if (failed(e)) return 'low';
  return viaAwsService(e) ? lower(base) : base;
}

/**
 * A configuration change: high when it weakens a control (logging, recording, guardrails), medium
 * otherwise, one step lower when an AWS service made it. A failed call is medium when it tried to
 * weaken the control, low otherwise.
 */
export function judgeWeakening(e: TrailEvent, weakens: boolean): Severity {
  const base: Severity = weakens ? 'high' : 'medium';
  if (failed(e)) return failedSeverity(base);
  return viaAwsService(e) ? lower(base) : base;
}
