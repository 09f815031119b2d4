// The EventBridge output: each alert as one PutEvents entry on a configured bus. The SDK package is
// loaded on the first send, so a detector without a bus never evaluates it.
import type { EventBridgeClient, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { type PlannedEntry, planBusRequests } from '../../core/outputs/bus';
import { reasonText } from '../../core/outputs/limits';
import { type AlertOutput, type ForwardItem, type ForwardResult, OUTPUT_BATCH_SIZES } from '../../core/ports';
import { CLIENT_SETTINGS, complete, errorCode, isPermanentKms, sendInOrder } from './errors';

type Sdk = typeof import('@aws-sdk/client-eventbridge');

export interface EventBridgeOutputOptions {
  /** The event bus's name or ARN (a bus in another account needs its ARN). */
  readonly busName: string;
  /** @default the region in the bus ARN, else the SDK's default (AWS_REGION) */
  readonly region?: string | undefined;
  /** @default a client made on the first send, with bounded timeouts */
  readonly client?: EventBridgeClient | undefined;
}

/**
 * PutEvents errors for the whole call that sending again cannot fix: no permission, the bus or its
 * KMS key missing, a request the service refuses. Throttling and internal errors are retried.
 */
const PERMANENT_CALL = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
  'ResourceNotFoundException',
  'SerializationException',
  'ValidationException',
]);

/** Per-entry codes the PutEvents reference lists as retryable; every other code is permanent. */
const RETRYABLE_ENTRY = new Set(['InternalFailure', 'ThrottlingException']);

/** `arn:<partition>:events:<region>:<account>:event-bus/<name>` -> region. */
function regionOfBusArn(bus: string): string | undefined {
  return /^arn:[a-z-]+:events:([a-z0-9-]+):\d{12}:event-bus\//.exec(bus)?.[1];
}

export class EventBridgeOutput implements AlertOutput {
  readonly name = 'eventBus' as const;
  readonly batchSize = OUTPUT_BATCH_SIZES.eventBus;
  private loading: Promise<{ sdk: Sdk; client: EventBridgeClient }> | undefined;

  constructor(private readonly options: EventBridgeOutputOptions) {
    if (!options.busName) throw new Error('EventBridgeOutput needs a bus name or ARN');
  }

  private ready(): Promise<{ sdk: Sdk; client: EventBridgeClient }> {
    this.loading ??= import('@aws-sdk/client-eventbridge').then(
      (sdk) => ({
        sdk,
        client:
          this.options.client ??
          new sdk.EventBridgeClient({
            region: this.options.region ?? regionOfBusArn(this.options.busName),
            ...CLIENT_SETTINGS,
          }),
      }),
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading;
  }

  async send(items: readonly ForwardItem[]): Promise<ForwardResult[]> {
    const plan = planBusRequests(items, this.options.busName);
    const results: (ForwardResult | undefined)[] = items.map((_, i) => plan.refused.get(i));
    if (plan.requests.length === 0) return complete(results);
    const { sdk, client } = await this.ready();
    await sendInOrder(
      plan.requests,
      (request) => request.map((p) => p.index),
      async (request: PlannedEntry[]) => {
        const out = await client.send(
          new sdk.PutEventsCommand({ Entries: request.map((p) => ({ ...p.entry })) }),
        );
        request.forEach((p, i) => {
          results[p.index] = entryResult(out.Entries?.[i]);
        });
      },
      (error) => {
        const code = errorCode(error);
        return PERMANENT_CALL.has(code) || isPermanentKms(code);
      },
      results,
    );
    return complete(results);
  }
}

function entryResult(entry: PutEventsResultEntry | undefined): ForwardResult {
  if (entry === undefined)
    return { ok: false, permanent: false, reason: 'PutEvents returned no result for the entry' };
  if (!entry.ErrorCode) {
    return entry.EventId
      ? { ok: true }
      : { ok: false, permanent: false, reason: 'PutEvents returned neither an event id nor an error' };
  }
  const reason = reasonText(`${entry.ErrorCode}${entry.ErrorMessage ? `: ${entry.ErrorMessage}` : ''}`);
  return { ok: false, permanent: !RETRYABLE_ENTRY.has(entry.ErrorCode), reason };
}
