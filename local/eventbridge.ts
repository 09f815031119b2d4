// A local stand-in for Amazon EventBridge's PutEvents (AWS JSON 1.1, target prefix AWSEvents),
// faithful enough for the real EventBridgeClient: 1 to 10 entries a call, the 256 KB total entry
// size computed as the user guide describes it, per-entry errors for missing fields, malformed
// detail and unknown buses, and whole-call or per-entry failures on demand. Node built-ins only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  closeServer,
  deterministicUuid,
  LOOPBACK,
  listen,
  readBodyOr,
  regionFromAuthorization,
  sendAwsJson,
} from './net';

const JSON_11 = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSEvents.';
const ACCOUNT = '123456789012';
const DEFAULT_BUS = 'default';
const MAX_ENTRIES = 10;
/** "The total entry size must be less than 256KB" (PutEvents API reference). */
export const MAX_TOTAL_ENTRY_SIZE = 256 * 1024;
/** Generous: the size rule, not the transport, should refuse big batches. */
const BODY_LIMIT = 4 * 1024 * 1024;

/** An entry the bus accepted. */
export interface LocalEvent {
  readonly id: string;
  /** The bus name (an ARN in the request is resolved to its name). */
  readonly bus: string;
  readonly source: string;
  readonly detailType: string;
  /** `Detail`, parsed. */
  readonly detail: Record<string, unknown>;
  /** The entry's `Time`, or the server's clock when the entry had none. */
  readonly time: Date;
  readonly resources: readonly string[];
}

export interface LocalEventBridge {
  readonly endpoint: string;
  readonly account: string;
  /** Accepted entries, in the order they were accepted. */
  readonly events: LocalEvent[];
  /** Every authenticated call, by operation name (retries included). */
  readonly calls: string[];
  /** Creates a custom bus (`default` always exists); returns its ARN for `region` (us-east-1). */
  createBus(name: string, region?: string): string;
  /**
   * Answers the next `count` calls as a whole with `code`: InternalException (500) by default,
   * ThrottlingException (400), or any other code (400).
   */
  failNext(count: number, code?: string): void;
  /** Fails the next `count` otherwise valid entries, one by one, with `code` (InternalFailure by default). */
  failEntriesNext(count: number, code?: string): void;
  /** Forgets events, calls and pending failures; buses stay. */
  reset(): void;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface EntryResult {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

const utf8Length = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value) : 0);

/**
 * The user guide's PutEventsRequestEntry size: 14 bytes for a Time, the UTF-8 bytes of Source,
 * DetailType and Detail, and of each resource.
 */
export function entrySize(entry: Record<string, unknown>): number {
  let size = entry.Time !== undefined && entry.Time !== null ? 14 : 0;
  size += utf8Length(entry.Source) + utf8Length(entry.DetailType) + utf8Length(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) size += utf8Length(r);
  return size;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const statusFor = (code: string): number => (code === 'InternalException' ? 500 : 400);

export async function startLocalEventBridge(
  options: { port?: number; now?: () => Date } = {},
): Promise<LocalEventBridge> {
  const now = options.now ?? (() => new Date());
  const buses = new Set<string>([DEFAULT_BUS]);
  const events: LocalEvent[] = [];
  const calls: string[] = [];
  let callFailures: { count: number; code: string } = { count: 0, code: 'InternalException' };
  let entryFailures: { count: number; code: string } = { count: 0, code: 'InternalFailure' };
  let requests = 0;
  let eventCounter = 0;

  /** A bus name, or `arn:aws:events:<region>:<account>:event-bus/<name>` for this account and region. */
  const resolveBus = (value: unknown, region: string | undefined): string | undefined => {
    if (value === undefined || value === null || value === '') return DEFAULT_BUS;
    if (typeof value !== 'string') return undefined;
    const arn = /^arn:aws:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/.exec(value);
    if (arn) {
      if (arn[2] !== ACCOUNT || (region !== undefined && arn[1] !== region)) return undefined;
      return buses.has(arn[3]!) ? arn[3] : undefined;
    }
    return buses.has(value) ? value : undefined;
  };

  const parseTime = (value: unknown): Date | undefined => {
    if (value === undefined || value === null) return now();
    // JSON 1.1 timestamps are epoch seconds; accept an RFC 3339 string as well.
    const date = typeof value === 'number' ? new Date(value * 1000) : new Date(String(value));
    return Number.isNaN(date.getTime()) ? undefined : date;
  };

  const putEvents = (input: Record<string, unknown>, region: string | undefined): Record<string, unknown> => {
    const entries = input.Entries;
    if (!Array.isArray(entries)) {
      throw new ApiError(
        400,
        'ValidationException',
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      );
    }
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new ApiError(
        400,
        'ValidationException',
        `1 validation error detected: Value '${entries.length} entries' at 'entries' failed to satisfy constraint: ` +
          `Member must have length ${entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`}`,
      );
    }
    if (!entries.every(isObject)) {
      throw new ApiError(400, 'SerializationException', 'Each entry must be an object');
    }
    const total = entries.reduce((sum, e) => sum + entrySize(e), 0);
    if (total > MAX_TOTAL_ENTRY_SIZE) {
      throw new ApiError(
        400,
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }

    const results: EntryResult[] = entries.map((entry): EntryResult => {
      const invalid = (code: string, message: string): EntryResult => ({
        ErrorCode: code,
        ErrorMessage: message,
      });
      for (const field of ['Source', 'DetailType', 'Detail'] as const) {
        if (typeof entry[field] !== 'string' || entry[field] === '') {
          return invalid(
            'InvalidArgument',
            `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
          );
        }
      }
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail as string);
      } catch {
        detail = undefined;
      }
      if (!isObject(detail)) return invalid('MalformedDetail', 'Detail is malformed.');
      const time = parseTime(entry.Time);
      if (time === undefined) return invalid('InvalidArgument', 'Parameter Time is not valid.');
      const bus = resolveBus(entry.EventBusName, region);
      if (bus === undefined) {
        return invalid(
          'ResourceNotFoundException',
          `Event bus ${String(entry.EventBusName)} does not exist.`,
        );
      }
      if (entryFailures.count > 0) {
        entryFailures.count -= 1;
        return invalid(entryFailures.code, 'Injected entry failure');
      }
      eventCounter += 1;
      const id = deterministicUuid('eventbridge-event', eventCounter);
      events.push({
        id,
        bus,
        source: entry.Source as string,
        detailType: entry.DetailType as string,
        detail,
        time,
        resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
      });
      return { EventId: id };
    });
    return {
      FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length,
      Entries: results,
    };
  };

  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string): void =>
    sendAwsJson(res, status, body, {
      contentType: JSON_11,
      requestId: deterministicUuid('eventbridge', ++requests),
      errorType,
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const raw = await readBodyOr(
        req,
        BODY_LIMIT,
        (message) => new ApiError(413, 'SerializationException', message),
      );
      const target = String(req.headers['x-amz-target'] ?? '');
      const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      if (req.method !== 'POST' || name !== 'PutEvents') {
        throw new ApiError(400, 'UnknownOperationException', `Unknown operation ${target}`);
      }
      if (!req.headers.authorization) {
        throw new ApiError(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      calls.push(name);
      if (callFailures.count > 0) {
        callFailures.count -= 1;
        const code = callFailures.code;
        throw new ApiError(
          statusFor(code),
          code,
          code === 'ThrottlingException' ? 'Rate exceeded' : 'Injected failure',
        );
      }
      let input: unknown;
      try {
        input = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ApiError(400, 'SerializationException', 'Request body is not valid JSON');
      }
      if (!isObject(input))
        throw new ApiError(400, 'SerializationException', 'Request body must be an object');
      send(res, 200, putEvents(input, regionFromAuthorization(req.headers.authorization)));
    } catch (error) {
      const e =
        error instanceof ApiError ? error : new ApiError(500, 'InternalException', 'Unexpected server error');
      send(res, e.status, { __type: e.type, message: e.message }, e.type);
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  const port = await listen(server, options.port ?? 0);
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    account: ACCOUNT,
    events,
    calls,
    createBus(name, region = 'us-east-1') {
      if (!/^[A-Za-z0-9._-]{1,256}$/.test(name)) throw new Error(`invalid bus name ${name}`);
      buses.add(name);
      return `arn:aws:events:${region}:${ACCOUNT}:event-bus/${name}`;
    },
    failNext(count, code = 'InternalException') {
      callFailures = { count, code };
    },
    failEntriesNext(count, code = 'InternalFailure') {
      entryFailures = { count, code };
    },
    reset() {
      events.length = 0;
      calls.length = 0;
      callFailures = { count: 0, code: 'InternalException' };
      entryFailures = { count: 0, code: 'InternalFailure' };
    },
    close: () => closeServer(server),
  };
}
