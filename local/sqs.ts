// A local stand-in for Amazon SQS standard queues, speaking the wire protocol of
// @aws-sdk/client-sqs 3.1169: AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Operation>`), query-compatible
// errors (`__type` plus the `x-amzn-query-error: <Code>;<Sender|Receiver>` header from which the SDK
// takes the error code, so `AWS.SimpleQueueService.NonExistentQueue` surfaces as `QueueDoesNotExist`).
// Semantics: visibility timeouts, receive counts, redrive to a dead-letter queue, retention, delays,
// long polling (capped), MD5 digests the SDK verifies, and fault injection. Node built-ins only.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  BodyTooLargeError,
  closeServer,
  deterministicUuid,
  LOOPBACK,
  listen,
  readBody,
  regionFromAuthorization,
} from './net';

const JSON_10 = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AmazonSQS.';

/** Most entries in one batch request. */
export const SQS_MAX_BATCH_ENTRIES = 10;
/**
 * Largest message, and largest sum of the messages of one `SendMessageBatch`, in bytes: 1 MiB since
 * August 2025, as the SDK 3.1169 model documents (it was 256 KiB before).
 */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** Longest `WaitTimeSeconds` SQS accepts. */
export const SQS_MAX_WAIT_SECONDS = 20;
/** Longest visibility timeout, in seconds (12 hours). */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;
/** SQS refuses a second `PurgeQueue` of a queue within this long. */
export const SQS_PURGE_INTERVAL_MS = 60_000;
/** SQS refuses to re-create a deleted queue's name within this long. */
export const SQS_RECREATE_DELAY_MS = 60_000;

/**
 * Errors as the SDK's model declares them: the shape name (used in `__type`), the query code sent in
 * `x-amzn-query-error` (what the SDK maps back to the shape), and the HTTP status. Codes not modelled
 * as shapes (InvalidParameterValue, InternalError...) use the code itself; the SDK then names the error
 * after the code.
 */
export const SQS_ERRORS: Readonly<Record<string, { readonly code: string; readonly status: number }>> = {
  BatchEntryIdsNotDistinct: { code: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', status: 400 },
  BatchRequestTooLong: { code: 'AWS.SimpleQueueService.BatchRequestTooLong', status: 400 },
  EmptyBatchRequest: { code: 'AWS.SimpleQueueService.EmptyBatchRequest', status: 400 },
  InvalidAddress: { code: 'InvalidAddress', status: 404 },
  InvalidAttributeName: { code: 'InvalidAttributeName', status: 400 },
  InvalidAttributeValue: { code: 'InvalidAttributeValue', status: 400 },
  InvalidBatchEntryId: { code: 'AWS.SimpleQueueService.InvalidBatchEntryId', status: 400 },
  InvalidMessageContents: { code: 'InvalidMessageContents', status: 400 },
  InvalidSecurity: { code: 'InvalidSecurity', status: 403 },
  MessageNotInflight: { code: 'AWS.SimpleQueueService.MessageNotInflight', status: 400 },
  OverLimit: { code: 'OverLimit', status: 403 },
  PurgeQueueInProgress: { code: 'AWS.SimpleQueueService.PurgeQueueInProgress', status: 403 },
  QueueDeletedRecently: { code: 'AWS.SimpleQueueService.QueueDeletedRecently', status: 400 },
  QueueDoesNotExist: { code: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 },
  QueueNameExists: { code: 'QueueAlreadyExists', status: 400 },
  ReceiptHandleIsInvalid: { code: 'ReceiptHandleIsInvalid', status: 404 },
  RequestThrottled: { code: 'RequestThrottled', status: 403 },
  TooManyEntriesInBatchRequest: { code: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', status: 400 },
  UnsupportedOperation: { code: 'AWS.SimpleQueueService.UnsupportedOperation', status: 400 },
  // Not modelled as shapes; the SDK surfaces them by code.
  InvalidParameterValue: { code: 'InvalidParameterValue', status: 400 },
  MissingParameter: { code: 'MissingParameter', status: 400 },
  MissingAuthenticationToken: { code: 'MissingAuthenticationToken', status: 403 },
  SignatureDoesNotMatch: { code: 'SignatureDoesNotMatch', status: 403 },
  UnknownOperationException: { code: 'UnknownOperationException', status: 400 },
  InternalError: { code: 'InternalError', status: 500 },
  ServiceUnavailable: { code: 'ServiceUnavailable', status: 503 },
};

/** A message attribute on the wire (`BinaryValue` is base64, as the JSON protocol carries blobs). */
export interface SqsMessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** What a test can see of a stored message. */
export interface LocalSqsMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, SqsMessageAttribute>>;
  readonly sentTimestamp: number;
  readonly receiveCount: number;
  readonly state: 'visible' | 'inFlight' | 'delayed';
  /** Set when the message was moved here from a source queue by its redrive policy. */
  readonly deadLetterQueueSourceArn?: string | undefined;
}

/** Options of {@link startLocalSqs}. */
export interface LocalSqsOptions {
  /** Region of this endpoint: queue ARNs carry it, and requests signed for another are refused. Default `us-east-1`. */
  region?: string;
  /** Account that owns the queues. Default `123456789012`. */
  accountId?: string;
  /** Clock for every message time (sent, visibility, retention, purge). Default `Date.now`. */
  now?: () => number;
  /**
   * Longest a long poll really waits, in wall-clock ms, whatever `WaitTimeSeconds` asks (up to 20 s):
   * keeps tests from hanging. Default 1000.
   */
  maxWaitMs?: number;
  /** Seed for message ids, request ids and receipt handles. Default 1. */
  seed?: number;
  /** Port to bind on 127.0.0.1. Default 0 (any free port). */
  port?: number;
}

/** A running local SQS. */
export interface LocalSqs {
  /** `http://127.0.0.1:<port>`: pass as `endpoint` or `AWS_ENDPOINT_URL_SQS`. */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  /** Every recognised request's operation name, in arrival order (throttled and failed ones too). */
  readonly calls: string[];
  /** `http://127.0.0.1:<port>/<account>/<name>`. */
  queueUrl(name: string): string;
  /** `arn:aws:sqs:<region>:<account>:<name>`. */
  queueArn(name: string): string;
  /** The queue's messages now (expired ones dropped first), oldest first. Throws for an unknown queue. */
  messages(name: string): LocalSqsMessage[];
  /** Answers the next `n` requests (of `operation`, when given) with `RequestThrottled`. */
  throttleNext(n: number, operation?: string): void;
  /** Answers the next `n` requests (of `operation`, when given) with `code` (default `InternalError`, 500). */
  failNext(n: number, code?: string, operation?: string): void;
  /** Sends a wrong MD5 of the body in the next `n` responses that carry one (SendMessage, SendMessageBatch, ReceiveMessage). */
  corruptNextMd5(n: number): void;
  /** Stops listening; pending long polls are dropped with their connections. */
  close(): Promise<void>;
}

class SqsError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(
    readonly shape: string,
    message: string,
  ) {
    super(message);
    const known = SQS_ERRORS[shape];
    this.code = known?.code ?? shape;
    this.status = known?.status ?? 400;
  }
}

const invalidParameter = (message: string): SqsError => new SqsError('InvalidParameterValue', message);

type Json = Record<string, unknown>;

interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

interface Queue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  /** Attributes as set (strings, as the API carries them); defaults filled in at creation. */
  readonly attributes: Map<string, string>;
  redrive?: RedrivePolicy | undefined;
  /** Insertion order is send order: receives hand out the oldest visible messages first. */
  readonly messages: Map<string, StoredMessage>;
  readonly createdAt: number;
  lastModifiedAt: number;
  lastPurgeAt?: number;
}

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes: Record<string, SqsMessageAttribute>;
  readonly traceHeader?: string | undefined;
  readonly senderId: string;
  /** Kept when the message moves to a dead-letter queue: retention counts from the first enqueue. */
  readonly sentAt: number;
  /** Until then the message is delayed (never received) or in flight (received). */
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  lastReceiveAt?: number;
  /** The serial of the latest receive: only its receipt handle may change or delete the message. */
  receiveSerial: number;
  deadLetterQueueSourceArn?: string;
}

/** The settable queue attributes: [default, min, max] for the numeric ones. */
const NUMERIC_ATTRIBUTES: Readonly<Record<string, readonly [number, number, number]>> = {
  DelaySeconds: [0, 0, 900],
  MaximumMessageSize: [SQS_MAX_MESSAGE_BYTES, 1024, SQS_MAX_MESSAGE_BYTES],
  MessageRetentionPeriod: [345_600, 60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 0, SQS_MAX_WAIT_SECONDS],
  VisibilityTimeout: [30, 0, SQS_MAX_VISIBILITY_SECONDS],
  KmsDataKeyReusePeriodSeconds: [300, 60, 86_400],
};
/** Settable attributes stored as given, without semantics here. */
const OPAQUE_ATTRIBUTES = new Set(['Policy', 'KmsMasterKeyId', 'SqsManagedSseEnabled', 'RedriveAllowPolicy']);
const FIFO_ATTRIBUTES = new Set([
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);
/** Attributes GetQueueAttributes can return (besides `All`). */
const READABLE_ATTRIBUTES = [
  'Policy',
  'VisibilityTimeout',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'ApproximateNumberOfMessagesDelayed',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
  'FifoQueue',
  'ContentBasedDeduplication',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'RedriveAllowPolicy',
  'SqsManagedSseEnabled',
] as const;
/** Message system attributes a receive can ask for. */
const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;
/** Operations of the SQS API this server does not implement: answered `UnsupportedOperation`, not "unknown". */
const UNIMPLEMENTED = new Set([
  'AddPermission',
  'CancelMessageMoveTask',
  'ChangeMessageVisibilityBatch',
  'ListDeadLetterSourceQueues',
  'ListMessageMoveTasks',
  'ListQueues',
  'ListQueueTags',
  'RemovePermission',
  'SetQueueAttributes',
  'StartMessageMoveTask',
  'TagQueue',
  'UntagQueue',
]);

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
/** False when `text` holds a character SQS refuses: outside XML 1.0's Char production (or a lone surrogate). */
function allowedCharacters(text: string): boolean {
  for (const char of text) {
    const c = char.codePointAt(0)!;
    const ok =
      c === 0x9 ||
      c === 0xa ||
      c === 0xd ||
      (c >= 0x20 && c <= 0xd7ff) ||
      (c >= 0xe000 && c <= 0xfffd) ||
      (c >= 0x10000 && c <= 0x10ffff);
    if (!ok) return false;
  }
  return true;
}

const md5Hex = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');
const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * The MD5 of message attributes as SQS defines it: names sorted; for each, the name, the data type
 * (each as a 4-byte big-endian length and UTF-8 bytes), a transport byte (1 string/number, 2 binary)
 * and the value (length-prefixed UTF-8, or the raw bytes of a binary value).
 */
export function md5OfMessageAttributes(attributes: Readonly<Record<string, SqsMessageAttribute>>): string {
  const parts: Buffer[] = [];
  const lengthPrefixed = (bytes: Buffer): void => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.DataType.startsWith('Binary')) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(attribute.BinaryValue ?? '', 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(attribute.StringValue ?? '', 'utf8'));
    }
  }
  return md5Hex(Buffer.concat(parts));
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Bytes a message counts against the size limits: body plus each attribute's name, type and value.
 * Tolerates malformed attributes (they count what they have), since batches are sized before validation.
 */
function messageBytes(body: string, attributes: unknown): number {
  let size = utf8Bytes(body);
  if (!isObject(attributes)) return size;
  for (const [name, attribute] of Object.entries(attributes)) {
    if (!isObject(attribute)) continue;
    const dataType = typeof attribute.DataType === 'string' ? attribute.DataType : '';
    const value = dataType.startsWith('Binary') ? attribute.BinaryValue : attribute.StringValue;
    size += utf8Bytes(name) + utf8Bytes(dataType);
    if (typeof value === 'string') {
      size += dataType.startsWith('Binary') ? Buffer.from(value, 'base64').length : utf8Bytes(value);
    }
  }
  return size;
}

function requiredString(input: Json, name: string): string {
  const value = input[name];
  if (value === undefined || value === null) {
    throw new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
  }
  if (typeof value !== 'string') throw invalidParameter(`Value for parameter ${name} is invalid.`);
  return value;
}

/** An optional integer parameter in [min, max], refused with the message SQS gives. */
function optionalInt(input: Json, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(
      `Value ${String(value)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
    );
  }
  return value;
}

function stringList(input: Json, name: string): string[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw invalidParameter(`Value for parameter ${name} is invalid.`);
  }
  return value as string[];
}

function stringMap(input: Json, name: string): Record<string, string> {
  const value = input[name];
  if (value === undefined || value === null) return {};
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw invalidParameter(`Value for parameter ${name} is invalid.`);
  }
  return value as Record<string, string>;
}

/** Checks a body as SQS does (non-empty, allowed characters). */
function checkBody(body: string): void {
  if (body.length === 0) {
    throw invalidParameter('The request must contain the parameter MessageBody.');
  }
  if (!allowedCharacters(body)) {
    throw new SqsError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
}

/** Validates `MessageAttributes` as SQS does: at most 10, names, types, non-empty values, numbers. */
function parseMessageAttributes(value: unknown): Record<string, SqsMessageAttribute> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw invalidParameter('Value for parameter MessageAttributes is invalid.');
  const names = Object.keys(value);
  if (names.length > 10) {
    throw invalidParameter(
      `Number of message attributes [${names.length}] exceeds the allowed maximum [10].`,
    );
  }
  const out: Record<string, SqsMessageAttribute> = {};
  for (const name of names) {
    const raw = value[name];
    if (!ATTRIBUTE_NAME.test(name) || /^(aws|amazon)\./i.test(name)) {
      throw invalidParameter(`Message (user) attribute name '${name}' is invalid.`);
    }
    if (!isObject(raw) || typeof raw.DataType !== 'string' || raw.DataType === '') {
      throw invalidParameter(`The message attribute '${name}' must contain a non-empty attribute type.`);
    }
    const dataType = raw.DataType;
    const base = /^(String|Number|Binary)(?:\.\S+)?$/.exec(dataType)?.[1];
    if (base === undefined || dataType.length > 256) {
      throw invalidParameter(
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    if (base === 'Binary') {
      const binary = raw.BinaryValue;
      if (typeof binary !== 'string' || Buffer.from(binary, 'base64').length === 0) {
        throw invalidParameter(
          `The message attribute '${name}' must contain non-empty message attribute value.`,
        );
      }
      out[name] = { DataType: dataType, BinaryValue: binary };
      continue;
    }
    const text = raw.StringValue;
    if (typeof text !== 'string' || text === '') {
      throw invalidParameter(
        `The message attribute '${name}' must contain non-empty message attribute value.`,
      );
    }
    if (!allowedCharacters(text)) {
      throw invalidParameter(`The message attribute '${name}' contains invalid characters.`);
    }
    if (base === 'Number' && !isSqsNumber(text)) {
      throw invalidParameter(`Can't cast the value of message (user) attribute '${name}' to a number.`);
    }
    out[name] = { DataType: dataType, StringValue: text };
  }
  return out;
}

/** SQS numbers: up to 38 significant digits, between -10^128 and 10^126. */
function isSqsNumber(text: string): boolean {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return false;
  const digits = text
    .replace(/[eE].*$/, '')
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '');
  const value = Number(text);
  return digits.length <= 38 && value > -1e128 && value < 1e126;
}

/** Starts a local SQS on 127.0.0.1; see the file header for what it models. Quiet: prints nothing. */
export async function startLocalSqs(options: LocalSqsOptions = {}): Promise<LocalSqs> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const clock = options.now ?? Date.now;
  const maxWaitMs = options.maxWaitMs ?? 1000;
  const seed = options.seed ?? 1;
  const queues = new Map<string, Queue>();
  const deletedAt = new Map<string, number>();
  const calls: string[] = [];
  const injected: Array<{ shape: string; message: string; operation?: string | undefined }> = [];
  let corruptMd5 = 0;
  let requestCounter = 0;
  let messageCounter = 0;
  let receiveCounter = 0;
  let endpoint = '';
  let closed = false;

  const queueUrl = (name: string): string => `${endpoint}/${accountId}/${name}`;
  const queueArn = (name: string): string => `arn:aws:sqs:${region}:${accountId}:${name}`;

  // --- long polling: waiters are woken on sends and re-checked on a short tick (the clock may be a
  // test's manual one, so a visibility timeout can end without any event here).
  const waiters = new Set<() => void>();
  let ticker: NodeJS.Timeout | undefined;
  const wakeAll = (): void => {
    for (const wake of [...waiters]) wake();
  };
  const addWaiter = (wake: () => void): void => {
    waiters.add(wake);
    ticker ??= setInterval(wakeAll, 10);
    ticker.unref();
  };
  const removeWaiter = (wake: () => void): void => {
    waiters.delete(wake);
    if (waiters.size === 0 && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
  };

  // --- receipt handles: opaque, bound to the queue, the message and one receive.
  const handleSecret = `local-sqs-receipt:${seed}`;
  const mac = (payload: string): string =>
    createHash('sha256').update(`${handleSecret}|${payload}`).digest('base64url').slice(0, 22);
  const receiptHandle = (queue: Queue, message: StoredMessage): string => {
    const payload = Buffer.from(JSON.stringify([queue.name, message.id, message.receiveSerial])).toString(
      'base64url',
    );
    return `${payload}.${mac(payload)}`;
  };
  const parseHandle = (queue: Queue, handle: string): { id: string; serial: number } => {
    const invalid = new SqsError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
    );
    const [payload, signature, extra] = handle.split('.');
    if (!payload || !signature || extra !== undefined || mac(payload) !== signature) throw invalid;
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid;
    }
    if (!Array.isArray(decoded) || decoded[0] !== queue.name) throw invalid;
    return { id: String(decoded[1]), serial: Number(decoded[2]) };
  };

  // --- queues
  const queueFromUrl = (input: Json): Queue => {
    const url = requiredString(input, 'QueueUrl');
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      throw new SqsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
    }
    const [, account, name, ...rest] = path.split('/');
    const queue = account === accountId && name && rest.length === 0 ? queues.get(name) : undefined;
    if (!queue) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  };
  const queueByArn = (arn: string): Queue | undefined => {
    const prefix = `arn:aws:sqs:${region}:${accountId}:`;
    return arn.startsWith(prefix) ? queues.get(arn.slice(prefix.length)) : undefined;
  };
  const numberAttribute = (queue: Queue, name: string): number => Number(queue.attributes.get(name));

  /** Drops messages past the queue's retention period (counted from the first enqueue). */
  const sweep = (queue: Queue, now: number): void => {
    const retentionMs = numberAttribute(queue, 'MessageRetentionPeriod') * 1000;
    for (const [id, message] of queue.messages) {
      if (now >= message.sentAt + retentionMs) queue.messages.delete(id);
    }
  };
  const stateOf = (message: StoredMessage, now: number): LocalSqsMessage['state'] =>
    message.visibleAt <= now ? 'visible' : message.receiveCount > 0 ? 'inFlight' : 'delayed';
  const hasVisible = (queue: Queue, now: number): boolean => {
    for (const message of queue.messages.values()) if (message.visibleAt <= now) return true;
    return false;
  };

  /** Parses and checks queue attributes for CreateQueue; returns them with the redrive policy. */
  const parseQueueAttributes = (
    attributes: Record<string, string>,
  ): { values: Map<string, string>; redrive?: RedrivePolicy } => {
    const values = new Map<string, string>();
    let redrive: RedrivePolicy | undefined;
    for (const [name, value] of Object.entries(attributes)) {
      const range = NUMERIC_ATTRIBUTES[name];
      if (range) {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < range[1] || n > range[2]) {
          throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
        }
        values.set(name, String(n));
      } else if (name === 'RedrivePolicy') {
        redrive = parseRedrivePolicy(value);
        values.set(name, JSON.stringify(redrive));
      } else if (OPAQUE_ATTRIBUTES.has(name)) {
        values.set(name, value);
      } else if (FIFO_ATTRIBUTES.has(name)) {
        if (name === 'FifoQueue' && value === 'false') continue;
        throw new SqsError(
          'UnsupportedOperation',
          `Attribute ${name}: FIFO queues are not implemented by this local SQS.`,
        );
      } else {
        throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      }
    }
    return redrive ? { values, redrive } : { values };
  };
  const parseRedrivePolicy = (text: string): RedrivePolicy => {
    const fail = (reason: string): SqsError =>
      new SqsError(
        'InvalidAttributeValue',
        `Value ${text} for parameter RedrivePolicy is invalid. Reason: ${reason}`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw fail('Redrive policy is not a valid JSON map.');
    }
    if (!isObject(parsed) || typeof parsed.deadLetterTargetArn !== 'string') {
      throw fail('Redrive policy does not contain mandatory attribute: deadLetterTargetArn.');
    }
    // The console and CloudFormation send maxReceiveCount as a string, the API docs as a number.
    const count = Number(parsed.maxReceiveCount);
    if (parsed.maxReceiveCount === undefined || !Number.isInteger(count) || count < 1 || count > 1000) {
      throw fail('Invalid value for maxReceiveCount: must be an integer from 1 to 1000.');
    }
    if (!queueByArn(parsed.deadLetterTargetArn)) throw fail('Dead letter target does not exist.');
    return { deadLetterTargetArn: parsed.deadLetterTargetArn, maxReceiveCount: count };
  };

  // --- messages
  const enqueue = (
    queue: Queue,
    body: string,
    attributes: Record<string, SqsMessageAttribute>,
    delaySeconds: number | undefined,
    traceHeader: string | undefined,
    senderId: string,
  ): StoredMessage => {
    const now = clock();
    const delay = delaySeconds ?? numberAttribute(queue, 'DelaySeconds');
    const message: StoredMessage = {
      id: deterministicUuid(`sqs-message:${seed}`, ++messageCounter),
      body,
      md5OfBody: md5Hex(body),
      attributes,
      traceHeader,
      senderId,
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
      receiveSerial: 0,
    };
    queue.messages.set(message.id, message);
    if (delay === 0) wakeAll();
    return message;
  };

  /** Checks one message of a send as SQS does; returns its parsed attributes. */
  const checkMessage = (queue: Queue, entry: Json): { attributes: Record<string, SqsMessageAttribute> } => {
    const body = requiredString(entry, 'MessageBody');
    checkBody(body);
    const attributes = parseMessageAttributes(entry.MessageAttributes);
    const limit = numberAttribute(queue, 'MaximumMessageSize');
    if (messageBytes(body, attributes) > limit) {
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
      );
    }
    if (entry.MessageGroupId !== undefined || entry.MessageDeduplicationId !== undefined) {
      throw invalidParameter(
        'The request include parameter that is not valid for this queue type. Reason: MessageGroupId and MessageDeduplicationId are only for FIFO queues.',
      );
    }
    return { attributes };
  };
  const traceHeaderOf = (entry: Json): string | undefined => {
    const system = entry.MessageSystemAttributes;
    if (system === undefined || system === null) return undefined;
    if (!isObject(system)) throw invalidParameter('Value for parameter MessageSystemAttributes is invalid.');
    for (const [name, value] of Object.entries(system)) {
      if (name !== 'AWSTraceHeader' || !isObject(value) || typeof value.StringValue !== 'string') {
        throw invalidParameter(`Message system attribute name '${name}' is invalid.`);
      }
      return value.StringValue;
    }
    return undefined;
  };
  const bodyMd5 = (message: StoredMessage, corrupt: boolean): string =>
    corrupt ? md5Hex(`${message.body}#corrupted`) : message.md5OfBody;
  const takeCorruption = (): boolean => {
    if (corruptMd5 === 0) return false;
    corruptMd5 -= 1;
    return true;
  };

  /** Hands out up to `max` visible messages, moving those past maxReceiveCount to the dead-letter queue. */
  const receiveNow = (queue: Queue, max: number, visibilityMs: number): StoredMessage[] => {
    const now = clock();
    sweep(queue, now);
    const out: StoredMessage[] = [];
    for (const message of [...queue.messages.values()]) {
      if (out.length >= max) break;
      if (message.visibleAt > now) continue;
      const dlq = queue.redrive ? queueByArn(queue.redrive.deadLetterTargetArn) : undefined;
      if (dlq && queue.redrive && message.receiveCount >= queue.redrive.maxReceiveCount) {
        // Moved on the receive after its last allowed one; id, sent time and receive count go with it.
        queue.messages.delete(message.id);
        message.deadLetterQueueSourceArn = queue.arn;
        message.visibleAt = now;
        dlq.messages.set(message.id, message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveAt ??= now;
      message.lastReceiveAt = now;
      message.receiveSerial = ++receiveCounter;
      message.visibleAt = now + visibilityMs;
      out.push(message);
    }
    return out;
  };

  const wireMessage = (
    queue: Queue,
    message: StoredMessage,
    systemNames: ReadonlySet<string>,
    attributeNames: readonly string[],
    corrupt: boolean,
  ): Json => {
    const wire: Json = {
      MessageId: message.id,
      ReceiptHandle: receiptHandle(queue, message),
      MD5OfBody: bodyMd5(message, corrupt),
      Body: message.body,
    };
    const all = systemNames.has('All');
    const system: Record<string, string> = {};
    const want = (name: string): boolean => all || systemNames.has(name);
    if (want('SenderId')) system.SenderId = message.senderId;
    if (want('SentTimestamp')) system.SentTimestamp = String(message.sentAt);
    if (want('ApproximateReceiveCount')) system.ApproximateReceiveCount = String(message.receiveCount);
    if (want('ApproximateFirstReceiveTimestamp')) {
      system.ApproximateFirstReceiveTimestamp = String(message.firstReceiveAt ?? message.sentAt);
    }
    if (want('AWSTraceHeader') && message.traceHeader !== undefined) {
      system.AWSTraceHeader = message.traceHeader;
    }
    if (want('DeadLetterQueueSourceArn') && message.deadLetterQueueSourceArn !== undefined) {
      system.DeadLetterQueueSourceArn = message.deadLetterQueueSourceArn;
    }
    if (Object.keys(system).length > 0) wire.Attributes = system;
    const selected: Record<string, SqsMessageAttribute> = {};
    for (const [name, attribute] of Object.entries(message.attributes)) {
      const match = attributeNames.some(
        (pattern) =>
          pattern === 'All' ||
          pattern === '.*' ||
          pattern === name ||
          (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
      );
      if (match) selected[name] = attribute;
    }
    if (Object.keys(selected).length > 0) {
      wire.MessageAttributes = selected;
      wire.MD5OfMessageAttributes = md5OfMessageAttributes(selected);
    }
    return wire;
  };

  /** The `Entries` of a batch, checked as SQS does before any entry is processed. */
  const batchEntries = (input: Json, entryShape: string): Json[] => {
    const entries = input.Entries;
    if (entries === undefined || entries === null) {
      throw new SqsError('MissingParameter', 'The request must contain the parameter Entries.');
    }
    if (!Array.isArray(entries) || entries.some((e) => !isObject(e))) {
      throw invalidParameter('Value for parameter Entries is invalid.');
    }
    if (entries.length === 0) {
      throw new SqsError('EmptyBatchRequest', `There should be at least one ${entryShape} in the request.`);
    }
    if (entries.length > SQS_MAX_BATCH_ENTRIES) {
      throw new SqsError(
        'TooManyEntriesInBatchRequest',
        `Maximum number of entries per request are ${SQS_MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
      );
    }
    const seen = new Set<string>();
    for (const entry of entries as Json[]) {
      const id = entry.Id;
      if (typeof id !== 'string' || !BATCH_ENTRY_ID.test(id)) {
        throw new SqsError(
          'InvalidBatchEntryId',
          'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        );
      }
      if (seen.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
      seen.add(id);
    }
    return entries as Json[];
  };

  /** Deletes by receipt handle: a handle of an earlier receive succeeds but deletes nothing, as documented. */
  const deleteOne = (queue: Queue, handle: string): void => {
    const { id, serial } = parseHandle(queue, handle);
    const message = queue.messages.get(id);
    if (message && message.receiveSerial === serial) queue.messages.delete(id);
  };

  // --- operations
  type Context = { senderId: string; aborted: () => boolean };
  type Operation = (input: Json, context: Context) => Json | Promise<Json>;

  const operations: Record<string, Operation> = {
    CreateQueue: (input) => {
      const name = requiredString(input, 'QueueName');
      if (name.endsWith('.fifo')) {
        throw new SqsError('UnsupportedOperation', 'FIFO queues are not implemented by this local SQS.');
      }
      if (!QUEUE_NAME.test(name)) {
        throw invalidParameter(
          'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
        );
      }
      const given = stringMap(input, 'Attributes');
      const { values, redrive } = parseQueueAttributes(given);
      const existing = queues.get(name);
      if (existing) {
        // Idempotent only when every given attribute matches what the queue has.
        for (const [key, value] of values) {
          if (existing.attributes.get(key) !== value) {
            throw new SqsError(
              'QueueNameExists',
              `A queue already exists with the same name and a different value for attribute ${key}`,
            );
          }
        }
        return { QueueUrl: existing.url };
      }
      const now = clock();
      const deleted = deletedAt.get(name);
      if (deleted !== undefined && now - deleted < SQS_RECREATE_DELAY_MS) {
        throw new SqsError(
          'QueueDeletedRecently',
          'You must wait 60 seconds after deleting a queue before you can create another queue with the same name.',
        );
      }
      const attributes = new Map<string, string>();
      for (const [key, [fallback]] of Object.entries(NUMERIC_ATTRIBUTES))
        attributes.set(key, String(fallback));
      attributes.set('SqsManagedSseEnabled', 'true');
      for (const [key, value] of values) attributes.set(key, value);
      queues.set(name, {
        name,
        url: queueUrl(name),
        arn: queueArn(name),
        attributes,
        redrive,
        messages: new Map(),
        createdAt: now,
        lastModifiedAt: now,
      });
      return { QueueUrl: queueUrl(name) };
    },

    DeleteQueue: (input) => {
      const queue = queueFromUrl(input);
      queues.delete(queue.name);
      deletedAt.set(queue.name, clock());
      wakeAll();
      return {};
    },

    GetQueueUrl: (input) => {
      const name = requiredString(input, 'QueueName');
      const owner = input.QueueOwnerAWSAccountId;
      const queue = owner === undefined || owner === accountId ? queues.get(name) : undefined;
      if (!queue) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
      return { QueueUrl: queue.url };
    },

    GetQueueAttributes: (input) => {
      const queue = queueFromUrl(input);
      const names = stringList(input, 'AttributeNames');
      for (const name of names) {
        if (name !== 'All' && !(READABLE_ATTRIBUTES as readonly string[]).includes(name)) {
          throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
        }
      }
      const now = clock();
      sweep(queue, now);
      const counts = { visible: 0, inFlight: 0, delayed: 0 };
      for (const message of queue.messages.values()) counts[stateOf(message, now)] += 1;
      const computed: Record<string, string> = {
        ApproximateNumberOfMessages: String(counts.visible),
        ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
        ApproximateNumberOfMessagesDelayed: String(counts.delayed),
        CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
        LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
        QueueArn: queue.arn,
      };
      const wanted = names.includes('All') ? READABLE_ATTRIBUTES : names;
      const out: Record<string, string> = {};
      for (const name of wanted) {
        const value = computed[name] ?? queue.attributes.get(name);
        if (value !== undefined) out[name] = value;
      }
      return Object.keys(out).length > 0 ? { Attributes: out } : {};
    },

    SendMessage: (input, context) => {
      const queue = queueFromUrl(input);
      const delay = optionalInt(input, 'DelaySeconds', 0, 900);
      const { attributes } = checkMessage(queue, input);
      const message = enqueue(
        queue,
        input.MessageBody as string,
        attributes,
        delay,
        traceHeaderOf(input),
        context.senderId,
      );
      const out: Json = { MessageId: message.id, MD5OfMessageBody: bodyMd5(message, takeCorruption()) };
      if (Object.keys(attributes).length > 0) out.MD5OfMessageAttributes = md5OfMessageAttributes(attributes);
      if (message.traceHeader !== undefined) {
        out.MD5OfMessageSystemAttributes = md5OfMessageAttributes({
          AWSTraceHeader: { DataType: 'String', StringValue: message.traceHeader },
        });
      }
      return out;
    },

    SendMessageBatch: (input, context) => {
      const queue = queueFromUrl(input);
      const entries = batchEntries(input, 'SendMessageBatchRequestEntry');
      let total = 0;
      for (const entry of entries) {
        total += messageBytes(
          typeof entry.MessageBody === 'string' ? entry.MessageBody : '',
          entry.MessageAttributes,
        );
      }
      if (total > SQS_MAX_MESSAGE_BYTES) {
        throw new SqsError(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${SQS_MAX_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`,
        );
      }
      const corrupt = takeCorruption();
      const successful: Json[] = [];
      const failed: Json[] = [];
      for (const entry of entries) {
        try {
          const delay = optionalInt(entry, 'DelaySeconds', 0, 900);
          const { attributes } = checkMessage(queue, entry);
          const message = enqueue(
            queue,
            entry.MessageBody as string,
            attributes,
            delay,
            traceHeaderOf(entry),
            context.senderId,
          );
          const ok: Json = {
            Id: entry.Id,
            MessageId: message.id,
            MD5OfMessageBody: bodyMd5(message, corrupt),
          };
          if (Object.keys(attributes).length > 0)
            ok.MD5OfMessageAttributes = md5OfMessageAttributes(attributes);
          successful.push(ok);
        } catch (error) {
          if (!(error instanceof SqsError)) throw error;
          failed.push({ Id: entry.Id, SenderFault: true, Code: error.code, Message: error.message });
        }
      }
      return { Successful: successful, Failed: failed };
    },

    ReceiveMessage: async (input, context) => {
      const queue = queueFromUrl(input);
      const max = optionalInt(input, 'MaxNumberOfMessages', 1, SQS_MAX_BATCH_ENTRIES) ?? 1;
      const visibility =
        optionalInt(input, 'VisibilityTimeout', 0, SQS_MAX_VISIBILITY_SECONDS) ??
        numberAttribute(queue, 'VisibilityTimeout');
      const waitSeconds =
        optionalInt(input, 'WaitTimeSeconds', 0, SQS_MAX_WAIT_SECONDS) ??
        numberAttribute(queue, 'ReceiveMessageWaitTimeSeconds');
      const systemNames = new Set([
        ...stringList(input, 'AttributeNames'),
        ...stringList(input, 'MessageSystemAttributeNames'),
      ]);
      for (const name of systemNames) {
        if (name !== 'All' && !(SYSTEM_ATTRIBUTES as readonly string[]).includes(name)) {
          // The deprecated AttributeNames also takes queue attribute names; they select nothing here.
          if (!(READABLE_ATTRIBUTES as readonly string[]).includes(name)) {
            throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
          }
        }
      }
      const attributeNames = stringList(input, 'MessageAttributeNames');
      const deadline = Date.now() + Math.min(waitSeconds * 1000, maxWaitMs);
      let received = receiveNow(queue, max, visibility * 1000);
      // Long poll: answer as soon as anything is visible, or empty at the (capped) deadline.
      while (received.length === 0 && Date.now() < deadline && !context.aborted()) {
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            if (hasVisible(queue, clock()) || Date.now() >= deadline || context.aborted() || closed) {
              removeWaiter(wake);
              resolve();
            }
          };
          addWaiter(wake);
        });
        if (closed || context.aborted() || !queues.has(queue.name)) break;
        received = receiveNow(queue, max, visibility * 1000);
      }
      if (received.length === 0) return {};
      const corrupt = takeCorruption();
      return {
        Messages: received.map((m) => wireMessage(queue, m, systemNames, attributeNames, corrupt)),
      };
    },

    DeleteMessage: (input) => {
      const queue = queueFromUrl(input);
      deleteOne(queue, requiredString(input, 'ReceiptHandle'));
      return {};
    },

    DeleteMessageBatch: (input) => {
      const queue = queueFromUrl(input);
      const successful: Json[] = [];
      const failed: Json[] = [];
      for (const entry of batchEntries(input, 'DeleteMessageBatchRequestEntry')) {
        try {
          deleteOne(queue, requiredString(entry, 'ReceiptHandle'));
          successful.push({ Id: entry.Id });
        } catch (error) {
          if (!(error instanceof SqsError)) throw error;
          failed.push({ Id: entry.Id, SenderFault: true, Code: error.code, Message: error.message });
        }
      }
      return { Successful: successful, Failed: failed };
    },

    ChangeMessageVisibility: (input) => {
      const queue = queueFromUrl(input);
      const handle = requiredString(input, 'ReceiptHandle');
      const seconds = optionalInt(input, 'VisibilityTimeout', 0, SQS_MAX_VISIBILITY_SECONDS);
      if (seconds === undefined) {
        throw new SqsError('MissingParameter', 'The request must contain the parameter VisibilityTimeout.');
      }
      const { id, serial } = parseHandle(queue, handle);
      const message = queue.messages.get(id);
      const now = clock();
      if (!message) {
        throw invalidParameter(
          `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
        );
      }
      if (message.receiveSerial !== serial) {
        throw invalidParameter(
          `Value ${handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`,
        );
      }
      if (stateOf(message, now) !== 'inFlight') {
        throw new SqsError('MessageNotInflight', 'The message referred to is not in flight.');
      }
      // A message may stay invisible at most 12 hours from the receive.
      if (now + seconds * 1000 > (message.lastReceiveAt ?? now) + SQS_MAX_VISIBILITY_SECONDS * 1000) {
        throw invalidParameter(
          `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]`,
        );
      }
      message.visibleAt = now + seconds * 1000;
      if (seconds === 0) wakeAll();
      return {};
    },

    PurgeQueue: (input) => {
      const queue = queueFromUrl(input);
      const now = clock();
      if (queue.lastPurgeAt !== undefined && now - queue.lastPurgeAt < SQS_PURGE_INTERVAL_MS) {
        throw new SqsError(
          'PurgeQueueInProgress',
          `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`,
        );
      }
      queue.lastPurgeAt = now;
      queue.messages.clear();
      return {};
    },
  };

  // --- HTTP
  const send = (res: ServerResponse, status: number, body: Json, error?: SqsError): void => {
    if (res.writableEnded || res.destroyed) return;
    const text = JSON.stringify(body);
    const headers: Record<string, string | number> = {
      'content-type': JSON_10,
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': deterministicUuid(`sqs-request:${seed}`, ++requestCounter),
    };
    if (error) headers['x-amzn-query-error'] = `${error.code};${error.status >= 500 ? 'Receiver' : 'Sender'}`;
    res.writeHead(status, headers);
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let aborted = false;
    res.on('close', () => {
      aborted = true;
    });
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      let raw: Buffer;
      try {
        // Base64 binary attributes and JSON escaping inflate a 1 MiB batch; past this it is surely too long.
        raw = await readBody(req, 4 * SQS_MAX_MESSAGE_BYTES);
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        throw name === 'SendMessageBatch'
          ? new SqsError(
              'BatchRequestTooLong',
              `Batch requests cannot be longer than ${SQS_MAX_MESSAGE_BYTES} bytes.`,
            )
          : invalidParameter(`Message must be shorter than ${SQS_MAX_MESSAGE_BYTES} bytes.`);
      }
      const operation = operations[name];
      if (req.method !== 'POST' || (operation === undefined && !UNIMPLEMENTED.has(name))) {
        throw new SqsError('UnknownOperationException', `Unknown operation ${target || '(none)'}`);
      }
      const authorization = req.headers.authorization;
      if (!authorization) {
        throw new SqsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
      }
      const signedRegion = regionFromAuthorization(authorization);
      if (signedRegion !== region) {
        throw new SqsError(
          'SignatureDoesNotMatch',
          `Credential should be scoped to a valid region (this endpoint is ${region}, not '${signedRegion ?? ''}').`,
        );
      }
      calls.push(name);
      const fault = injected.findIndex((f) => f.operation === undefined || f.operation === name);
      if (fault >= 0) {
        const [{ shape, message }] = injected.splice(fault, 1) as [{ shape: string; message: string }];
        throw new SqsError(shape, message);
      }
      if (operation === undefined) {
        throw new SqsError('UnsupportedOperation', `${name} is not implemented by this local SQS.`);
      }
      let input: unknown;
      try {
        input = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      } catch {
        throw new SqsError('InvalidParameterValue', 'The request body is not valid JSON.');
      }
      if (!isObject(input))
        throw new SqsError('InvalidParameterValue', 'The request body must be a JSON object.');
      // SigV4 `Credential=<access key>/...`: the closest thing to a caller identity we have.
      const senderId = /Credential=([^/,\s]+)\//.exec(authorization)?.[1] ?? 'anonymous';
      const output = await operation(input, { senderId, aborted: () => aborted });
      send(res, 200, output);
    } catch (error) {
      const e = error instanceof SqsError ? error : new SqsError('InternalError', 'Unexpected server error');
      send(res, e.status, { __type: `com.amazonaws.sqs#${e.shape}`, message: e.message }, e);
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  const port = await listen(server, options.port ?? 0);
  endpoint = `http://${LOOPBACK}:${port}`;

  return {
    endpoint,
    port,
    region,
    accountId,
    calls,
    queueUrl,
    queueArn,
    messages(name) {
      const queue = queues.get(name);
      if (!queue) throw new Error(`no queue ${name}`);
      const now = clock();
      sweep(queue, now);
      return [...queue.messages.values()].map((m) => ({
        messageId: m.id,
        body: m.body,
        attributes: m.attributes,
        sentTimestamp: m.sentAt,
        receiveCount: m.receiveCount,
        state: stateOf(m, now),
        deadLetterQueueSourceArn: m.deadLetterQueueSourceArn,
      }));
    },
    throttleNext(n, operation) {
      for (let i = 0; i < n; i++)
        injected.push({ shape: 'RequestThrottled', message: 'Rate exceeded', operation });
    },
    failNext(n, code = 'InternalError', operation) {
      for (let i = 0; i < n; i++)
        injected.push({ shape: code, message: `Injected failure: ${code}`, operation });
    },
    corruptNextMd5(n) {
      corruptMd5 += n;
    },
    async close() {
      closed = true;
      wakeAll();
      await closeServer(server);
    },
  };
}
