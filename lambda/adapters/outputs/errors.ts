// What the output adapters share: reading an SDK error's code, a short sanitised reason, bounded
// client settings, and the loop that sends planned requests one after another.

import { reasonText } from '../../core/outputs/limits';
import type { ForwardResult } from '../../core/ports';

/** One attempt waits at most this long for an answer; with the retries a call ends within a minute. */
export const CLIENT_SETTINGS = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
} as const;

export type Failure = Extract<ForwardResult, { ok: false }>;

/** The error's code: the SDK's exception name, else a `Code` / `code` field, else 'Error'. */
export function errorCode(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const e = error as { name?: unknown; Code?: unknown; code?: unknown };
    for (const value of [e.name, e.Code, e.code]) {
      if (typeof value === 'string' && value !== '' && value !== 'Error') return value;
    }
  }
  return 'Error';
}

/** `Code: message`, cleaned and short: never more than the error says, never a stack. */
export function errorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return reasonText(message ? `${errorCode(error)}: ${message}` : errorCode(error));
}

/** KMS errors that another try may clear; every other KMS error (disabled, not found, denied) stays. */
export function isPermanentKms(code: string): boolean {
  return code.startsWith('KMS') && !/throttl/i.test(code);
}

/**
 * Sends planned requests in order. A transient failure of the first request throws (nothing was
 * sent: the caller retries the whole batch); after that, or for a permanent failure, the failed
 * request's items and every later request's items get the failure as their result, so items
 * already delivered are not sent twice.
 */
export async function sendInOrder<R>(
  requests: readonly R[],
  itemsOf: (request: R) => readonly number[],
  sendOne: (request: R) => Promise<void>,
  isPermanent: (error: unknown) => boolean,
  results: (ForwardResult | undefined)[],
): Promise<void> {
  for (let r = 0; r < requests.length; r++) {
    try {
      await sendOne(requests[r]!);
    } catch (error) {
      const permanent = isPermanent(error);
      if (!permanent && r === 0) throw error;
      const reason = errorReason(error);
      requests.slice(r).forEach((request, k) => {
        for (const index of itemsOf(request)) {
          results[index] = {
            ok: false,
            permanent,
            reason: k === 0 ? reason : reasonText(`not sent after an earlier request failed: ${reason}`),
          };
        }
      });
      return;
    }
  }
}

/** Fills what was never decided (it cannot happen, but a missing result must not read as delivered). */
export function complete(results: readonly (ForwardResult | undefined)[]): ForwardResult[] {
  return results.map((r) => r ?? { ok: false, permanent: false, reason: 'no result for this item' });
}
