import fc from 'fast-check';
import { parseEventTime } from '../../lambda/core/event';

describe('parseEventTime', () => {
  it('agrees with Date.parse on every CloudTrail-shaped time', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        (date) => {
          const text = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
          expect(parseEventTime(text)).toBe(Date.parse(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('leaves anything else to Date.parse, invalid dates included', () => {
    for (const text of [
      '2026-02-30T10:00:00Z',
      '2026-11-27T10:00:00.123Z',
      '2026-11-27T25:00:00Z',
      'yesterday',
      '',
    ]) {
      expect(Object.is(parseEventTime(text), Date.parse(text))).toBe(true);
    }
  });
});
