// Which raw records a run must parse, decided from the event name and the raw body before any
// JSON.parse: most of a trail is reads no rule watches, and leaving them unparsed is most of what
// scoring saves. Each scorer states what it watches; the run asks one list built from all of them.

/** A test on a raw record body. */
export interface BodyTest {
  test(body: string): boolean;
}

/** What one scorer needs parsed. */
export interface WatchedTexts {
  /** Event names it looks at; a test the raw body must pass, or undefined when any body will do. */
  readonly names: ReadonlyMap<string, BodyTest | undefined>;
  /** Texts that make any event worth parsing, whatever its name (`"Root"`, `"errorCode"`). */
  readonly anyName: readonly string[];
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether a body contains any of the texts. One text is one `includes`; more are one pass of a
 * single alternation, which on the benchmark corpus costs about a third of separate searches.
 */
export function containsAny(texts: readonly string[]): BodyTest {
  const unique = [...new Set(texts)];
  if (unique.length === 0) return { test: () => false };
  if (unique.length === 1) {
    const [text] = unique as [string];
    return { test: (body) => body.includes(text) };
  }
  const pattern = new RegExp(unique.map(escapeRegExp).join('|'));
  return { test: (body) => pattern.test(body) };
}

function eitherOf(a: BodyTest | undefined, b: BodyTest | undefined): BodyTest | undefined {
  if (a === undefined || b === undefined) return undefined;
  return { test: (body) => a.test(body) || b.test(body) };
}

/** The union of what several scorers watch, asked once per record. */
export class Watchlist {
  private readonly names = new Map<string, BodyTest | undefined>();
  private readonly anyName: BodyTest;

  constructor(parts: readonly WatchedTexts[]) {
    for (const part of parts) {
      for (const [name, test] of part.names) {
        this.names.set(name, this.names.has(name) ? eitherOf(this.names.get(name), test) : test);
      }
    }
    this.anyName = containsAny(parts.flatMap((part) => part.anyName));
  }

  /**
   * Whether some scorer could use an event of this name and raw body. False means it can be left
   * unparsed. An unknown name (a broken envelope) or a body that is not text is always watched.
   */
  watches(eventName: string | undefined, body: unknown): boolean {
    if (!eventName || typeof body !== 'string') return true;
    if (this.names.has(eventName)) {
      const test = this.names.get(eventName);
      if (test === undefined || test.test(body)) return true;
    }
    return this.anyName.test(body);
  }
}
