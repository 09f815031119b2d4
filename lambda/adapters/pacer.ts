// Spaces calls to a fixed rate. LookupEvents allows 2 requests per second per account and
// region; every HTTP attempt, retries included, waits its turn here.

export interface PacerTime {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTime: PacerTime = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class Pacer {
  private readonly intervalMs: number;
  private nextSlotMs = 0;

  constructor(
    requestsPerSecond: number,
    private readonly time: PacerTime = realTime,
  ) {
    if (!(requestsPerSecond > 0)) throw new Error(`requestsPerSecond must be > 0, got ${requestsPerSecond}`);
    this.intervalMs = 1000 / requestsPerSecond;
  }

  /** Resolves when the caller may send. Slots are handed out in call order. */
  async take(): Promise<void> {
    const now = this.time.now();
    const slot = Math.max(now, this.nextSlotMs);
    this.nextSlotMs = slot + this.intervalMs;
    if (slot > now) await this.time.sleep(slot - now);
  }

  /** After a throttle, push the next slot out: the account's limit may be shared with other callers. */
  backOff(ms: number): void {
    this.nextSlotMs = Math.max(this.nextSlotMs, this.time.now() + ms);
  }
}
