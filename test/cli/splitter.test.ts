import fc from 'fast-check';
import { DocumentSplitter, LineSplitter, type Piece, type Splitter } from '../../cli/json-splitter';
import { TimeOrderBuffer } from '../../cli/time-order';

/** Feeds `bytes` to the splitter cut at `cuts` (positions, any order, repeats allowed). */
function split(splitter: Splitter, bytes: Buffer, cuts: readonly number[]): Piece[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Piece[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    splitter.push(bytes.subarray(from, p), out);
    from = p;
  }
  splitter.end(out);
  return out;
}

function records(pieces: readonly Piece[]): unknown[] {
  return pieces.map((p) => {
    if (p.kind === 'error') throw new Error(`unexpected error piece: ${p.message}`);
    return JSON.parse(p.text);
  });
}

/** Strings made of the characters that matter to a splitter, plus multi-byte ones. */
const trickyString = fc.string({
  unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', '\n', 'a', 'é', '😀', '\u2028', ' '),
  maxLength: 20,
});
const trickyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }),
  fc.dictionary(trickyString, fc.oneof(trickyString, fc.array(trickyString, { maxLength: 3 }))),
  trickyString,
);
const cuts = fc.array(fc.nat(), { maxLength: 30 });

describe('DocumentSplitter', () => {
  it('cut anywhere, gives the elements of "Records" that JSON.parse sees', () => {
    fc.assert(
      fc.property(
        fc.array(trickyValue, { maxLength: 8 }),
        fc.constantFrom(0, 2),
        cuts,
        (elements, indent, cutPoints) => {
          const text = JSON.stringify(
            { before: { Records: ['not me'] }, Records: elements, after: '}]' },
            null,
            indent,
          );
          const pieces = split(new DocumentSplitter(), Buffer.from(text), cutPoints);
          expect(records(pieces)).toEqual(JSON.parse(text).Records);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a bare top-level array and documents one after another', () => {
    fc.assert(
      fc.property(
        fc.array(trickyValue, { maxLength: 5 }),
        fc.array(trickyValue, { maxLength: 5 }),
        cuts,
        (a, b, c) => {
          const text = `${JSON.stringify(a)}\n${JSON.stringify({ Events: b })}`;
          expect(records(split(new DocumentSplitter(), Buffer.from(text), c))).toEqual(
            JSON.parse(JSON.stringify([...a, ...b])),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('numbers records and lines for error messages', () => {
    const out = split(new DocumentSplitter(), Buffer.from('{\n"Records": [\n{"a": 1},\n7,\n"x"\n]}'), []);
    expect(out.map((p) => [p.kind, p.key, p.index, p.line])).toEqual([
      ['record', 'Records', 0, 3],
      ['record', 'Records', 1, 4],
      ['record', 'Records', 2, 5],
    ]);
  });

  it('reports a document cut off inside a record, after the complete ones', () => {
    const out = split(new DocumentSplitter(), Buffer.from('{"Records":[{"a":"}"},{"b":"{'), [13]);
    expect(out[0]).toMatchObject({ kind: 'record', text: '{"a":"}"}' });
    expect(out[1]).toMatchObject({ kind: 'error', index: 1, message: expect.stringContaining('truncated') });
  });

  it('skips a record larger than the limit and goes on', () => {
    const big = JSON.stringify({ pad: 'x'.repeat(200) });
    const out = split(
      new DocumentSplitter(['Records'], 100),
      Buffer.from(`{"Records":[${big},{"ok":1}]}`),
      [50, 120],
    );
    expect(out.map((p) => p.kind)).toEqual(['error', 'record']);
    expect(out[1]).toMatchObject({ index: 1, text: '{"ok":1}' });
  });

  it('says so when the document has no Records or Events array', () => {
    const out = split(new DocumentSplitter(), Buffer.from('{"digestStartTime":"x","logFiles":[]}'), []);
    expect(out).toEqual([
      expect.objectContaining({ kind: 'error', message: 'no Records or Events array in the document' }),
    ]);
  });
});

describe('LineSplitter', () => {
  it('cut anywhere, gives one record per non-blank line with its line number', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constant(''),
            fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }).map((v) => JSON.stringify(v)),
          ),
          {
            maxLength: 10,
          },
        ),
        fc.constantFrom('\n', '\r\n'),
        cuts,
        (lines, eol, cutPoints) => {
          const pieces = split(new LineSplitter(), Buffer.from(lines.join(eol)), cutPoints);
          const expected = lines.flatMap((line, i) =>
            line === '' ? [] : [{ line: i + 1, value: JSON.parse(line) }],
          );
          expect(
            pieces.map((p) => (p.kind === 'record' ? { line: p.line, value: JSON.parse(p.text) } : p)),
          ).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('TimeOrderBuffer', () => {
  it('sorts a stream whose items are less than the window out of place, ties in arrival order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 8 }),
        (times, window) => {
          // Displace each item by less than `window` places: sort blocks of `window` items backwards.
          const sorted = times.map((t, seq) => ({ t, seq })).sort((a, b) => a.t - b.t || a.seq - b.seq);
          const input: typeof sorted = [];
          for (let i = 0; i < sorted.length; i += window)
            input.push(...sorted.slice(i, i + window).reverse());
          const buffer = new TimeOrderBuffer<{ t: number; seq: number }>(window, (x) => x.t);
          const output = input.flatMap((x) => buffer.push(x) ?? []);
          output.push(...buffer.drain());
          expect(output.map((x) => x.t)).toEqual(sorted.map((x) => x.t));
        },
      ),
    );
  });

  it('lets items without a time through first', () => {
    const buffer = new TimeOrderBuffer<number>(10, (x) => x);
    for (const x of [3, Number.NaN, 1]) buffer.push(x);
    expect([...buffer.drain()]).toEqual([Number.NaN, 1, 3]);
  });
});
