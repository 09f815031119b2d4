import { windowEnd } from '../../lambda/handler';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const PERIOD = 5 * 60_000;
const at = (ms: number) => ({ time: new Date(ms).toISOString() });

describe("the window's end", () => {
  it('is the scheduled time when it is recent, so a retried invocation reads the same window', () => {
    expect(windowEnd(at(NOW - 3 * 60_000), NOW, PERIOD)).toEqual({ endMs: NOW - 3 * 60_000 });
    expect(windowEnd(at(NOW - 2 * PERIOD), NOW, PERIOD)).toEqual({ endMs: NOW - 2 * PERIOD });
  });

  it('is the wall clock when the scheduled time is more than two periods old, and says so', () => {
    expect(windowEnd(at(NOW - 2 * PERIOD - 1000), NOW, PERIOD)).toEqual({
      endMs: NOW,
      staleScheduledMs: NOW - 2 * PERIOD - 1000,
    });
    expect(windowEnd(at(NOW - 30 * 24 * 3_600_000), NOW, PERIOD).endMs).toBe(NOW);
  });

  it('is the wall clock without a time, with one in the future, or with one that does not parse', () => {
    expect(windowEnd({}, NOW, PERIOD)).toEqual({ endMs: NOW });
    expect(windowEnd(at(NOW + 60_000), NOW, PERIOD)).toEqual({ endMs: NOW });
    expect(windowEnd({ time: 'yesterday' }, NOW, PERIOD)).toEqual({ endMs: NOW });
    expect(windowEnd(null, NOW, PERIOD)).toEqual({ endMs: NOW });
  });
});
