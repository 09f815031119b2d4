// Every CloudTrail field can be chosen by an attacker. Nothing from an event reaches a
// message without passing through here.

/** C0/C1 controls, DEL, bidi overrides and zero-width characters: they can hide or reorder text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;

export const TRUNCATION_MARKER = '…[truncated]';

/**
 * Makes hostile text safe to show: control characters become spaces, runs of white space
 * collapse, and the result is cut to `maxChars` code points with a visible marker.
 */
export function sanitize(value: unknown, maxChars = 256): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : safeStringify(value);
  // Work on a bounded prefix first so a 300 KB user agent costs no more than a short one.
  const bounded = text.length > maxChars * 4 + 16 ? text.slice(0, maxChars * 4 + 16) : text;
  const cleaned = isPlain(bounded) ? bounded : bounded.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  // Fewer UTF-16 units than maxChars means fewer code points too: no need to split the string.
  if (cleaned.length <= maxChars)
    return bounded.length === text.length ? cleaned : cleaned + TRUNCATION_MARKER;
  const chars = Array.from(cleaned);
  if (chars.length <= maxChars && bounded.length === text.length) return cleaned;
  if (chars.length <= maxChars) return cleaned + TRUNCATION_MARKER;
  return chars.slice(0, Math.max(0, maxChars)).join('') + TRUNCATION_MARKER;
}

/**
 * Printable ASCII with single inner spaces and none at either end: what most fields are, and
 * exactly the strings that the replacements and trim above would return unchanged.
 */
function isPlain(text: string): boolean {
  const last = text.length - 1;
  for (let i = 0; i <= last; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x20) {
      if (i === 0 || i === last || text.charCodeAt(i + 1) === 0x20) return false;
    } else if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

/** JSON.stringify that never throws (cycles, BigInt) and never returns undefined. */
export function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}
