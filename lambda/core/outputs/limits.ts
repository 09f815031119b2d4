// Text helpers the outputs share: every value re-cleaned (the document is ours, but its strings came
// from an event) and clipped to a destination's limit without splitting a character.
import { clean } from '../alert/text';

export const ELLIPSIS = '…';

/**
 * At most `max` UTF-16 code units (what most AWS length constraints count, and never fewer than
 * code points), cut at a character boundary with a visible ellipsis.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let end = max - ELLIPSIS.length;
  // Never leave the high half of a surrogate pair at the cut.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, Math.max(0, end)) + ELLIPSIS;
}

/** `clean` (controls out, white space collapsed, lone surrogates replaced), then `clip`. */
export function field(value: unknown, max: number): string {
  return clip(clean(value, max), max);
}

/** A short, plain reason for a result: cleaned, one line, at most 200 characters. */
export function reasonText(text: string): string {
  return field(text, 200) || 'unknown failure';
}
