// The ports of the outputs besides SNS (EventBridge, Security Hub, the chat topic): what the core asks
// of an output's client and of its queue in the table. Re-exported by ports.ts.
import type { Claim } from './ports';
import type { Severity } from './types';

/**
 * The outputs besides the SNS topic, each off unless configured: an EventBridge bus, Security Hub,
 * and the chat topic AWS Chatbot reads. Each keeps its own queue of alerts (the forward entries),
 * written in the same transaction as the alert's idempotency record, and delivered apart: one
 * output failing neither holds nor repeats another, nor the SNS message.
 */
export const OUTPUT_NAMES = ['eventBus', 'securityHub', 'chat'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

/**
 * Items per send, per output: PutEvents takes 10 entries, BatchImportFindings 100 findings; the chat
 * topic takes one publish per notification, 10 alerts of a burst to one message.
 */
export const OUTPUT_BATCH_SIZES: Readonly<Record<OutputName, number>> = {
  eventBus: 10,
  securityHub: 100,
  chat: 10,
};

/** An output that is on, and the least severe alert it takes. */
export interface OutputSelection {
  readonly name: OutputName;
  readonly minSeverity: Severity;
}

/** One alert waiting for one output. */
export interface ForwardItem {
  /** The alert's key (`eventId#ruleId`, or a repeat summary's key): one entry per alert and output. */
  readonly key: string;
  /** The alert's severity (a summary's: its most severe finding's). */
  readonly severity: Severity;
  readonly eventTimeMs: number;
  /** The `trailwatch.alert/1` or `trailwatch.digest/1` document, as SNS's HTTPS body carries it. */
  readonly document: string;
}

/** A forward entry as read back, with its claim and how often delivery failed. */
export interface PendingForward extends ForwardItem {
  /** Its sort key in the output's queue (most severe first). */
  readonly slot: string;
  readonly createdAtMs: number;
  readonly attempts: number;
}

/** What listing an output's queue found. */
export interface ForwardListing {
  /** Entries due now (never tried, or their retry time has come), most severe first, at most the limit. */
  readonly due: PendingForward[];
  /** Entries seen in the queue, due or not (counting stops at a bound: then at least this many). */
  readonly queued: number;
  /** When the oldest entry seen was recorded; NaN when the queue is empty. */
  readonly oldestCreatedMs: number;
  /** The same among the entries seen but not in `due`; NaN when there are none. */
  readonly oldestNotDueMs: number;
}

/** One item's outcome in an output's send. */
export type ForwardResult =
  | { readonly ok: true }
  /** `permanent`: sending it again unchanged cannot succeed (retried hourly, never dropped). */
  | { readonly ok: false; readonly permanent: boolean; readonly reason: string };

/** An output's client: formats each item for its service and sends a batch. */
export interface AlertOutput {
  readonly name: OutputName;
  /** Most items one `send` takes. */
  readonly batchSize: number;
  /**
   * One result per item, in order. Throws only when the call as a whole failed (network, throttling
   * past the SDK's retries, an expired session): then every item failed and is retried.
   */
  send(items: readonly ForwardItem[]): Promise<ForwardResult[]>;
}

/** The outputs' queues, in the same table as the alert ledger (which writes their entries). */
export interface ForwardStore {
  listForward(output: OutputName, nowMs: number, limit: number): Promise<ForwardListing>;
  /** Claims a listed entry for this run: 'held' when another run's fresh claim is on it, 'gone' when delivered. */
  claimForward(output: OutputName, slot: string, claim: Claim): Promise<'claimed' | 'held' | 'gone'>;
  /** Removes a delivered entry. */
  completeForward(output: OutputName, slot: string): Promise<void>;
  /** Records a failed delivery: the entry stays, its claim released, due again at `retryAtMs`. */
  deferForward(
    output: OutputName,
    slot: string,
    reason: string,
    nowMs: number,
    retryAtMs: number,
  ): Promise<void>;
}
