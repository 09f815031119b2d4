import fc from 'fast-check';
import { MAX_EVENT_BYTES, parseCloudTrailEvent } from '../../lambda/core/event';

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
