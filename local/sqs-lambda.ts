// A local driver of Lambda's SQS event source mapping, for tests: it long-polls a queue with the
// real SQSClient, hands batches to a handler as real-shaped `SQSEvent`s with a Lambda-like context,
// keeps at most `maximumConcurrency` invocations running, deletes what succeeded (honouring
// ReportBatchItemFailures as Lambda does), and leaves failed messages to reappear after their
// visibility timeout, so the queue's redrive policy decides when they are dead-lettered.
// What it does not model: Lambda's gradual scale-up and back-off, batching windows, the 6 MB
// payload limit, and FIFO queues.
import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/** Largest batch here (Lambda allows more only with a batching window, which this driver does not model). */
export const MAX_BATCH_SIZE = 10;
/** Lambda's bounds on `ScalingConfig.MaximumConcurrency`. */
export const MIN_MAXIMUM_CONCURRENCY = 2;
export const MAX_MAXIMUM_CONCURRENCY = 1000;
/** How far an SQS mapping scales without a maximum concurrency (Lambda's documented default). */
export const DEFAULT_CONCURRENCY_LIMIT = 1250;
/** Lambda starts an SQS mapping with five concurrent pollers. */
const INITIAL_POLLERS = 5;

/**
 * The function under test. What it returns (or resolves to) is read as an `SQSBatchResponse` when
 * `reportBatchItemFailures` is on, and ignored otherwise; a throw or rejection fails the whole batch.
 */
export type SqsEventHandler = (event: SQSEvent, context: Context) => unknown;

/** Options of {@link startSqsEventSource}. */
export interface SqsEventSourceOptions {
  /** The client that polls and deletes (point it at the local SQS). */
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Must be the queue's `QueueArn`; records carry it as `eventSourceARN`. */
  readonly queueArn: string;
  /** Records carry it as `awsRegion`. */
  readonly region: string;
  readonly handler: SqsEventHandler;
  /** Messages per invocation, 1 to 10. @default 10 */
  readonly batchSize?: number;
  /** `ScalingConfig.MaximumConcurrency`, 2 to 1000. @default none: up to 1250, as Lambda scales an SQS mapping */
  readonly maximumConcurrency?: number;
  /** `FunctionResponseTypes: ['ReportBatchItemFailures']`. @default false */
  readonly reportBatchItemFailures?: boolean;
  /** The function's timeout; the queue's visibility timeout may not be shorter. @default 3000 (Lambda's default) */
  readonly functionTimeoutMs?: number;
  /** @default 'local-function' */
  readonly functionName?: string;
  /** @default 128 */
  readonly memoryLimitInMB?: number;
  /** Long-poll wait asked of SQS, 0 to 20 s (the local SQS caps the real wait). @default 20, as Lambda */
  readonly waitTimeSeconds?: number;
  /** Pause after an empty or failed receive, and between drain checks. @default 20 */
  readonly pollIntervalMs?: number;
}

/** Counters of a running event source. */
export interface SqsEventSourceStats {
  /** Handler invocations started. */
  invocations: number;
  /** Invocations running now. */
  running: number;
  /** Most invocations ever running at once. */
  peakConcurrency: number;
  /** Invocations that failed as a whole: thrown, timed out, or an invalid batch response. */
  failures: number;
  /** Of the failures, those that ran past the function timeout. */
  timeouts: number;
  /** Messages handed to the handler (a redelivered message counts again). */
  messagesReceived: number;
  /** Messages deleted after a successful (or partly successful) invocation. */
  messagesDeleted: number;
  /** Messages named in valid `batchItemFailures` responses. */
  itemFailures: number;
  /** Receives that failed after the SDK's retries. */
  pollErrors: number;
  /** Messages whose delete failed (they will be delivered again). */
  deleteErrors: number;
  /** The latest handler, poll or delete error. */
  lastError?: unknown;
}

/** A running event source mapping. */
export interface SqsEventSource {
  readonly stats: Readonly<SqsEventSourceStats>;
  /**
   * Resolves once the queue has no visible, in-flight or delayed message and no batch is being
   * processed; rejects after `timeoutMs` (default 30 s) or if the source is stopped.
   */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops polling and waits for the running invocations; messages received but not yet invoked reappear later. */
  stop(): Promise<void>;
}

/** Lambda's answer to a mapping it refuses (e.g. a queue visibility timeout shorter than the function's). */
export class InvalidParameterValueException extends Error {
  override readonly name = 'InvalidParameterValueException';
}

/** Raised inside the driver when an invocation runs past the function timeout. */
class FunctionTimeoutError extends Error {
  override readonly name = 'FunctionTimeoutError';
}

/** A counting semaphore: one permit per concurrent invocation. */
class Permits {
  private readonly waiting: Array<() => void> = [];
  constructor(private free: number) {}
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
  /** Lets every waiter through (on stop; they see the stop flag and give their permit back). */
  releaseWaiters(): void {
    for (const next of this.waiting.splice(0)) {
      this.free -= 1;
      next();
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParameterValueException(
      `${name} must be an integer from ${min} to ${max}; got ${value}.`,
    );
  }
}

/** The record Lambda builds from one received message. */
function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '',
    SentTimestamp: system.SentTimestamp ?? '',
    SenderId: system.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? '',
  };
  if (system.AWSTraceHeader !== undefined) attributes.AWSTraceHeader = system.AWSTraceHeader;
  if (system.DeadLetterQueueSourceArn !== undefined) {
    attributes.DeadLetterQueueSourceArn = system.DeadLetterQueueSourceArn;
  }
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    // Lambda's shape: camelCase, binary as base64, and the (unused) list fields present but empty.
    messageAttributes[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType ?? 'String',
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes !== undefined
      ? { md5OfMessageAttributes: message.MD5OfMessageAttributes }
      : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Reads a handler's result as Lambda does with ReportBatchItemFailures: nothing, an object without
 * failures, or an empty list is a complete success; a list naming ids of this batch is a partial
 * success; any other answer (an entry without a string `itemIdentifier`, an empty one, an id not in
 * the batch, a list that is not a list) fails the whole batch. Returns the failed ids, or undefined
 * for a complete failure.
 */
function batchItemFailures(result: unknown, batchIds: ReadonlySet<string>): Set<string> | undefined {
  if (result === undefined || result === null) return new Set();
  if (typeof result !== 'object' || Array.isArray(result)) return undefined;
  const list = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return undefined;
  const failed = new Set<string>();
  for (const entry of list) {
    const id = (entry as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !batchIds.has(id)) return undefined;
    failed.add(id);
  }
  return failed;
}

/**
 * Validates the mapping as Lambda's CreateEventSourceMapping does (batch size, maximum concurrency,
 * the queue's ARN, a visibility timeout no shorter than the function timeout), then starts polling.
 */
export async function startSqsEventSource(options: SqsEventSourceOptions): Promise<SqsEventSource> {
  const { sqs, queueUrl, queueArn, region, handler } = options;
  const batchSize = options.batchSize ?? MAX_BATCH_SIZE;
  const functionTimeoutMs = options.functionTimeoutMs ?? 3000;
  const functionName = options.functionName ?? 'local-function';
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const pollIntervalMs = options.pollIntervalMs ?? 20;
  const reportFailures = options.reportBatchItemFailures ?? false;
  checkInteger('BatchSize', batchSize, 1, MAX_BATCH_SIZE);
  if (options.maximumConcurrency !== undefined) {
    checkInteger(
      'ScalingConfig.MaximumConcurrency',
      options.maximumConcurrency,
      MIN_MAXIMUM_CONCURRENCY,
      MAX_MAXIMUM_CONCURRENCY,
    );
  }
  checkInteger('Function timeout (ms)', functionTimeoutMs, 1, 900_000);
  checkInteger('WaitTimeSeconds', waitTimeSeconds, 0, 20);
  const concurrency = options.maximumConcurrency ?? DEFAULT_CONCURRENCY_LIMIT;

  const queue = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'VisibilityTimeout'] }),
  );
  if (queue.Attributes?.QueueArn !== queueArn) {
    throw new InvalidParameterValueException(
      `queueArn ${queueArn} is not the ARN of ${queueUrl} (${queue.Attributes?.QueueArn ?? 'unknown'}).`,
    );
  }
  const visibilitySeconds = Number(queue.Attributes?.VisibilityTimeout);
  const timeoutSeconds = Math.ceil(functionTimeoutMs / 1000);
  if (visibilitySeconds < timeoutSeconds) {
    throw new InvalidParameterValueException(
      `Queue visibility timeout: ${visibilitySeconds} seconds is less than Function timeout: ${timeoutSeconds} seconds`,
    );
  }

  const account = queueArn.split(':')[4] ?? '000000000000';
  const stats: SqsEventSourceStats = {
    invocations: 0,
    running: 0,
    peakConcurrency: 0,
    failures: 0,
    timeouts: 0,
    messagesReceived: 0,
    messagesDeleted: 0,
    itemFailures: 0,
    pollErrors: 0,
    deleteErrors: 0,
  };
  const permits = new Permits(concurrency);
  const abort = new AbortController();
  const batches = new Set<Promise<void>>();
  let stopped = false;

  const context = (
    awsRequestId: string,
    deadline: number,
    settle: (error?: unknown, result?: unknown) => void,
  ) => {
    const value: Context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${functionName}`,
      memoryLimitInMB: String(options.memoryLimitInMB ?? 128),
      awsRequestId,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      // The deprecated context callbacks still end an invocation in the Node.js runtimes.
      done: (error?: Error, result?: unknown) => settle(error ?? undefined, result),
      fail: (error: Error | string) => settle(error instanceof Error ? error : new Error(error)),
      succeed: (result: unknown) => settle(undefined, result),
    };
    return value;
  };

  /** One invocation; resolves with the ids to keep (failed items), or undefined when it failed whole. */
  const invoke = async (event: SQSEvent): Promise<Set<string> | undefined> => {
    stats.invocations += 1;
    stats.running += 1;
    stats.peakConcurrency = Math.max(stats.peakConcurrency, stats.running);
    const deadline = Date.now() + functionTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let settle: (error?: unknown, result?: unknown) => void = () => {};
    const settled = new Promise<unknown>((resolve, reject) => {
      settle = (error, result) => (error === undefined ? resolve(result) : reject(error));
    });
    try {
      const result = await Promise.race([
        // `then` turns a synchronous throw into a rejection.
        Promise.resolve().then(() => handler(event, context(randomUUID(), deadline, settle))),
        settled,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new FunctionTimeoutError(
                  `Task timed out after ${(functionTimeoutMs / 1000).toFixed(2)} seconds`,
                ),
              ),
            functionTimeoutMs,
          );
        }),
      ]);
      if (!reportFailures) return new Set();
      const failed = batchItemFailures(result, new Set(event.Records.map((r) => r.messageId)));
      if (failed === undefined) {
        stats.failures += 1;
        stats.lastError = new Error('invalid batchItemFailures response: the whole batch failed');
        return undefined;
      }
      stats.itemFailures += failed.size;
      return failed;
    } catch (error) {
      // A timed-out handler keeps running here (Lambda would freeze it); its result is ignored.
      stats.failures += 1;
      if (error instanceof FunctionTimeoutError) stats.timeouts += 1;
      stats.lastError = error;
      return undefined;
    } finally {
      clearTimeout(timer);
      stats.running -= 1;
    }
  };

  const deleteMessages = async (messages: readonly Message[]): Promise<void> => {
    if (messages.length === 0) return;
    try {
      const out = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      stats.messagesDeleted += out.Successful?.length ?? 0;
      stats.deleteErrors += out.Failed?.length ?? 0;
    } catch (error) {
      stats.deleteErrors += messages.length;
      stats.lastError = error;
    }
  };

  /** Invokes on one received batch and deletes what succeeded; the caller's permit is released at the end. */
  const handleBatch = async (messages: Message[]): Promise<void> => {
    try {
      stats.messagesReceived += messages.length;
      const failed = await invoke({ Records: messages.map((m) => toRecord(m, queueArn, region)) });
      // A failed invocation deletes nothing: its messages reappear after the visibility timeout.
      if (failed !== undefined) await deleteMessages(messages.filter((m) => !failed.has(m.MessageId ?? '')));
    } finally {
      permits.release();
    }
  };

  const poll = async (): Promise<void> => {
    while (!stopped) {
      // Hold a permit while polling, so no batch is received that could not be invoked at once.
      await permits.acquire();
      if (stopped) {
        permits.release();
        break;
      }
      let messages: Message[];
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        permits.release();
        if (stopped) break;
        stats.pollErrors += 1;
        stats.lastError = error;
        await sleep(pollIntervalMs);
        continue;
      }
      if (messages.length === 0 || stopped) {
        // Received after stop: left in flight, they reappear when their visibility timeout ends.
        permits.release();
        if (!stopped) await sleep(pollIntervalMs);
        continue;
      }
      const batch = handleBatch(messages);
      batches.add(batch);
      void batch.finally(() => batches.delete(batch));
    }
  };

  const pollers = Array.from({ length: Math.min(INITIAL_POLLERS, concurrency) }, () => poll());

  return {
    stats,
    async drain({ timeoutMs = 30_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (stopped) throw new Error('drain: the event source is stopped');
        if (batches.size === 0) {
          const out = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: queueUrl,
              AttributeNames: [
                'ApproximateNumberOfMessages',
                'ApproximateNumberOfMessagesNotVisible',
                'ApproximateNumberOfMessagesDelayed',
              ],
            }),
          );
          const a = out.Attributes ?? {};
          const left =
            Number(a.ApproximateNumberOfMessages ?? 0) +
            Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
            Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
          // Checked again after the call: a batch that started meanwhile holds messages counted above.
          if (left === 0 && batches.size === 0) return;
        }
        if (Date.now() >= deadline) {
          throw new Error(`drain: the queue is not empty after ${timeoutMs} ms (${JSON.stringify(stats)})`);
        }
        await sleep(pollIntervalMs);
      }
    },
    async stop() {
      stopped = true;
      abort.abort();
      permits.releaseWaiters();
      await Promise.all(pollers);
      await Promise.all([...batches]);
    },
  };
}
