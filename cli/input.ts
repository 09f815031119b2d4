// Reading one input (a file, stdin, or an opener's stream such as an S3 object) as a stream of
// record texts. The format is decided from the first bytes, never from the file name: gzip by its
// magic number, then `[` or `{"Records"` / `{"Events"` for a document, any other `{` for JSON lines.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DocumentSplitter, LineSplitter, type Piece, type Splitter } from './json-splitter';

export type InputFormat = 'document' | 'lines';

/** Opens an input that is not a path (an S3 object): its raw bytes, gzipped or not. */
export type Opener = () => Promise<Readable>;

/** The input cannot be read on (unreadable, not JSON, broken gzip). Records already yielded stand. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    message: string,
    /** The file system refused it (missing, permission denied, a read error), not its content. */
    readonly unreadable = false,
  ) {
    super(message);
  }
}

export interface ReadOptions {
  /** Called with every chunk's size as read from disk (compressed), for the progress bar. */
  readonly onBytes?: (bytes: number) => void;
  readonly maxRecordBytes?: number;
}

/** How many bytes to look at before deciding between a document and JSON lines. */
const SNIFF_BYTES = 4096;

/**
 * Opens `path` (`-` for stdin; or calls an opener) and yields its records' texts in input order, a
 * chunk's worth at a time.
 */
export async function* readPieces(path: string | Opener, options: ReadOptions = {}): AsyncGenerator<Piece[]> {
  const raw: Readable =
    typeof path === 'function'
      ? await path().catch((error: unknown) => Promise.reject(asInputError(error, false)))
      : path === '-'
        ? process.stdin
        : createReadStream(path, { highWaterMark: 1024 * 1024 });
  const counted = counting(raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>, options.onBytes);
  let stream: AsyncIterable<Buffer> = raw;
  let gunzip: ReturnType<typeof createGunzip> | undefined;
  let splitter: Splitter | undefined;
  let head: Buffer = Buffer.alloc(0);
  try {
    const iterator = counted;
    // Look at the first bytes to decide on gzip, then hand the stream over unchanged.
    const first = await iterator.next();
    if (first.done) throw new InputError('the input is empty');
    const firstChunk = first.value;
    if (firstChunk[0] === 0x1f && firstChunk[1] === 0x8b) {
      gunzip = createGunzip();
      const z = gunzip;
      // The raw side is pumped by hand so that an error on either side ends this generator.
      pump(firstChunk, iterator, z);
      stream = z;
    } else {
      stream = prepend(firstChunk, iterator);
    }
    for await (const chunk of stream) {
      let data: Buffer = chunk;
      if (splitter === undefined) {
        head = head.length === 0 ? data : Buffer.concat([head, data]);
        const decided = decide(head);
        if (decided === undefined && head.length < SNIFF_BYTES) continue;
        splitter = makeSplitter(decided ?? 'lines', options.maxRecordBytes);
        data = stripBom(head);
        head = Buffer.alloc(0);
      }
      const out: Piece[] = [];
      splitter.push(data, out);
      if (out.length > 0) yield out;
    }
    if (splitter === undefined) {
      if (head.length === 0 || stripBom(head).toString('utf8').trim() === '') {
        throw new InputError('the input is empty');
      }
      splitter = makeSplitter(decide(head) ?? 'lines', options.maxRecordBytes);
      const out: Piece[] = [];
      splitter.push(stripBom(head), out);
      if (out.length > 0) yield out;
    }
    const out: Piece[] = [];
    splitter.end(out);
    if (out.length > 0) yield out;
  } catch (error) {
    throw asInputError(error, gunzip !== undefined);
  } finally {
    if (path !== '-') raw.destroy();
    gunzip?.destroy();
  }
}

/**
 * 'document' or 'lines' once the first bytes say which; undefined while they do not yet.
 * Throws InputError when the input is clearly not JSON.
 */
export function decide(head: Buffer): InputFormat | undefined {
  const text = stripBom(head).toString('utf8');
  const start = text.search(/\S/);
  if (start < 0) return undefined;
  const c = text[start];
  if (c === '[') return 'document';
  if (c !== '{') {
    throw new InputError(`not JSON: it starts with ${describeStart(text.slice(start, start + 16))}`);
  }
  const rest = text.slice(start + 1);
  const key = /^\s*"((?:[^"\\]|\\.){0,64})"\s*:/.exec(rest);
  if (key) return key[1] === 'Records' || key[1] === 'Events' ? 'document' : 'lines';
  // `{` alone on its line: a pretty-printed document (`aws cloudtrail lookup-events` output).
  if (/^[ \t\r]*\n/.test(rest)) {
    const after = rest.replace(/^[ \t\r]*\n\s*/, '');
    if (after.length === 0) return undefined;
    return 'document';
  }
  return rest.length > 80 ? 'lines' : undefined;
}

function makeSplitter(format: InputFormat, maxRecordBytes?: number): Splitter {
  return format === 'document'
    ? new DocumentSplitter(['Records', 'Events'], maxRecordBytes)
    : new LineSplitter(maxRecordBytes);
}

function stripBom(buffer: Buffer): Buffer {
  return buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? buffer.subarray(3) : buffer;
}

/** Passes chunks through, reporting their sizes. */
function counting(source: AsyncIterator<Buffer>, onBytes?: (bytes: number) => void): AsyncIterator<Buffer> {
  if (!onBytes) return source;
  return {
    async next() {
      const next = await source.next();
      if (!next.done) onBytes(next.value.length);
      return next;
    },
  };
}

async function* prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/** Feeds the raw chunks into gunzip with backpressure; a read error is passed on to gunzip. */
function pump(first: Buffer, rest: AsyncIterator<Buffer>, gunzip: ReturnType<typeof createGunzip>): void {
  const write = (chunk: Buffer): Promise<void> =>
    gunzip.write(chunk) ? Promise.resolve() : new Promise((resolve) => gunzip.once('drain', resolve));
  void (async () => {
    try {
      await write(first);
      for (;;) {
        const next = await rest.next();
        if (next.done) break;
        if (gunzip.destroyed) return;
        await write(next.value);
      }
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error as Error);
    }
  })();
}

function asInputError(error: unknown, gzip: boolean): Error {
  if (error instanceof InputError) return error;
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return new InputError('no such file', true);
  if (e.code === 'EACCES' || e.code === 'EPERM') return new InputError('permission denied', true);
  if (e.code === 'EISDIR') return new InputError('is a directory', true);
  if (gzip && (e.code?.startsWith('Z_') || e.message === 'unexpected end of file')) {
    return new InputError(`gzip data is truncated or corrupt (${e.message})`);
  }
  // A system call that failed (open, read: EIO, ELOOP, ...) is the file system's refusal.
  return new InputError(e.message || String(error), typeof e.syscall === 'string');
}

function describeStart(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 0 ? `"${printable}"` : 'binary data';
}
