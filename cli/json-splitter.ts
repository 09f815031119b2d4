// The document splitter (JSON lines: line-splitter.ts) cuts a byte stream into the text of single
// records without holding the whole input. Trail files are one JSON object (`{"Records":[...]}`)
// that can be hundreds of MB, so JSON.parse on the file is not an option; each record is small and
// parsed on its own.
//
// Both splitters work on bytes. Every structural character of JSON is ASCII and every byte of a
// multi-byte UTF-8 sequence is >= 0x80, so scanning bytes never mistakes part of a character for
// a quote or a brace.

import { Collector, NEWLINE, type Piece, type Splitter } from './line-splitter';

export { LineSplitter, type Piece, type Splitter } from './line-splitter';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(b: number): boolean {
  return b === 0x20 || b === NEWLINE || b === 0x0d || b === 0x09;
}

type DocState =
  /** Before a top-level value (also between concatenated documents). */
  | 'start'
  /** Inside the top-level object, outside the target array. */
  | 'object'
  /** Inside a target array, between elements. */
  | 'array'
  /** Inside an element of a target array. */
  | 'element'
  /** The input is not a document this splitter understands; the rest is ignored. */
  | 'broken';

/**
 * Emits the elements of the arrays under `keys` of a top-level object (`{"Records":[...]}`), or
 * of a top-level array. Other members of the object are skipped. Several documents one after
 * another (`cat a.json b.json`) are read in turn.
 */
export class DocumentSplitter implements Splitter {
  private state: DocState = 'start';
  /** Container nesting: 1 inside the top-level object or array. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  /** Depth just inside the target array (1 for a bare array, 2 for `{"Records":[`). */
  private arrayDepth = 0;
  private arrayKey = '';
  private index = 0;
  // Key tracking for members of the top-level object.
  private expectKey = false;
  private capturingKey = false;
  private keyBytes: number[] = [];
  private lastKey = '';
  private valueKey: string | undefined;
  // The element being cut out.
  private readonly collector: Collector;
  private elementStart = -1;
  private elementLine = 1;
  private elementKind: 'container' | 'string' | 'scalar' = 'container';
  private seenArray = false;
  private documents = 0;

  constructor(
    private readonly keys: readonly string[] = ['Records', 'Events'],
    private readonly maxRecordBytes = 1024 * 1024,
  ) {
    this.collector = new Collector(maxRecordBytes);
  }

  push(chunk: Buffer, out: Piece[]): void {
    if (this.state === 'broken') return;
    if (this.state === 'element') this.elementStart = 0;
    const n = chunk.length;
    let nextBackslash = -1;
    let i = 0;
    while (i < n) {
      if (this.state === 'element' && this.elementKind === 'container') {
        i = this.scanContainer(chunk, i, out);
        continue;
      }
      const b = chunk[i] as number;
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        if (!this.capturingKey) {
          // Fast path: jump to the next quote or backslash; strings are most of a record's bytes.
          // Both searches only move forward, so a chunk costs O(length) however many strings it holds.
          if (nextBackslash < i) {
            const p = chunk.indexOf(BACKSLASH, i);
            nextBackslash = p < 0 ? n : p;
          }
          const q = chunk.indexOf(QUOTE, i);
          const quoteAt = q < 0 ? n : q;
          if (nextBackslash < quoteAt) {
            i = nextBackslash + 1;
            this.escaped = true;
            continue;
          }
          if (q < 0) break;
          i = q;
        }
        const c = chunk[i] as number;
        if (c === BACKSLASH) {
          this.escaped = true;
          if (this.capturingKey) this.keyBytes.push(c);
        } else if (c === QUOTE) {
          this.inString = false;
          if (this.capturingKey) {
            this.capturingKey = false;
            this.lastKey = Buffer.from(this.keyBytes).toString('utf8');
          } else if (
            this.state === 'element' &&
            this.elementKind === 'string' &&
            this.depth === this.arrayDepth
          ) {
            this.emitElement(chunk, i + 1, out);
          }
        } else if (this.capturingKey && this.keyBytes.length < 64) {
          this.keyBytes.push(c);
        }
        i++;
        continue;
      }
      if (b === NEWLINE) this.line++;
      switch (this.state) {
        case 'start':
          if (isSpace(b)) break;
          if (b === OPEN_OBJECT) {
            this.depth = 1;
            this.state = 'object';
            this.expectKey = true;
            this.documents++;
          } else if (b === OPEN_ARRAY) {
            this.depth = 1;
            this.documents++;
            this.enterArray('');
          } else {
            this.breakDocument(out, `expected "{" or "[" but found ${describeByte(b)}`);
            return;
          }
          break;
        case 'object':
          this.stepObject(b);
          break;
        case 'array':
          if (isSpace(b) || b === COMMA) break;
          if (b === CLOSE_ARRAY) {
            this.depth--;
            this.state = this.depth === 0 ? 'start' : 'object';
            break;
          }
          this.elementStart = i;
          this.elementLine = this.line;
          this.state = 'element';
          if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
            this.elementKind = 'container';
            this.depth++;
          } else if (b === QUOTE) {
            this.elementKind = 'string';
            this.inString = true;
          } else {
            this.elementKind = 'scalar';
          }
          break;
        case 'element':
          if (this.elementKind === 'scalar') {
            if (isSpace(b) || b === COMMA || b === CLOSE_ARRAY) {
              this.emitElement(chunk, i, out);
              // Re-read this byte between elements (a `]` closes the array).
              if (b === NEWLINE) this.line--;
              continue;
            }
            break;
          }
          if (b === QUOTE) this.inString = true;
          else if (b === OPEN_OBJECT || b === OPEN_ARRAY) this.depth++;
          else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
            this.depth--;
            if (this.depth === this.arrayDepth) this.emitElement(chunk, i + 1, out);
          }
          break;
      }
      i++;
    }
    if (this.state === 'element' && this.elementStart >= 0) {
      this.collector.add(chunk.subarray(this.elementStart));
    }
  }

  /**
   * The hot loop: the inside of an object or array record, where only quotes, backslashes,
   * brackets and newlines matter. Works on locals; returns where it stopped (the element's end or
   * the chunk's).
   */
  private scanContainer(chunk: Buffer, from: number, out: Piece[]): number {
    const n = chunk.length;
    const stop = this.arrayDepth;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let line = this.line;
    let i = from;
    for (;;) {
      if (inString) {
        if (escaped) {
          if (i >= n) break;
          escaped = false;
          i++;
        }
        // Jump to the closing quote: the one preceded by an even run of backslashes. Position i is
        // never escaped, so a run that starts at or after it has a known parity.
        let q = chunk.indexOf(QUOTE, i);
        while (q >= 0 && backslashesBefore(chunk, q, i) % 2 === 1) q = chunk.indexOf(QUOTE, q + 1);
        if (q < 0) {
          escaped = backslashesBefore(chunk, n, i) % 2 === 1;
          i = n;
          break;
        }
        inString = false;
        i = q + 1;
        continue;
      }
      if (i >= n) break;
      const c = chunk[i] as number;
      i++;
      if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        depth++;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
        if (depth === stop) {
          this.depth = depth;
          this.inString = false;
          this.escaped = false;
          this.line = line;
          this.emitElement(chunk, i, out);
          return i;
        }
      } else if (c === NEWLINE) {
        line++;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.line = line;
    return i;
  }

  end(out: Piece[]): void {
    if (this.state === 'broken') return;
    if (this.state === 'element' && this.elementKind === 'scalar' && !this.inString) {
      this.emitElement(Buffer.alloc(0), 0, out);
    }
    if (this.state === 'element') {
      out.push(this.error(this.elementLine, 'the input ends inside this record (truncated file?)'));
      this.collector.reset();
    } else if (this.state === 'array' || this.state === 'object') {
      out.push(this.error(this.line, 'the input ends before the document is complete (truncated file?)'));
    } else if (this.documents === 0) {
      out.push(this.error(this.line, 'the input is empty'));
    }
    if (this.documents > 0 && !this.seenArray) {
      out.push(this.error(1, `no ${this.keys.join(' or ')} array in the document`));
    }
    this.state = 'broken';
  }

  private stepObject(b: number): void {
    if (isSpace(b)) return;
    if (this.depth === 1) {
      if (b === QUOTE) {
        this.inString = true;
        if (this.expectKey) {
          this.capturingKey = true;
          this.keyBytes = [];
          this.expectKey = false;
        }
        return;
      }
      if (b === COLON) {
        this.valueKey = this.lastKey;
        return;
      }
      if (b === COMMA) {
        this.expectKey = true;
        this.valueKey = undefined;
        return;
      }
      if (b === CLOSE_OBJECT) {
        this.depth = 0;
        this.state = 'start';
        return;
      }
      if (b === OPEN_ARRAY && this.valueKey !== undefined && this.keys.includes(this.valueKey)) {
        this.depth = 2;
        this.enterArray(this.valueKey);
        this.valueKey = undefined;
        return;
      }
      this.valueKey = undefined;
    }
    // A member we skip: track nesting only.
    if (b === QUOTE) this.inString = true;
    else if (b === OPEN_OBJECT || b === OPEN_ARRAY) this.depth++;
    else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) this.depth--;
  }

  private enterArray(key: string): void {
    this.state = 'array';
    this.arrayDepth = this.depth;
    this.arrayKey = key;
    this.index = 0;
    this.seenArray = true;
  }

  private emitElement(chunk: Buffer, endExclusive: number, out: Piece[]): void {
    const tail = chunk.subarray(Math.max(0, this.elementStart), endExclusive);
    if (this.collector.oversize || this.collector.length + tail.length > this.maxRecordBytes) {
      out.push(this.error(this.elementLine, `record is larger than ${this.maxRecordBytes} bytes; skipped`));
      this.collector.reset();
    } else {
      out.push({
        kind: 'record',
        index: this.index,
        line: this.elementLine,
        key: this.arrayKey,
        text: this.collector.take(tail),
      });
    }
    this.index++;
    this.elementStart = -1;
    this.state = 'array';
  }

  private error(line: number, message: string): Piece {
    return { kind: 'error', index: this.index, line, key: this.arrayKey, message };
  }

  private breakDocument(out: Piece[], message: string): void {
    out.push({ kind: 'error', index: this.index, line: this.line, key: '', message });
    this.state = 'broken';
  }
}

/** How many backslashes come right before `at`, not looking before `floor`. */
function backslashesBefore(chunk: Buffer, at: number, floor: number): number {
  let k = at - 1;
  while (k >= floor && chunk[k] === BACKSLASH) k--;
  return at - 1 - k;
}

function describeByte(b: number): string {
  return b >= 0x21 && b <= 0x7e ? `"${String.fromCharCode(b)}"` : `byte 0x${b.toString(16).padStart(2, '0')}`;
}
