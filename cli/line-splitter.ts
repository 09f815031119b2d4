// The pieces both streaming splitters share (what they emit, a capped collector of a record that
// spans chunks) and the JSON lines splitter; the document splitter is json-splitter.ts.

export const NEWLINE = 0x0a;

/** A record's text and where it was found, or why it could not be cut out. */
export type Piece =
  | {
      readonly kind: 'record';
      /** Position in its array (document mode), or -1 for a line of JSON lines. */
      readonly index: number;
      /** 1-based line of the record's first byte. */
      readonly line: number;
      /** The array it came from (`Records`, `Events`, or '' for a bare top-level array or a line). */
      readonly key: string;
      readonly text: string;
    }
  | {
      readonly kind: 'error';
      readonly index: number;
      readonly line: number;
      readonly key: string;
      readonly message: string;
    };

export interface Splitter {
  /** Splits what it can of `chunk`; pieces are appended to `out` in input order. */
  push(chunk: Buffer, out: Piece[]): void;
  /** The input ended: reports an unfinished record or document. */
  end(out: Piece[]): void;
}

/** Pieces of a record that spans chunks, capped so one hostile record cannot exhaust memory. */
export class Collector {
  private parts: Buffer[] = [];
  private size = 0;
  oversize = false;

  constructor(private readonly maxBytes: number) {}

  add(part: Buffer): void {
    if (this.oversize) return;
    this.size += part.length;
    if (this.size > this.maxBytes) {
      this.oversize = true;
      this.parts = [];
      return;
    }
    this.parts.push(part);
  }

  /** The collected text plus `tail`, then starts over. */
  take(tail: Buffer): string {
    const text =
      this.parts.length === 0 ? tail.toString('utf8') : Buffer.concat([...this.parts, tail]).toString('utf8');
    this.reset();
    return text;
  }

  get length(): number {
    return this.size;
  }

  reset(): void {
    this.parts = [];
    this.size = 0;
    this.oversize = false;
  }
}

/** JSON lines: one record per line; blank lines are skipped, a long line is cut off and reported. */
export class LineSplitter implements Splitter {
  private readonly collector: Collector;
  private line = 1;

  constructor(private readonly maxRecordBytes = 1024 * 1024) {
    this.collector = new Collector(maxRecordBytes);
  }

  push(chunk: Buffer, out: Piece[]): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) {
        if (start < chunk.length) this.collector.add(chunk.subarray(start));
        return;
      }
      this.finishLine(chunk.subarray(start, nl), out);
      start = nl + 1;
    }
  }

  end(out: Piece[]): void {
    if (this.collector.length > 0 || this.collector.oversize) this.finishLine(Buffer.alloc(0), out);
  }

  private finishLine(tail: Buffer, out: Piece[]): void {
    const line = this.line++;
    if (this.collector.oversize || this.collector.length + tail.length > this.maxRecordBytes) {
      this.collector.reset();
      const message = `line is longer than ${this.maxRecordBytes} bytes; skipped`;
      out.push({ kind: 'error', index: -1, line, key: '', message });
      return;
    }
    const text = this.collector.take(tail);
    if (text.trim() === '') return;
    out.push({ kind: 'record', index: -1, line, key: '', text });
  }
}
