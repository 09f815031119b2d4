// The outputs' queues kept in process memory, for the in-memory state store: the same contract as
// the table's (dynamodb/forward.ts): entries recorded with their alert, most severe first, claimed,
// removed once delivered, deferred when not.
import { forwardItemOf, forwardSlot, outputsFor } from '../core/forward';
import { claimLapsed } from '../core/lease';
import type {
  Claim,
  ForwardItem,
  ForwardListing,
  ForwardStore,
  OutputName,
  OutputSelection,
  PendingForward,
  StoredAlert,
} from '../core/ports';

/** An alert waiting for one output, in memory. */
export interface MemoryForward {
  readonly item: ForwardItem;
  readonly createdAtMs: number;
  attempts: number;
  nextTryMs: number;
  claimant: string;
  claimedAtMs: number;
}

export class MemoryForwardQueues implements ForwardStore {
  /** Each output's queue by sort key; readable, so that tests can look inside. */
  readonly queues = new Map<OutputName, Map<string, MemoryForward>>();

  constructor(private readonly outputs: readonly OutputSelection[]) {}

  /** Queues a newly recorded alert for each output that takes its severity. */
  record(alert: StoredAlert, nowMs: number): void {
    if (this.outputs.length === 0) return;
    const item = forwardItemOf(alert);
    for (const output of outputsFor(this.outputs, item.severity)) {
      const queue = this.queues.get(output.name) ?? new Map<string, MemoryForward>();
      this.queues.set(output.name, queue);
      queue.set(forwardSlot(item.severity, item.key), {
        item,
        createdAtMs: nowMs,
        attempts: 0,
        nextTryMs: 0,
        claimant: '',
        claimedAtMs: Number.NaN,
      });
    }
  }

  async listForward(output: OutputName, nowMs: number, limit: number): Promise<ForwardListing> {
    const queue = [...(this.queues.get(output) ?? new Map<string, MemoryForward>()).entries()].sort(
      ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0),
    );
    const due: PendingForward[] = queue
      .filter(([, entry]) => entry.nextTryMs <= nowMs)
      .slice(0, Math.max(0, limit))
      .map(([slot, entry]) => ({
        ...entry.item,
        slot,
        createdAtMs: entry.createdAtMs,
        attempts: entry.attempts,
      }));
    const dueSlots = new Set(due.map((entry) => entry.slot));
    const oldest = (entries: Array<[string, MemoryForward]>) =>
      entries.length === 0 ? Number.NaN : Math.min(...entries.map(([, entry]) => entry.createdAtMs));
    return {
      due,
      queued: queue.length,
      oldestCreatedMs: oldest(queue),
      oldestNotDueMs: oldest(queue.filter(([slot]) => !dueSlots.has(slot))),
    };
  }

  async claimForward(output: OutputName, slot: string, claim: Claim): Promise<'claimed' | 'held' | 'gone'> {
    const entry = this.queues.get(output)?.get(slot);
    if (entry === undefined) return 'gone';
    if (!claimLapsed(claim, entry.claimant, entry.claimedAtMs)) return 'held';
    entry.claimant = claim.runId;
    entry.claimedAtMs = claim.nowMs;
    return 'claimed';
  }

  async completeForward(output: OutputName, slot: string): Promise<void> {
    this.queues.get(output)?.delete(slot);
  }

  async deferForward(
    output: OutputName,
    slot: string,
    _reason: string,
    _nowMs: number,
    retryAtMs: number,
  ): Promise<void> {
    const entry = this.queues.get(output)?.get(slot);
    if (entry === undefined) return;
    entry.attempts += 1;
    entry.nextTryMs = retryAtMs;
    entry.claimant = '';
    entry.claimedAtMs = Number.NaN;
  }
}
