// Whether a call succeeded, as CloudTrail records it.
import { str } from '../../core/event';
import type { TrailEvent } from '../../core/types';

/** The call succeeded: CloudTrail records no errorCode. */
export function succeeded(e: TrailEvent): boolean {
  return e.errorCode === '';
}

export function failed(e: TrailEvent): boolean {
  return !succeeded(e);
}

/**
 * A console sign-in failed. ConsoleLogin reports failure in `responseElements.ConsoleLogin`
 * and `errorMessage` ("Failed authentication"), usually without an errorCode.
 */
export function signInFailed(e: TrailEvent): boolean {
  return str(e.responseElements.ConsoleLogin) === 'Failure' || e.errorCode !== '' || e.errorMessage !== '';
}
