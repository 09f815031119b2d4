// Text for the narrow channels: SMS (GSM-7) and email subjects (printable ASCII).
//
// Both functions transliterate what they can (é -> e, “ -> ", ß -> ss), replace what they
// cannot with '?', and never let a control, bidi or zero-width character through.

/** Controls, bidi overrides, zero-width and line/paragraph separators: shown as a space. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;
const COMBINING_MARKS = /\p{M}/gu;

/** Letters and punctuation that NFKD leaves alone but have an obvious ASCII spelling. */
const LOOKALIKES: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  ł: 'l',
  Ł: 'L',
  þ: 'th',
  Þ: 'Th',
  ı: 'i',
  '‘': "'",
  '’': "'",
  '‚': "'",
  '‛': "'",
  '′': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '‟': '"',
  '″': '"',
  '«': '"',
  '»': '"',
  '‐': '-',
  '‑': '-',
  '‒': '-',
  '–': '-',
  '—': '-',
  '―': '-',
  '−': '-',
  '•': '*',
  '·': '.',
  '€': 'EUR',
  '£': 'GBP',
  '¥': 'JPY',
  '×': 'x',
};

/**
 * ASCII characters outside GSM-7's basic table: each would cost two septets (escape + char)
 * and some carriers drop the escape. Mapped to a basic-table neighbour instead.
 */
const GSM7_EXTENSION_SUBSTITUTES: Readonly<Record<string, string>> = {
  '[': '(',
  ']': ')',
  '{': '(',
  '}': ')',
  '\\': '/',
  '|': '/',
  '~': '-',
  '^': "'",
  '`': "'",
};

/** Printable ASCII, one line, no runs of white space; anything untranslatable becomes '?'. */
export function toPrintableAscii(text: string): string {
  return transliterate(text, (ch) => ch);
}

/**
 * Maps text into the characters that are both printable ASCII and in GSM-7's basic table
 * (letters, digits, space and ``!"#$%&'()*+,-./:;<=>?@_``). Each is one septet and one byte
 * whichever encoding the carrier picks, so `length` is the SMS cost.
 */
export function toGsm7(text: string): string {
  return transliterate(text, (ch) => GSM7_EXTENSION_SUBSTITUTES[ch] ?? ch);
}

function transliterate(text: string, narrow: (asciiChar: string) => string): string {
  const decomposed = text.replace(INVISIBLE, ' ').normalize('NFKD').replace(COMBINING_MARKS, '');
  let out = '';
  for (const ch of decomposed) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x20 && code <= 0x7e) out += narrow(ch);
    else if (/\s/u.test(ch)) out += ' ';
    else out += narrow(LOOKALIKES[ch] ?? '?');
  }
  // A name written in emoji or Arabic would otherwise become a wall of question marks.
  return out
    .replace(/\?{2,}/g, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/**
 * Cuts ASCII text to `max` characters, ending with `marker` when something was cut.
 * Callers pass already-transliterated text, so one character is one byte.
 */
export function clipAscii(text: string, max: number, marker = '..'): string {
  if (text.length <= max) return text;
  if (max <= marker.length) return text.slice(0, Math.max(0, max));
  return text.slice(0, max - marker.length).trimEnd() + marker;
}
