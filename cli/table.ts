// The findings table's columns, fitted to a width, and cells cut to a number of terminal columns
// (not code points: a CJK character or an emoji takes two, a combining mark none).
import type { CliIo } from './io';

interface Column {
  readonly header: string;
  /** Narrowest it gets before it is left out. */
  readonly min: number;
  /** Its share on a 100-column terminal. */
  readonly fair: number;
  readonly max: number;
}

/** In the order printed. */
const COLUMNS: readonly Column[] = [
  { header: 'TIME', min: 20, fair: 20, max: 20 },
  { header: 'SEVERITY', min: 8, fair: 8, max: 8 },
  { header: 'RULE', min: 20, fair: 28, max: 42 },
  { header: 'EVENT', min: 14, fair: 18, max: 43 },
  { header: 'ACTOR', min: 12, fair: 21, max: 60 },
  { header: 'SOURCE IP', min: 15, fair: 15, max: 39 },
  { header: 'REGION', min: 9, fair: 14, max: 14 },
];
export const HEADERS = COLUMNS.map((c) => c.header);

/** Always shown: time, severity, rule, actor. */
const ESSENTIAL = [0, 1, 2, 4];
/** Shown while they fit at their share, in this order: source IP, event, region. */
const OPTIONAL = [5, 3, 6];
/** Who gives way below the essentials' shares (the actor first), and who gets what is left over. */
const SHRINK = [4, 2];
const GROW = [2, 4, 3, 5];
const SEPARATOR = 2;

/**
 * The layout when stdout is not a terminal and COLUMNS is not set: always the same, whatever
 * window the command happened to run in, for whatever reads the table.
 */
const STABLE = [20, 8, 38, 30, 48, 20, 14];

/**
 * The width to fit: COLUMNS when set (a number from 40 up), else the terminal's; undefined when
 * stdout is not a terminal (the stable layout).
 */
export function tableWidth(io: Pick<CliIo, 'stdout' | 'env'>): number | undefined {
  const fromEnv = /^\d{1,4}$/.test(io.env.COLUMNS ?? '') ? Number(io.env.COLUMNS) : 0;
  if (fromEnv >= 40) return fromEnv;
  if (io.stdout.isTTY !== true) return undefined;
  return io.stdout.columns && io.stdout.columns > 0 ? io.stdout.columns : 80;
}

/** Each column's width, 0 for a column left out; at most `width` in all. */
export function layout(width: number | undefined): number[] {
  if (width === undefined) return [...STABLE];
  const widths = COLUMNS.map(() => 0);
  const used = (): number => {
    const shown = widths.filter((w) => w > 0);
    return shown.reduce((a, b) => a + b, 0) + SEPARATOR * Math.max(0, shown.length - 1);
  };
  for (const i of ESSENTIAL) widths[i] = COLUMNS[i]!.fair;
  for (const i of SHRINK) {
    while (used() > width && widths[i]! > COLUMNS[i]!.min) widths[i]!--;
  }
  for (const i of OPTIONAL) {
    widths[i] = COLUMNS[i]!.fair;
    if (used() <= width) continue;
    widths[i] = 0;
    break;
  }
  for (const i of GROW) {
    if (widths[i] === 0) continue;
    widths[i] = Math.min(COLUMNS[i]!.max, widths[i]! + Math.max(0, width - used()));
  }
  return widths;
}

/** Cells cut to their widths, left-out columns dropped, joined; never wider than `width`. */
export function tableRow(cells: readonly string[], widths: readonly number[], width?: number): string {
  const line = cells
    .map((text, i) => ((widths[i] ?? 0) > 0 ? cell(text, widths[i] ?? 0) : undefined))
    .filter((text) => text !== undefined)
    .join(' '.repeat(SEPARATOR))
    .trimEnd();
  // Below the minimum layout (a 60-column terminal) the row itself is cut.
  return width !== undefined && displayWidth(line) > width ? cell(line, width).trimEnd() : line;
}

/** Cuts to `width` terminal columns with an ellipsis, pads the rest. Control characters never get here. */
export function cell(text: string, width: number): string {
  const chars = Array.from(tableSafe(text));
  let used = 0;
  let out = '';
  const total = chars.reduce((sum, c) => sum + charWidth(c), 0);
  if (total <= width) return out.concat(...chars, ' '.repeat(width - total));
  for (const c of chars) {
    const w = charWidth(c);
    if (used + w > width - 1) break;
    out += c;
    used += w;
  }
  return `${out}…${' '.repeat(Math.max(0, width - 1 - used))}`;
}

export function displayWidth(text: string): number {
  let width = 0;
  for (const c of text) width += charWidth(c);
  return width;
}

/** Belt and braces for table cells: anything sanitize missed that could move the cursor. */
function tableSafe(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, '');
}

/** Combining marks; variation selectors are tested by code point. */
const COMBINING = /^[\p{Mn}\p{Me}]$/u;
/** East Asian Wide and Fullwidth, and emoji shown as pictures: two columns. */
const WIDE =
  /^[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{1f000}-\u{1faff}\u{20000}-\u{3fffd}]$|^\p{Emoji_Presentation}$/u;

function charWidth(c: string): number {
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x300) return 1;
  if ((code >= 0xfe00 && code <= 0xfe0f) || (code >= 0xe0100 && code <= 0xe01ef) || COMBINING.test(c))
    return 0;
  return WIDE.test(c) ? 2 : 1;
}
