// A retry strategy for the paced LookupEvents client: the SDK's standard backoff, without its
// client-wide retry quota.
//
// The standard strategy keeps one quota of 500 per client: a retry costs 5 and a first-try success
// gives back 1. Under a steady 30% throttle (another tool sharing the account's 2 calls per second)
// the quota runs dry within minutes and every later throttle fails its call at once, so the
// detector stops making progress exactly when it should keep going slowly. The quota protects a
// service from retry storms; the pacer already holds every attempt, retries included, to the
// service's own rate, so here it only costs progress.
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';

/** First backoff for throttling (the SDK's 500 ms) and for transient errors (100 ms). */
const THROTTLING_BASE_MS = 500;
const TRANSIENT_BASE_MS = 100;
/** The SDK's ceiling for one backoff. */
const MAX_DELAY_MS = 20_000;

function token(retries: number, delayMs: number): RetryToken {
  return { getRetryCount: () => retries, getRetryDelay: () => delayMs };
}

export class UnmeteredRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'standard';

  /** `random`: in [0, 1), for the full jitter. */
  constructor(
    private readonly maxAttempts: number,
    private readonly random: () => number = Math.random,
  ) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return token(0, 0);
  }

  async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const retries = previous.getRetryCount() + 1;
    const retryable = info.errorType === 'THROTTLING' || info.errorType === 'TRANSIENT';
    // The SDK then throws the call's own error, not this one.
    if (!retryable || retries >= this.maxAttempts) throw new Error('no retry');
    const base = info.errorType === 'THROTTLING' ? THROTTLING_BASE_MS : TRANSIENT_BASE_MS;
    let delayMs = Math.floor(this.random() * Math.min(MAX_DELAY_MS, base * 2 ** (retries - 1)));
    if (info.retryAfterHint instanceof Date) {
      delayMs = Math.max(delayMs, Math.min(info.retryAfterHint.getTime() - Date.now(), MAX_DELAY_MS));
    }
    return token(retries, delayMs);
  }

  recordSuccess(): void {
    // No quota to refill.
  }
}
