// Text for alerts and dedup keys. Everything here goes through `sanitize`, or is sanitised by the
// caller where it says so.
import { sanitize } from '../../core/sanitize';
import type { TrailEvent } from '../../core/types';
import { failed } from './outcome';

/** A sanitised field for a message, or `fallback` when it is empty. */
export function show(value: unknown, maxChars = 120, fallback = 'unknown'): string {
  return sanitize(value, maxChars) || fallback;
}

/** `from <ip> in <region>`, sanitised and bounded. */
export function origin(e: TrailEvent): string {
  return `from ${show(e.sourceIPAddress, 64)} in ${show(e.awsRegion, 32)}`;
}

/** ` (failed: <errorCode>)` for a failed call, '' for a successful one. */
export function outcome(e: TrailEvent): string {
  return failed(e) ? ` (failed: ${show(e.errorCode, 48)})` : '';
}

/** A dedup key from parts: each sanitised and bounded so a hostile field cannot bloat state. */
export function dedup(...parts: unknown[]): string {
  return parts.map((part) => sanitize(part, 128)).join('|');
}

/** `123456789012, 210987654321 and 2 more`, sanitised by the caller. */
export function firstFew(values: readonly string[], max = 3): string {
  const more = values.length > max ? ` and ${values.length - max} more` : '';
  return values.slice(0, max).join(', ') + more;
}
