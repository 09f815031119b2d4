import { Pacer, type PacerTime } from '../../lambda/adapters/pacer';

/** A clock that only moves when the pacer sleeps: start times are exact. */
function fakeTime(): PacerTime & { t: number } {
  const time = {
    t: 0,
    now: () => time.t,
    sleep: async (ms: number) => {
      time.t += ms;
    },
  };
  return time;
}

describe('Pacer', () => {
  it('spaces calls 500 ms apart at 2 requests a second', async () => {
    const time = fakeTime();
    const pacer = new Pacer(2, time);
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      await pacer.take();
      starts.push(time.t);
    }
    expect(starts).toEqual([0, 500, 1000, 1500, 2000]);
  });

  it('does not save up idle time for a burst', async () => {
    const time = fakeTime();
    const pacer = new Pacer(2, time);
    await pacer.take();
    time.t = 10_000;
    await pacer.take();
    await pacer.take();
    expect(time.t).toBe(10_500);
  });

  it('pushes the next call out after a throttle', async () => {
    const time = fakeTime();
    const pacer = new Pacer(2, time);
    await pacer.take();
    pacer.backOff(1000);
    await pacer.take();
    expect(time.t).toBe(1000);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new Pacer(0)).toThrow(/requestsPerSecond/);
  });
});
