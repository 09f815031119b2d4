// What every part of one run shares: its dependencies, settings and input, its report, its lease,
// and the budget of individual messages.
import { claimAt, type LeaseKeeper } from '../lease';
import type { Claim } from '../ports';
import type { RunDeps, RunInput, RunReport, RunSettings } from './types';

/** Individual messages left in this run, shared by the outbox and every region. */
export interface AlertBudget {
  remaining: number;
}

export class RunContext {
  /** Alerts SNS refused for good in this run: not tried again until a later run. */
  readonly refusedKeys = new Set<string>();
  /** Alerts this run recorded itself (new records), with their entries in the outputs' queues. */
  recorded = 0;
  readonly budget: AlertBudget;

  constructor(
    readonly deps: RunDeps,
    readonly settings: RunSettings,
    readonly input: RunInput,
    readonly report: RunReport,
    readonly lease: LeaseKeeper,
  ) {
    this.budget = { remaining: settings.maxAlertsPerRun };
  }

  now(): number {
    return this.deps.clock.nowMs();
  }

  /** Renews the lease when due, then returns a claim made now. Throws LeaseLostError. */
  async claim(): Promise<Claim> {
    await this.lease.keep();
    return claimAt(this.input.runId, this.now());
  }
}
