// Virtual time for long simulations: Date, setTimeout and setInterval are faked, and a pump
// running on the real event loop jumps to the next pending timer. Paced calls (2 per second),
// SDK retry backoff and the local CloudTrail's rate limit all read this clock, so their limits
// hold in virtual time while real I/O (HTTP to the local servers, DynamoDB Local) runs at full
// speed. A day of five-minute runs takes seconds.
import { performance } from 'node:perf_hooks';
import FakeTimers from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<typeof FakeTimers.install>;

export interface VirtualTime {
  readonly clock: InstalledClock;
  /** Milliseconds of virtual time that passed. */
  elapsed(): number;
  /** Moves the clock forward to `ms` (never back), as the passing of idle time would. */
  advanceTo(ms: number): void;
  stop(): void;
}

/** Timers this close fire at once: the pacer's waits. */
const NEAR_MS = 600;
/**
 * A farther timer (the SDK's 3-second socket-listener deferral, a long backoff) fires only after
 * it stayed the next timer this long in real time: in-flight local I/O usually finishes first and
 * clears it, so virtual time does not leap forward during every request.
 */
const FAR_TIMER_GRACE_MS = 5;

export function startVirtualTime(): VirtualTime {
  const realSetTimeout = globalThis.setTimeout;
  const realSetImmediate = globalThis.setImmediate;
  const start = Date.now();
  const clock = FakeTimers.install({
    now: start,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    // The SDK may clear a timer it set before the clock was installed; let it, quietly.
    shouldClearNativeTimers: true,
  });
  // fake-timers keeps its pending timers in a Map on the clock; there is no public peek.
  const timers = (): Array<{ id: number; callAt: number }> => [
    ...((clock as unknown as { timers?: Map<number, { id: number; callAt: number }> }).timers?.values() ??
      []),
  ];
  let running = true;
  let waitingFor: number | undefined;
  let waitingSince = 0;
  const pump = (): void => {
    if (!running) return;
    const next = timers().sort((a, b) => a.callAt - b.callAt)[0];
    if (next === undefined) {
      waitingFor = undefined;
      realSetTimeout(pump, 1);
      return;
    }
    if (next.callAt - clock.now > NEAR_MS) {
      if (waitingFor !== next.id) {
        waitingFor = next.id;
        waitingSince = performance.now();
      }
      if (performance.now() - waitingSince < FAR_TIMER_GRACE_MS) {
        realSetTimeout(pump, 1);
        return;
      }
    }
    waitingFor = undefined;
    clock.next();
    realSetImmediate(pump);
  };
  realSetTimeout(pump, 1);
  return {
    clock,
    elapsed: () => clock.now - start,
    advanceTo: (ms) => {
      if (ms > clock.now) clock.setSystemTime(ms);
    },
    stop: () => {
      running = false;
      clock.uninstall();
    },
  };
}
