// The run lease and the claims on alerts. Pure: every time comes from the caller's clock.
//
// One run at a time holds the lease, a short one renewed while the run works, so a holder that
// dies (a Lambda timeout, a killed laptop) blocks the next run for at most LEASE_MS. The lease
// keeps runs apart; it is not what keeps an alert from going out twice. Each alert record carries
// its own claim (claimant and claim time): a run publishes an alert only under a claim of its own
// made less than PUBLISH_WITHIN_MS before, and takes over another run's claim only once it has
// lapsed (CLAIM_LAPSE_MS), so two runs that both believe they hold the lease still publish once.
import type { Claim, LeaseHolder, StateStore } from './ports';
import { MINUTE_MS } from './window';

/** How long the lease lasts without renewal. */
export const LEASE_MS = 2 * MINUTE_MS;
/** A holder renews its lease at the first safe point after this long. */
export const LEASE_RENEW_AFTER_MS = 20_000;
/** A run publishes an alert only if its claim on it is at most this old (else it claims again). */
export const PUBLISH_WITHIN_MS = MINUTE_MS;
/**
 * Another run's claim lapses after this. It must exceed the publish window, plus how long one
 * publish call can take (the SNS client's attempts are time-limited: about a minute in all), plus
 * the clock difference allowed between hosts (`trailwatch poll` refuses more than MAX_CLOCK_SKEW_MS).
 */
export const CLAIM_LAPSE_MS = 4 * MINUTE_MS;
/** The clock difference from AWS that `trailwatch poll --table` accepts. */
export const MAX_CLOCK_SKEW_MS = 2 * MINUTE_MS;

/** A claim by `runId` at `nowMs`. */
export function claimAt(runId: string, nowMs: number): Claim {
  return { runId, nowMs, lapsedBeforeMs: nowMs - CLAIM_LAPSE_MS };
}

/** True when another run may take over a claim made by `claimant` at `claimedAtMs`. */
export function claimLapsed(claim: Claim, claimant: string, claimedAtMs: number): boolean {
  return claimant === claim.runId || !Number.isFinite(claimedAtMs) || claimedAtMs < claim.lapsedBeforeMs;
}

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly owner: string,
    readonly holder: LeaseHolder | undefined,
  ) {
    super(`the run lease was taken by ${holder?.owner ?? 'another run'} while ${owner} worked`);
  }
}

/**
 * Renews the lease at safe points (before each page, each claim, each message), at most every
 * LEASE_RENEW_AFTER_MS. Regions call it concurrently; one renewal serves them all. A renewal that
 * fails for a transient reason is tried again at the next point; a lease taken by another run
 * throws LeaseLostError there and at every later point.
 */
export class LeaseKeeper {
  private renewedAtMs: number;
  private inFlight: Promise<void> | undefined;
  private lost: LeaseLostError | undefined;

  constructor(
    private readonly state: Pick<StateStore, 'acquireLease'>,
    private readonly owner: string,
    private readonly now: () => number,
    private readonly expectedEndMs: number,
    acquiredAtMs: number,
  ) {
    this.renewedAtMs = acquiredAtMs;
  }

  async keep(): Promise<void> {
    if (this.lost) throw this.lost;
    if (this.now() - this.renewedAtMs < LEASE_RENEW_AFTER_MS) return;
    this.inFlight ??= this.renew().finally(() => {
      this.inFlight = undefined;
    });
    await this.inFlight;
    if (this.lost) throw this.lost;
  }

  private async renew(): Promise<void> {
    const nowMs = this.now();
    try {
      const result = await this.state.acquireLease({
        owner: this.owner,
        nowMs,
        durationMs: LEASE_MS,
        expectedEndMs: this.expectedEndMs,
      });
      if (result.acquired) this.renewedAtMs = nowMs;
      else this.lost = new LeaseLostError(this.owner, result.holder);
    } catch {
      // A throttled or failed write: the lease still runs for a while; try again at the next point.
    }
  }
}
