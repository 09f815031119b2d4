// A local stand-in for SNS `Publish` over the AWS query protocol (what @aws-sdk/client-sns 3.1169 speaks):
// form-encoded requests, XML answers, SNS's validation rules, recorded messages and seeded faults.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  BodyTooLargeError,
  closeServer,
  deterministicUuid,
  LOOPBACK,
  listen,
  mulberry32,
  readBody,
  regionFromAuthorization,
} from './net';

/** SNS's limit on a published message: body + subject + attributes, in bytes. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** SNS's limit on `Subject`, in characters. */
export const SNS_MAX_SUBJECT_CHARS = 100;

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/**
 * HTTP status per SNS query error code, as in the SDK's model (`awsQueryError` traits).
 * Codes not listed are answered 400. Note `Throttled` is 429 in the model.
 */
export const SNS_ERROR_STATUS: Readonly<Record<string, number>> = {
  AuthorizationError: 403,
  InternalError: 500,
  InvalidParameter: 400,
  ParameterValueInvalid: 400,
  InvalidSecurity: 403,
  KMSAccessDenied: 400,
  KMSDisabled: 400,
  KMSInvalidState: 400,
  KMSNotFound: 400,
  KMSOptInRequired: 403,
  KMSThrottling: 400,
  NotFound: 404,
  Throttled: 429,
  InvalidAction: 400,
  MissingAuthenticationToken: 403,
  ServiceUnavailable: 503,
};

/** A message attribute as recorded: `value` is the StringValue, or the base64 BinaryValue for Binary types. */
export interface SnsMessageAttribute {
  /** `String`, `String.Array`, `Number`, `Binary`, or one of them with a custom suffix. */
  dataType: string;
  /** StringValue, or base64 of BinaryValue. */
  value: string;
}

/** One accepted `Publish`. */
export interface PublishedMessage {
  /** The id answered to the publisher (deterministic per seed and order). */
  messageId: string;
  /** TopicArn (or TargetArn) as sent. */
  topicArn: string;
  /** From the SigV4 credential scope of the request. */
  region: string;
  /** Subject, when sent. */
  subject?: string | undefined;
  /** Message as sent (the JSON text for `MessageStructure=json`). */
  message: string;
  /** `json` when the message holds one body per protocol. */
  messageStructure?: string | undefined;
  /** FIFO topics only. */
  messageGroupId?: string | undefined;
  /** FIFO topics only. */
  messageDeduplicationId?: string | undefined;
  /** Message attributes by name. */
  attributes: Record<string, SnsMessageAttribute>;
  /** Wall clock (or the `now` option) at arrival. */
  receivedAtMs: number;
}

/** What a subscriber of one protocol receives for a published message. */
export interface SnsDelivery {
  /** The published message's id. */
  messageId: string;
  /** The topic it was published to. */
  topicArn: string;
  /** Subject (email subscribers see it). */
  subject?: string | undefined;
  /** The protocol's entry for `MessageStructure=json` (else `default`), or the message as published. */
  body: string;
  /** Message attributes as published. */
  attributes: Record<string, SnsMessageAttribute>;
}

/** One logged request. */
export interface SnsRequestLog {
  /** `Action` form field ('' when absent). */
  action: string;
  /** From the SigV4 credential scope; '' when unsigned. */
  region: string;
  /** TopicArn (or TargetArn) as sent. */
  topicArn?: string | undefined;
  /** Wall-clock arrival time. */
  atMs: number;
  /** HTTP status answered. */
  status: number;
  /** Query error code answered, e.g. `InvalidParameter`. */
  errorCode?: string | undefined;
  /** True when the error was injected (setFailing, failNext, failureRate). */
  injected: boolean;
}

/** Options of {@link startLocalSns}. */
export interface LocalSnsOptions {
  /** Called after each accepted publish (fault-injection tests use it to crash a run part-way). */
  onPublish?: (message: PublishedMessage) => void;
  /** Known topic ARNs. When given, others get `404 NotFound`; default: any well-formed ARN is accepted. */
  topics?: readonly string[];
  /** Refuse a topic ARN whose region differs from the request's SigV4 region, as SNS does. Default true. */
  checkRegion?: boolean;
  /** Fraction in [0, 1] of otherwise-valid publishes answered with `failureCode`. Default 0. */
  failureRate?: number;
  /** Error code for `failureRate`. Default `InternalError`. */
  failureCode?: string;
  /** PRNG seed for `failureRate`. Default 1. */
  seed?: number;
  /** Clock for `receivedAtMs`. Default `Date.now`. */
  now?: () => number;
  /** Port to bind on 127.0.0.1. Default 0 (any free port). */
  port?: number;
}

/** A running local SNS. */
export interface LocalSns {
  /** `http://127.0.0.1:<port>`: pass as `endpoint` or `AWS_ENDPOINT_URL_SNS`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Accepted publishes, in order. */
  readonly published: readonly PublishedMessage[];
  /** Every request, in arrival order. */
  readonly requests: readonly SnsRequestLog[];
  /** Injected failures answered so far: total and per code. */
  readonly failures: { readonly total: number; readonly byCode: Readonly<Record<string, number>> };
  /** What a subscriber of `protocol` (`email`, `sqs`, `lambda`, `https`...) receives for each accepted publish. */
  deliveries(protocol: string): SnsDelivery[];
  /** Fails every otherwise-valid publish with `code` (e.g. `InternalError`, `Throttled`, `KMSDisabled`) until `false`. */
  setFailing(code: string | false): void;
  /** Fails the next `n` otherwise-valid publishes with `code`, before `setFailing` and `failureRate` apply. */
  failNext(n: number, code: string): void;
  /** Changes the random failure rate (and optionally its code) from now on. */
  setFailureRate(rate: number, code?: string): void;
  /**
   * Refuses, with the code returned, every otherwise-valid publish the predicate picks (say, the
   * messages about one event: a message SNS refuses for good). `undefined` removes it.
   */
  refuseWhen(
    predicate:
      | ((message: {
          message: string;
          attributes: Record<string, SnsMessageAttribute>;
        }) => string | undefined)
      | undefined,
  ): void;
  /** Registers a topic (switches on topic checking if no topics were given). */
  addTopic(topicArn: string): void;
  /** Drops messages, log, pending failures and counters; restores options (topics, rate, seed). */
  reset(): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

class SnsError extends Error {
  readonly status: number;
  constructor(
    readonly code: string,
    message: string,
    readonly injected = false,
  ) {
    super(message);
    this.status = SNS_ERROR_STATUS[code] ?? 400;
  }
}

const TOPIC_ARN =
  /^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function invalid(what: string): SnsError {
  return new SnsError('InvalidParameter', `Invalid parameter: ${what}`);
}

/** Collects `MessageAttributes.entry.N.*` into a map, validating names, types and values like SNS. */
function parseAttributes(form: URLSearchParams): Record<string, SnsMessageAttribute> {
  const entries = new Map<string, Record<string, string>>();
  for (const [key, value] of form) {
    const match =
      /^MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.StringValue|Value\.BinaryValue)$/.exec(
        key,
      );
    if (!match) continue;
    const entry = entries.get(match[1]!) ?? {};
    entry[match[2]!] = value;
    entries.set(match[1]!, entry);
  }
  const out: Record<string, SnsMessageAttribute> = {};
  for (const entry of entries.values()) {
    const name = entry['Name'];
    const dataType = entry['Value.DataType'];
    if (name === undefined || !ATTRIBUTE_NAME.test(name) || /^(AWS|Amazon)\./i.test(name)) {
      throw new SnsError('ParameterValueInvalid', `The message attribute name '${name ?? ''}' is invalid.`);
    }
    if (name in out)
      throw new SnsError('ParameterValueInvalid', `Duplicate message attribute name '${name}'.`);
    if (dataType === undefined) {
      throw new SnsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain a non-empty data type.`,
      );
    }
    const base = /^(String|Number|Binary)(?:\.[^\s]+)?$/.exec(dataType)?.[1];
    if (base === undefined) {
      throw new SnsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    let value: string | undefined;
    if (base === 'Binary') {
      value = entry['Value.BinaryValue'];
    } else {
      value = entry['Value.StringValue'];
      if (
        value !== undefined &&
        base === 'Number' &&
        (value.trim() === '' || !Number.isFinite(Number(value)))
      ) {
        throw new SnsError(
          'ParameterValueInvalid',
          `Could not cast message attribute '${name}' value to number.`,
        );
      }
      if (value !== undefined && dataType === 'String.Array') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          parsed = undefined;
        }
        if (!Array.isArray(parsed)) {
          throw new SnsError(
            'ParameterValueInvalid',
            `The message attribute '${name}' with type 'String.Array' must use a JSON array.`,
          );
        }
      }
    }
    if (value === undefined || value === '') {
      throw new SnsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value.`,
      );
    }
    out[name] = { dataType, value };
  }
  return out;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Starts a local SNS on 127.0.0.1 that accepts `Publish` as SNS does and records each message.
 * Validation: TopicArn present and well-formed (known, if topics are registered; same region as the request);
 * Message present and non-empty; Subject ≤ 100 ASCII printable chars; `MessageStructure=json` needs a JSON
 * object with a string `default`; attribute types String/String.Array/Number/Binary (with custom suffixes);
 * total size ≤ 256 KiB; FIFO topics need MessageGroupId. Quiet: nothing is printed.
 */
export async function startLocalSns(options: LocalSnsOptions = {}): Promise<LocalSns> {
  const seed = options.seed ?? 1;
  const clock = options.now ?? Date.now;
  const checkRegion = options.checkRegion ?? true;
  let topics: Set<string> | undefined = options.topics ? new Set(options.topics) : undefined;
  let rng = mulberry32(seed);
  let failureRate = options.failureRate ?? 0;
  let failureCode = options.failureCode ?? 'InternalError';
  let failing: string | false = false;
  let queued: string[] = [];
  let counter = 0;
  let messageCounter = 0;
  const published: PublishedMessage[] = [];
  const requests: SnsRequestLog[] = [];
  const failures = { total: 0, byCode: {} as Record<string, number> };

  let refuseWhen: Parameters<LocalSns['refuseWhen']>[0];
  const nextInjected = (
    message: string,
    attributes: Record<string, SnsMessageAttribute>,
  ): string | undefined => {
    const refused = refuseWhen?.({ message, attributes });
    if (refused !== undefined) return refused;
    const code = queued.shift();
    if (code !== undefined) return code;
    if (failing !== false) return failing;
    if (failureRate > 0 && rng() < failureRate) return failureCode;
    return undefined;
  };

  const publish = (form: URLSearchParams, region: string, log: SnsRequestLog): string => {
    const topicArn = form.get('TopicArn') ?? form.get('TargetArn') ?? undefined;
    log.topicArn = topicArn;
    if (topicArn === undefined || topicArn === '') {
      throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
    }
    const arn = TOPIC_ARN.exec(topicArn);
    if (!arn) throw invalid('TopicArn');
    if (checkRegion && arn[1] !== region) throw invalid('TopicArn');

    const message = form.get('Message');
    if (message === null) throw invalid('Message Reason: no value for required parameter');
    if (message === '') throw invalid('Empty message');

    const subject = form.get('Subject') ?? undefined;
    if (
      subject !== undefined &&
      (subject.length === 0 || subject.length > SNS_MAX_SUBJECT_CHARS || !/^[\x20-\x7e]+$/.test(subject))
    ) {
      throw invalid('Subject');
    }

    const messageStructure = form.get('MessageStructure') ?? undefined;
    if (messageStructure !== undefined) {
      if (messageStructure !== 'json') throw invalid('MessageStructure');
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        throw invalid('Message Structure - JSON message body failed to parse');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw invalid('Message Structure - JSON message body failed to parse');
      }
      const bodies = parsed as Record<string, unknown>;
      if (typeof bodies['default'] !== 'string') {
        throw invalid('Message Structure - No default entry in JSON message body');
      }
      if (Object.values(bodies).some((v) => typeof v !== 'string')) {
        throw invalid('Message Structure - JSON message body values must be strings');
      }
    }

    const attributes = parseAttributes(form);
    let size = byteLength(message) + (subject === undefined ? 0 : byteLength(subject));
    for (const [name, attr] of Object.entries(attributes)) {
      const valueBytes = attr.dataType.startsWith('Binary')
        ? Buffer.from(attr.value, 'base64').length
        : byteLength(attr.value);
      size += byteLength(name) + byteLength(attr.dataType) + valueBytes;
    }
    if (size > SNS_MAX_MESSAGE_BYTES) throw invalid('Message too long');

    const fifo = topicArn.endsWith('.fifo');
    const messageGroupId = form.get('MessageGroupId') ?? undefined;
    if (fifo && !messageGroupId) throw invalid('The MessageGroupId parameter is required for FIFO topics');
    if (topics && !topics.has(topicArn)) throw new SnsError('NotFound', 'Topic does not exist');

    const injected = nextInjected(message, attributes);
    if (injected !== undefined) {
      failures.total++;
      failures.byCode[injected] = (failures.byCode[injected] ?? 0) + 1;
      throw new SnsError(injected, `Injected failure: ${injected}`, true);
    }

    const messageId = deterministicUuid(`sns-message:${seed}`, ++messageCounter);
    published.push({
      messageId,
      topicArn,
      region,
      subject,
      message,
      messageStructure,
      messageGroupId,
      messageDeduplicationId: form.get('MessageDeduplicationId') ?? undefined,
      attributes,
      receivedAtMs: clock(),
    });
    options.onPublish?.(published[published.length - 1]!);
    return messageId;
  };

  const sendXml = (res: ServerResponse, status: number, xml: string, requestId: string): void => {
    res.writeHead(status, {
      'content-type': 'text/xml',
      'content-length': byteLength(xml),
      'x-amzn-requestid': requestId,
    });
    res.end(xml);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = deterministicUuid(`sns-request:${seed}`, ++counter);
    const region = regionFromAuthorization(req.headers.authorization) ?? '';
    const log: SnsRequestLog = { action: '', region, atMs: Date.now(), status: 200, injected: false };
    requests.push(log);
    try {
      let raw: Buffer;
      try {
        // Form encoding can triple a 256 KiB message; anything past this is certainly too long.
        raw = await readBody(req, 4 * SNS_MAX_MESSAGE_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLargeError) throw invalid('Message too long');
        throw error;
      }
      const form = new URLSearchParams(raw.toString('utf8'));
      log.action = form.get('Action') ?? '';
      if (req.method !== 'POST' || log.action !== 'Publish') {
        throw new SnsError(
          'InvalidAction',
          `The action ${log.action || '(none)'} is not valid for this endpoint.`,
        );
      }
      if (!region)
        throw new SnsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
      const messageId = publish(form, region, log);
      sendXml(
        res,
        200,
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
        requestId,
      );
    } catch (error) {
      const snsError =
        error instanceof SnsError ? error : new SnsError('InternalError', 'Unexpected server error');
      log.status = snsError.status;
      log.errorCode = snsError.code;
      log.injected = snsError.injected;
      const type = snsError.status >= 500 ? 'Receiver' : 'Sender';
      sendXml(
        res,
        snsError.status,
        `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${xmlEscape(snsError.code)}</Code>` +
          `<Message>${xmlEscape(snsError.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        requestId,
      );
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  const port = await listen(server, options.port ?? 0);

  return {
    url: `http://${LOOPBACK}:${port}`,
    port,
    published,
    requests,
    failures,
    deliveries(protocol) {
      return published.map((p) => {
        let body = p.message;
        if (p.messageStructure === 'json') {
          const bodies = JSON.parse(p.message) as Record<string, string>;
          body = bodies[protocol] ?? bodies['default'] ?? '';
        }
        return {
          messageId: p.messageId,
          topicArn: p.topicArn,
          subject: p.subject,
          body,
          attributes: p.attributes,
        };
      });
    },
    setFailing(code) {
      failing = code;
    },
    failNext(n, code) {
      for (let i = 0; i < n; i++) queued.push(code);
    },
    setFailureRate(rate, code) {
      failureRate = rate;
      if (code !== undefined) failureCode = code;
    },
    refuseWhen(predicate) {
      refuseWhen = predicate;
    },
    addTopic(topicArn) {
      topics ??= new Set();
      topics.add(topicArn);
    },
    reset() {
      published.length = 0;
      requests.length = 0;
      queued = [];
      failing = false;
      refuseWhen = undefined;
      counter = 0;
      messageCounter = 0;
      failures.total = 0;
      for (const code of Object.keys(failures.byCode)) delete failures.byCode[code];
      topics = options.topics ? new Set(options.topics) : undefined;
      rng = mulberry32(seed);
      failureRate = options.failureRate ?? 0;
      failureCode = options.failureCode ?? 'InternalError';
    },
    close: () => closeServer(server),
  };
}
