// The EventBridge output's formatting: one PutEvents entry per alert, and the entries grouped into
// requests PutEvents accepts. PURE: no SDK, no environment, no clock.
//
// `Detail` is the alert's machine document unchanged: it is already sanitised JSON, the same body
// SNS's HTTPS subscribers get, so a rule on the bus can match the fields the schema documents.
import type { ForwardItem, ForwardResult } from '../ports';
import { documentProblem, type OutputDocument, parseDocument } from './document';

export const BUS_SOURCE = 'trailwatch';

export const DETAIL_TYPES = {
  alert: 'Trailwatch Alert',
  digest: 'Trailwatch Digest',
} as const satisfies Record<OutputDocument['kind'], string>;

/** PutEvents takes 1 to 10 entries a request (API reference). */
export const MAX_PUT_EVENTS_ENTRIES = 10;

/** "The total entry size must be less than 256KB" (user guide, Calculating PutEvents event entry size). */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;

/** The PutEventsRequestEntry fields the output sets; the adapter passes them to the SDK as they are. */
export interface BusEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
  readonly Resources: string[];
  /** Not set by this output; counted by {@link busEntrySize} when present. */
  readonly Time?: Date | undefined;
}

export function busEntry(document: OutputDocument, detail: string, busName: string): BusEntry {
  return {
    Source: BUS_SOURCE,
    DetailType: DETAIL_TYPES[document.kind],
    Detail: detail,
    EventBusName: busName,
    Resources: [],
  };
}

/**
 * An entry's size as EventBridge counts it against the request's 256 KB: 14 bytes for a `Time`, and
 * the UTF-8 bytes of `Source`, `DetailType`, `Detail` and each resource. `EventBusName` is not counted.
 */
export function busEntrySize(entry: BusEntry): number {
  let size = entry.Time !== undefined ? 14 : 0;
  size += utf8(entry.Source) + utf8(entry.DetailType) + utf8(entry.Detail);
  for (const resource of entry.Resources) size += utf8(resource);
  return size;
}

function utf8(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** An entry with the index of the item it carries. */
export interface PlannedEntry {
  readonly index: number;
  readonly entry: BusEntry;
  readonly size: number;
}

export interface BusPlan {
  /** Requests to send, in item order: each at most 10 entries, their sizes totalling under 256 KB. */
  readonly requests: PlannedEntry[][];
  /** Items that cannot be sent, by index: a malformed document, or an entry too big on its own. */
  readonly refused: ReadonlyMap<number, ForwardResult>;
}

/** Formats every item and groups the entries into PutEvents requests, keeping item order. */
export function planBusRequests(items: readonly ForwardItem[], busName: string): BusPlan {
  const requests: PlannedEntry[][] = [];
  const refused = new Map<number, ForwardResult>();
  let current: PlannedEntry[] = [];
  let currentSize = 0;
  items.forEach((item, index) => {
    let entry: BusEntry;
    try {
      entry = busEntry(parseDocument(item.document), item.document, busName);
    } catch (error) {
      refused.set(index, { ok: false, permanent: true, reason: documentProblem(error) });
      return;
    }
    const size = busEntrySize(entry);
    if (size >= MAX_PUT_EVENTS_BYTES) {
      refused.set(index, {
        ok: false,
        permanent: true,
        reason: `entry is ${size} bytes; PutEvents takes less than ${MAX_PUT_EVENTS_BYTES} in a request`,
      });
      return;
    }
    if (current.length === MAX_PUT_EVENTS_ENTRIES || currentSize + size >= MAX_PUT_EVENTS_BYTES) {
      requests.push(current);
      current = [];
      currentSize = 0;
    }
    current.push({ index, entry, size });
    currentSize += size;
  });
  if (current.length > 0) requests.push(current);
  return { requests, refused };
}
