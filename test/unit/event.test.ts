import fc from 'fast-check';
import { MAX_EVENT_BYTES, parseCloudTrailEvent, parseRecordHead, rawReadOnly } from '../../lambda/core/event';

/** Every input gives an event or a counted failure that still names the event id from the envelope. */
function accountedFor(body: unknown, eventId: string): boolean {
  const result = parseCloudTrailEvent(body, { eventId, eventName: 'StopLogging', eventTimeMs: 0 });
  return result.ok ? result.event.eventId.length > 0 : result.eventId === eventId && result.reason.length > 0;
}

describe('parseCloudTrailEvent on arbitrary input', () => {
  it('never throws and loses no event, whatever the body holds', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.json(), fc.jsonValue(), fc.constant(undefined)),
        fc.uuid(),
        (body, id) => {
          expect(accountedFor(body, id)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never throws on records with fields of any type', () => {
    const anything = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(
        fc.record({
          eventID: anything,
          eventName: anything,
          eventTime: anything,
          userIdentity: anything,
          userAgent: anything,
        }),
        fc.uuid(),
        (record, id) => {
          expect(accountedFor(JSON.stringify(record), id)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses a body over the size limit by name, without parsing it', () => {
    const result = parseCloudTrailEvent(`{"eventID":"big","x":"${'a'.repeat(MAX_EVENT_BYTES)}"}`, {
      eventId: 'big',
    });
    expect(result).toEqual({ ok: false, eventId: 'big', reason: expect.stringContaining('larger than') });
  });

  it('keeps a 300 KB user agent and control characters as data for the rules to see', () => {
    const result = parseCloudTrailEvent(
      JSON.stringify({
        eventID: 'e1',
        eventName: 'StopLogging',
        userAgent: `\u001b[2J${'x'.repeat(300_000)}`,
      }),
    );
    expect(result.ok && result.event.userAgent.length).toBe(300_004);
  });
});

describe('parseRecordHead: who, where from and when, without the request', () => {
  /** A record in CloudTrail's own key order, with any text an attacker can choose. */
  const recordArb = fc.record({
    identity: fc.jsonValue({ maxDepth: 3 }),
    ip: fc.string(),
    ua: fc.string(),
    region: fc.string(),
    errorCode: fc.option(fc.string(), { nil: undefined }),
    request: fc.jsonValue({ maxDepth: 3 }),
    response: fc.jsonValue({ maxDepth: 2 }),
    readOnly: fc.option(fc.boolean(), { nil: undefined }),
  });

  type RecordParts = typeof recordArb extends fc.Arbitrary<infer T> ? T : never;

  function body(r: RecordParts): string {
    return JSON.stringify({
      eventVersion: '1.09',
      userIdentity: r.identity,
      eventTime: '2026-11-27T10:00:00Z',
      eventSource: 'ec2.amazonaws.com',
      eventName: 'CreateTags',
      awsRegion: r.region,
      sourceIPAddress: r.ip,
      userAgent: r.ua,
      ...(r.errorCode === undefined ? {} : { errorCode: r.errorCode }),
      requestParameters: r.request,
      responseElements: r.response,
      eventID: 'e-1',
      ...(r.readOnly === undefined ? {} : { readOnly: r.readOnly }),
      eventType: 'AwsApiCall',
      tlsDetails: { tlsVersion: 'TLSv1.3' },
    });
  }

  it('agrees with the full parse on every field a first-seen profile reads', () => {
    let headOnly = 0;
    fc.assert(
      fc.property(recordArb, (r) => {
        const text = body(r);
        const head = parseRecordHead(text, { eventId: 'e-1' });
        const full = parseCloudTrailEvent(text);
        expect(head.ok).toBe(full.ok);
        if (!head.ok || !full.ok) return;
        const pick = (e: typeof head.event) => [
          e.eventId,
          e.eventName,
          e.eventTimeMs,
          e.awsRegion,
          e.sourceIPAddress,
          e.userAgent,
          e.errorCode,
          e.readOnly,
          e.actor,
        ];
        expect(pick(head.event)).toEqual(pick(full.event));
        if (!('requestParameters' in head.event.raw)) headOnly += 1;
      }),
      { numRuns: 2000 },
    );
    // Most records took the short path; the rest fell back to the full parse, as they should.
    expect(headOnly).toBeGreaterThan(1500);
  });

  it('parses the whole record when the cut would fall inside a nested object', () => {
    // An identity carrying a key of that name: the head would be unbalanced, so it is not used.
    const text =
      '{"userIdentity":{"type":"IAMUser","requestParameters":{"x":1},"arn":"arn:aws:iam::1:user/a"},' +
      '"eventName":"CreateTags","requestParameters":{"tags":[]},"eventID":"e-2","readOnly":false}';
    const head = parseRecordHead(text);
    expect(head.ok && head.event.actor.arn).toBe('arn:aws:iam::1:user/a');
    expect(head.ok && head.event.requestParameters).toEqual({ tags: [] });
  });

  it('takes readOnly from the envelope first, else from the last readOnly key', () => {
    expect(rawReadOnly('{"requestParameters":{"readOnly":false},"readOnly":true}')).toBe(true);
    expect(rawReadOnly('{"readOnly":false,"resources":[]}')).toBe(false);
    expect(rawReadOnly('{"eventName":"x"}')).toBeUndefined();
    const text = '{"eventName":"CreateTags","requestParameters":null,"eventID":"e-3","readOnly":true}';
    const head = parseRecordHead(text, { readOnly: false });
    expect(head.ok && head.event.readOnly).toBe(false);
  });
});
