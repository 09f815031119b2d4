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
  /** Texts that make any event worth parsing when its user agent contains them (a tool's mark). */
  readonly anyAgent?: readonly string[];
  /** Texts that make any event worth parsing when its caller identity contains them (`"Root"`). */
  readonly anyIdentity?: readonly string[];
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether a body contains any of the texts. One text is one `includes`; more are one pass of a
 * single alternation, which on the benchmark corpus costs about a third of separate searches.
 */
export function containsAny(texts: readonly string[]): BodyTest {
  // A text that contains another is found whenever the other is: searching for it adds nothing.
  const distinct = [...new Set(texts)];
  const unique = distinct.filter((text) => !distinct.some((other) => other !== text && text.includes(other)));
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

const USER_AGENT_KEY = '"userAgent":"';

/**
 * The raw text of a record's user agent: what follows the first `"userAgent":"` up to its closing
 * quote (one not escaped), still JSON-escaped. CloudTrail writes `userAgent` before the request,
 * so a look-alike in the request (a tag named userAgent) is never reached first. `from` skips text
 * known to come before it (the caller identity). Undefined when the record has none.
 */
export function rawUserAgent(body: string, from = 0): string | undefined {
  const key = body.indexOf(USER_AGENT_KEY, from);
  if (key < 0) return undefined;
  const start = key + USER_AGENT_KEY.length;
  let end = body.indexOf('"', start);
  while (end >= 0) {
    let slashes = 0;
    for (let i = end - 1; i >= start && body.charCodeAt(i) === 92; i--) slashes += 1;
    if (slashes % 2 === 0) return body.slice(start, end);
    end = body.indexOf('"', end + 1);
  }
  return body.slice(start);
}

/**
 * The raw text of a record's caller: everything before `"eventTime"`, which CloudTrail writes right
 * after `userIdentity`. No caller can put a quote in it (AWS limits user, role and session names
 * to letters, digits and +=,.@_-), so the cut cannot be forged. The whole record when there is no
 * `eventTime`, or when `userIdentity` does not come before it (a record re-serialised by another
 * tool, with its keys sorted): a search of the whole record can only parse more, never miss.
 */
export function rawIdentity(body: string): string {
  const end = identityEnd(body);
  return end < 0 ? body : body.slice(0, end);
}

/** Where the caller identity ends in CloudTrail's own key order; -1 when the record is not in it. */
function identityEnd(body: string): number {
  const end = body.indexOf('"eventTime"');
  if (end < 0) return -1;
  const start = body.indexOf('"userIdentity"');
  return start >= 0 && start < end ? end : -1;
}

/** The union of what several scorers watch, asked once per record. */
export class Watchlist {
  private readonly names = new Map<string, BodyTest | undefined>();
  private readonly anyName: BodyTest;
  private readonly anyAgent: BodyTest | undefined;
  private readonly anyIdentity: BodyTest | undefined;

  constructor(parts: readonly WatchedTexts[]) {
    for (const part of parts) {
      for (const [name, test] of part.names) {
        this.names.set(name, this.names.has(name) ? eitherOf(this.names.get(name), test) : test);
      }
    }
    this.anyName = containsAny(parts.flatMap((part) => part.anyName));
    const agents = parts.flatMap((part) => part.anyAgent ?? []);
    this.anyAgent = agents.length > 0 ? containsAny(agents) : undefined;
    const identities = parts.flatMap((part) => part.anyIdentity ?? []);
    this.anyIdentity = identities.length > 0 ? containsAny(identities) : undefined;
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
    if (this.anyName.test(body)) return true;
    if (this.anyIdentity === undefined && this.anyAgent === undefined) return false;
    // Searching for the end of the identity is most of the cost: done once for both tests.
    const end = identityEnd(body);
    if (this.anyIdentity?.test(end < 0 ? body : body.slice(0, end))) return true;
    if (this.anyAgent === undefined) return false;
    // The user agent follows the identity, which holds no quote. A record whose user agent cannot
    // be found is searched whole rather than missed.
    return this.anyAgent.test(rawUserAgent(body, Math.max(end, 0)) ?? body);
  }
}
