// The EventBridge output's pure part: one entry per alert with the document as Detail, the entry
// size as the user guide computes it, and requests cut at 10 entries or 256 KB.
import { renderAlert, renderDigest } from '../../lambda/core/alert';
import {
  BUS_SOURCE,
  busEntry,
  busEntrySize,
  MAX_PUT_EVENTS_BYTES,
  MAX_PUT_EVENTS_ENTRIES,
  planBusRequests,
} from '../../lambda/core/outputs/bus';
import { parseDocument } from '../../lambda/core/outputs/document';
import type { ForwardItem } from '../../lambda/core/ports';
import type { JsonObject } from '../../lambda/core/types';
import { entrySize as localEntrySize } from '../../local/eventbridge';
import { documentOf, stopLoggingFinding as finding, forwardItem as item } from '../support/output-fixtures';

const BUS_ARN = 'arn:aws:events:us-east-1:123456789012:event-bus/security';

const alertItem = (eventId: string, overrides: JsonObject = {}) =>
  item(documentOf(renderAlert(finding(eventId, overrides))), `${eventId}#cloudtrail.logging-stopped`);

/** A valid alert document whose PutEvents entry is exactly `size` bytes. */
function alertOfEntrySize(size: number): ForwardItem {
  const base = JSON.parse(documentOf(renderAlert(finding('sized')))) as Record<string, unknown>;
  base.summary = '';
  const empty = busEntrySize(busEntry(parseDocument(JSON.stringify(base)), JSON.stringify(base), BUS_ARN));
  if (size < empty) throw new Error(`an alert entry is at least ${empty} bytes`);
  base.summary = 'x'.repeat(size - empty);
  const document = JSON.stringify(base);
  expect(busEntrySize(busEntry(parseDocument(document), document, BUS_ARN))).toBe(size);
  return item(document);
}

describe('PutEvents entry for an alert', () => {
  it('carries the alert document unchanged as Detail, with the trailwatch source and the bus', () => {
    const it0 = alertItem('ev-1');
    const { requests, refused } = planBusRequests([it0], BUS_ARN);
    expect(refused.size).toBe(0);
    expect(requests).toHaveLength(1);
    expect(requests[0]![0]!.entry).toEqual({
      Source: BUS_SOURCE,
      DetailType: 'Trailwatch Alert',
      Detail: it0.document,
      EventBusName: BUS_ARN,
      Resources: [],
    });
    expect(JSON.parse(requests[0]![0]!.entry.Detail)).toMatchObject({
      schema: 'trailwatch.alert/1',
      ruleId: 'cloudtrail.logging-stopped',
    });
  });

  it('labels a digest and a repeat summary as Trailwatch Digest', () => {
    const digest = item(documentOf(renderDigest([finding('d-1'), finding('d-2')])));
    const repeats = item(
      documentOf(
        renderDigest([finding('r-1'), finding('r-2')], {
          repeatsOf: {
            leadAlertKey: 'r-0#cloudtrail.logging-stopped',
            windowStartMs: 0,
            windowEndMs: 3_600_000,
          },
        }),
      ),
    );
    const { requests } = planBusRequests([digest, repeats], 'default');
    expect(requests[0]!.map((p) => p.entry.DetailType)).toEqual(['Trailwatch Digest', 'Trailwatch Digest']);
    expect(JSON.parse(requests[0]![1]!.entry.Detail).repeatsOf.alert).toBe('r-0#cloudtrail.logging-stopped');
  });

  it('keeps hostile text as the renderer escaped it: Detail is still the same valid JSON object', () => {
    const hostile = alertItem('ev-h', {
      userAgent: '"}],"injected":true,"x":["\u0000\u001b[31m<!channel> [click](https://evil.example)',
      requestParameters: { blob: `${'\\"'.repeat(20_000)}${'A'.repeat(60_000)}` },
    });
    const { requests } = planBusRequests([hostile], BUS_ARN);
    const detail = requests[0]![0]!.entry.Detail;
    expect(detail).toBe(hostile.document);
    const parsed = JSON.parse(detail) as Record<string, unknown>;
    expect(parsed.injected).toBeUndefined();
    expect(Object.keys(parsed)).not.toContain('x');
    // The 100 KB of request parameters were trimmed by the renderer, far below the request limit.
    expect(requests[0]![0]!.size).toBeLessThan(20_000);
  });
});

describe('entry size', () => {
  it('counts the UTF-8 bytes of Source, DetailType, Detail and each resource, and 14 for a Time', () => {
    const entry = {
      Source: 'trailwatch',
      DetailType: 'Trailwatch Alert',
      Detail: '{"a":"é😈"}',
      EventBusName: 'ignored-bus-name',
      Resources: ['arn:x', 'ü'],
    };
    const expected = 10 + 16 + Buffer.byteLength('{"a":"é😈"}') + 5 + 2;
    expect(busEntrySize(entry)).toBe(expected);
    expect(busEntrySize({ ...entry, Time: new Date(0) })).toBe(expected + 14);
    // The local PutEvents server counts the same way.
    expect(localEntrySize(entry)).toBe(expected);
    expect(localEntrySize({ ...entry, Time: new Date(0) })).toBe(expected + 14);
  });
});

describe('requests', () => {
  it('puts at most 10 entries in a request and keeps item order', () => {
    const items = Array.from({ length: 23 }, (_, i) => alertItem(`ev-${i}`));
    const { requests } = planBusRequests(items, BUS_ARN);
    expect(requests.map((r) => r.length)).toEqual([MAX_PUT_EVENTS_ENTRIES, MAX_PUT_EVENTS_ENTRIES, 3]);
    expect(requests.flat().map((p) => p.index)).toEqual(items.map((_, i) => i));
  });

  it('fills a request up to one byte under 256 KB and starts another at 256 KB', () => {
    const half = Math.floor((MAX_PUT_EVENTS_BYTES - 1) / 2);
    const fits = planBusRequests(
      [alertOfEntrySize(half), alertOfEntrySize(MAX_PUT_EVENTS_BYTES - 1 - half)],
      BUS_ARN,
    );
    expect(fits.requests.map((r) => r.length)).toEqual([2]);
    expect(fits.requests[0]!.reduce((sum, p) => sum + p.size, 0)).toBe(MAX_PUT_EVENTS_BYTES - 1);

    const over = planBusRequests(
      [alertOfEntrySize(half), alertOfEntrySize(MAX_PUT_EVENTS_BYTES - half)],
      BUS_ARN,
    );
    expect(over.requests.map((r) => r.map((p) => p.index))).toEqual([[0], [1]]);
  });

  it('refuses for good an entry too big on its own, naming its size, and sends the others', () => {
    const plan = planBusRequests(
      [
        alertItem('small-1'),
        alertOfEntrySize(MAX_PUT_EVENTS_BYTES),
        alertOfEntrySize(MAX_PUT_EVENTS_BYTES - 1),
        alertItem('small-2'),
      ],
      BUS_ARN,
    );
    expect(plan.refused.get(1)).toEqual({
      ok: false,
      permanent: true,
      reason: expect.stringContaining(`${MAX_PUT_EVENTS_BYTES} bytes`),
    });
    expect(plan.refused.size).toBe(1);
    // The largest entry that is allowed travels alone; its neighbours go in their own requests.
    expect(plan.requests.map((r) => r.map((p) => p.index))).toEqual([[0], [2], [3]]);
  });
});

describe('malformed documents', () => {
  const good = () => alertItem('good');
  const cases: [string, string, RegExp][] = [
    ['not JSON', '{"schema":', /not valid JSON/],
    ['an array', '[]', /not a JSON object/],
    [
      'an unknown schema',
      JSON.stringify({ schema: 'trailwatch.alert/9' }),
      /schema is "trailwatch\.alert\/9"/,
    ],
    [
      'a missing event id',
      (() => {
        const doc = JSON.parse(good().document);
        delete doc.event.id;
        return JSON.stringify(doc);
      })(),
      /event\.id is missing/,
    ],
    [
      'a severity outside the schema',
      (() => {
        const doc = JSON.parse(good().document);
        doc.severity = 'urgent';
        return JSON.stringify(doc);
      })(),
      /severity is not one of/,
    ],
    [
      'a console link to another host',
      (() => {
        const doc = JSON.parse(good().document);
        doc.links.console = 'https://evil.example/cloudtrailv2/';
        return JSON.stringify(doc);
      })(),
      /links\.console is not a CloudTrail console link/,
    ],
    [
      'a digest count of zero',
      (() => {
        const doc = JSON.parse(documentOf(renderDigest([finding('z-1')])));
        doc.count = 0;
        return JSON.stringify(doc);
      })(),
      /count is not an integer of at least 1/,
    ],
  ];

  it.each(cases)('refuses %s for good, naming the problem, and plans the rest', (_name, document, reason) => {
    const plan = planBusRequests([good(), item(document), good()], BUS_ARN);
    const refused = plan.refused.get(1);
    expect(refused).toEqual({ ok: false, permanent: true, reason: expect.stringMatching(reason) });
    expect(plan.requests.flat().map((p) => p.index)).toEqual([0, 2]);
  });
});
