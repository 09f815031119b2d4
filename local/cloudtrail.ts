// A local stand-in for CloudTrail `LookupEvents` (AWS JSON 1.1), faithful enough for the real
// CloudTrailClient: per-region stores and rate limits, 90-day window, delayed visibility,
// parameter-bound NextTokens, and seeded fault injection. Node built-ins only.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  closeServer,
  deterministicUuid,
  LOOPBACK,
  listen,
  mulberry32,
  readBodyOr,
  regionFromAuthorization,
  sendAwsJson,
} from './net';

/** How far back Event history reaches, as in the real service. */
export const NINETY_DAYS_MS = 90 * 24 * 60 * 60 * 1000;
/** Largest and default page size of `LookupEvents`. */
export const MAX_RESULTS_LIMIT = 50;
/** The lookup attribute keys the server filters on (the real API's list). */
export const LOOKUP_ATTRIBUTE_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
] as const;
/** One of {@link LOOKUP_ATTRIBUTE_KEYS}. */
export type LookupAttributeKey = (typeof LOOKUP_ATTRIBUTE_KEYS)[number];

/** A CloudTrail management event record as it appears in `CloudTrailEvent` (the fields we generate, plus any others). */
export interface CloudTrailRecord {
  eventVersion: string;
  userIdentity: Record<string, unknown>;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  eventType: string;
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: string;
  [key: string]: unknown;
}

/** Overrides for {@link makeRecord}: any record field, plus shortcuts for the time and the identity. */
export type MakeRecordInput = Partial<CloudTrailRecord> & {
  /** Event time in ms since the epoch (rounded down to the second, as CloudTrail records it). Default: now. */
  eventTimeMs?: number;
  /** Identity shape to generate when `userIdentity` is not given. Default `IAMUser`. */
  identityType?: 'IAMUser' | 'AssumedRole' | 'Root';
  /** IAM user name, or the role session name for `AssumedRole`. Default `alice`. */
  userName?: string;
  /** Role name for `AssumedRole`. Default `Admin`. */
  roleName?: string;
  /** Account id for ARNs and `recipientAccountId`. Default `111122223333`. */
  accountId?: string;
  /** Access key id in `userIdentity`. Default: a generated `AKIA…` (IAMUser, Root) or `ASIA…` (AssumedRole). */
  accessKeyId?: string;
};

/** Builds CloudTrail records; see {@link createRecordFactory}. */
export type RecordFactory = (input?: MakeRecordInput) => CloudTrailRecord;

/** A StopLogging of the trail `main` in `region` by `userName` (alice), refused with `errorCode` when given. */
export function stopLoggingRecord(
  make: RecordFactory,
  timeMs: number,
  {
    region = 'eu-west-1',
    userName,
    errorCode,
  }: { region?: string; userName?: string; errorCode?: string } = {},
): CloudTrailRecord {
  return make({
    eventName: 'StopLogging',
    eventSource: 'cloudtrail.amazonaws.com',
    eventTime: new Date(timeMs).toISOString(),
    awsRegion: region,
    readOnly: false,
    ...(userName ? { userName } : {}),
    requestParameters: { name: `arn:aws:cloudtrail:${region}:111122223333:trail/main` },
    ...(errorCode
      ? { errorCode, errorMessage: 'User is not authorized to perform cloudtrail:StopLogging' }
      : {}),
  });
}

const READ_ONLY_PREFIXES = ['Describe', 'List', 'Get', 'Head', 'Lookup', 'Search', 'Batch Get'];

/**
 * Returns a record builder whose generated ids, IPs and keys come from a PRNG seeded with `seed`:
 * the same calls give the same records (except a defaulted `eventTime`, which is the wall clock).
 */
export function createRecordFactory(seed = 1): RecordFactory {
  const rng = mulberry32(seed);
  const hex = (n: number): string => {
    let out = '';
    for (let i = 0; i < n; i++) out += Math.floor(rng() * 16).toString(16);
    return out;
  };
  const uuid = (): string => {
    const h = hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const upperId = (prefix: string): string => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let out = prefix;
    while (out.length < 20) out += alphabet.charAt(Math.floor(rng() * alphabet.length));
    return out;
  };

  return (input: MakeRecordInput = {}): CloudTrailRecord => {
    const {
      eventTimeMs,
      identityType = 'IAMUser',
      userName = 'alice',
      roleName = 'Admin',
      accountId = '111122223333',
      accessKeyId,
      ...overrides
    } = input;
    const timeMs = Math.floor((eventTimeMs ?? Date.now()) / 1000) * 1000;
    const eventTime = new Date(timeMs).toISOString().replace('.000Z', 'Z');
    const eventName = overrides.eventName ?? 'DescribeInstances';
    const readOnly = READ_ONLY_PREFIXES.some((p) => eventName.startsWith(p));

    let userIdentity: Record<string, unknown>;
    if (identityType === 'AssumedRole') {
      const roleId = upperId('AROA');
      userIdentity = {
        type: 'AssumedRole',
        principalId: `${roleId}:${userName}`,
        arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${userName}`,
        accountId,
        accessKeyId: accessKeyId ?? upperId('ASIA'),
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: roleId,
            arn: `arn:aws:iam::${accountId}:role/${roleName}`,
            accountId,
            userName: roleName,
          },
          webIdFederationData: {},
          attributes: { creationDate: new Date(timeMs - 600_000).toISOString(), mfaAuthenticated: 'false' },
        },
      };
    } else if (identityType === 'Root') {
      userIdentity = {
        type: 'Root',
        principalId: accountId,
        arn: `arn:aws:iam::${accountId}:root`,
        accountId,
        accessKeyId: accessKeyId ?? upperId('AKIA'),
      };
    } else {
      userIdentity = {
        type: 'IAMUser',
        principalId: upperId('AIDA'),
        arn: `arn:aws:iam::${accountId}:user/${userName}`,
        accountId,
        accessKeyId: accessKeyId ?? upperId('AKIA'),
        userName,
      };
    }

    const awsRegion = overrides.awsRegion ?? 'eu-west-1';
    return {
      eventVersion: '1.08',
      userIdentity,
      eventTime,
      eventSource: 'ec2.amazonaws.com',
      eventName,
      awsRegion,
      // 203.0.113.0/24 is TEST-NET-3: never a real address.
      sourceIPAddress: `203.0.113.${1 + Math.floor(rng() * 254)}`,
      userAgent: 'aws-cli/2.17.0 md/awscrt#0.20.11 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.9',
      requestParameters: readOnly ? { maxResults: 50 } : {},
      responseElements: readOnly ? null : { _return: true },
      requestID: uuid(),
      eventID: uuid(),
      readOnly,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: accountId,
      eventCategory: 'Management',
      ...overrides,
    };
  };
}

/** Builds a realistic CloudTrail management event record (seed 1; see {@link createRecordFactory}). */
export const makeRecord: RecordFactory = createRecordFactory(1);

/**
 * The `LookupEvents` envelope of a stored event. Derived from the record when it is an object;
 * required (at least `eventId`, `eventName`, `eventTimeMs`) when the record is a raw, unparseable string.
 */
export interface EventEnvelope {
  /** `EventId`; unique per region. */
  eventId: string;
  /** `EventName`. */
  eventName: string;
  /** ms since the epoch. */
  eventTimeMs: number;
  /** `EventSource` and the `EventSource` lookup attribute. */
  eventSource?: string | undefined;
  /** `Username`: IAM user name, role session name, or `root`. */
  username?: string | undefined;
  /** `AccessKeyId`. */
  accessKeyId?: string | undefined;
  /** `ReadOnly` ("true"/"false" on the wire). */
  readOnly?: boolean | undefined;
  /** `Resources` (from the record's `resources[].type/ARN`). */
  resources?: ReadonlyArray<{ type?: string | undefined; name?: string | undefined }> | undefined;
}

/** Options of {@link LocalCloudTrail.addEvent}. */
export interface AddEventOptions {
  /**
   * The member account whose Event history holds it: only calls signed with that account's
   * credentials (as issued by the local STS, `ASIA` + the account id) see it. None: the history
   * every other caller sees.
   */
  account?: string | undefined;
  /** When the event shows up in LookupEvents (ms since the epoch, server clock). Default: its eventTime. */
  visibleAtMs?: number | undefined;
  /** Alternative to `visibleAtMs`: eventTime + this delay (CloudTrail's delivery lag is ~5-15 min). */
  visibilityDelayMs?: number | undefined;
  /** Envelope fields that override (or, for raw string records, supply) what the record says. */
  envelope?: Partial<EventEnvelope> | undefined;
}

/** Where an account's history of a region is kept: the region alone for the default account. */
function historyKey(account: string | undefined, region: string): string {
  return account === undefined ? region : `${account}/${region}`;
}

/** One logged `POST /`, answered or refused. */
export interface LookupRequestLog {
  /** From the SigV4 credential scope; '' when the request carried none. */
  region: string;
  /** The member account the caller's credentials belong to (a local STS session), if any. */
  account?: string | undefined;
  /**
   * Inclusive bounds in ms: as resolved (defaults applied) for calls that reached validation; as sent
   * for rate-limited calls; undefined when absent or unparsable there.
   */
  startMs: number | undefined;
  /** See `startMs`. */
  endMs: number | undefined;
  /** The token as sent. */
  nextToken?: string | undefined;
  /** Resolved page size (default 50); undefined when unparsed. */
  maxResults: number | undefined;
  /** The one lookup attribute, when valid. */
  lookupAttribute?: { key: string; value: string } | undefined;
  /** Wall-clock arrival time (Date.now()), not the controllable server clock. */
  atMs: number;
  /** The controllable server clock when the call was answered (what was visible); undefined if refused earlier. */
  serverNowMs?: number | undefined;
  /** HTTP status answered. */
  status: number;
  /** `__type` of the error answered, e.g. `ThrottlingException`. */
  errorType?: string | undefined;
  /** Why an error was sent when it was not the caller's fault. */
  fault?: 'rate-limit' | 'injected-throttle' | 'injected-server-error' | undefined;
  /** Number of events in the answer (0 for errors). */
  returned: number;
}

/** Per-region counters from {@link LocalCloudTrail.stats}. */
export interface RegionStats {
  /** All requests signed for this region. */
  requests: number;
  /** 200 answers. */
  okPages: number;
  /** Events across all 200 answers. */
  eventsReturned: number;
  /** All ThrottlingException answers (rate limit + injected). */
  throttled: number;
  /** ThrottlingException because the region's token bucket was empty. */
  rateLimited: number;
  /** ThrottlingException injected by `throttleRate` or `failNext`. */
  injectedThrottles: number;
  /** 500/503 answers (all injected). */
  serverErrors: number;
  /** Other 4xx answers (validation, unknown operation, bad token...). */
  clientErrors: number;
}

/** Fault rates applied to otherwise-valid calls; each in [0, 1]. */
export interface CloudTrailFaults {
  /** Fraction answered `400 ThrottlingException`. */
  throttleRate?: number;
  /** Fraction answered `500 InternalServerException` or `503 ServiceUnavailableException` (half each). */
  serverErrorRate?: number;
}

/** A fault for {@link LocalCloudTrail.failNext}. */
/** `fatal`: a 400 the SDK does not retry, standing in for a run that dies part-way. */
export type CloudTrailFault = 'throttle' | 500 | 503 | 'fatal';

/** Options of {@link startLocalCloudTrail}. */
export interface LocalCloudTrailOptions extends CloudTrailFaults {
  /**
   * Per-region token bucket: capacity = refill rate = this many requests per second, on REAL wall time
   * (the SDK's retry sleeps are real). Default 2 (CloudTrail's LookupEvents limit). `Infinity` or 0 disables it.
   */
  requestsPerSecond?: number;
  /** Bucket capacity (burst). Default = `requestsPerSecond`, i.e. strict. */
  burst?: number;
  /**
   * Clock of the rate limit, in ms. Default `performance.now` (monotonic wall time); a test running
   * on virtual time passes `() => Date.now()` so that the limit holds in that time.
   */
  rateClock?: () => number;
  /** Server clock for visibility and the 90-day window (not for the rate limit). Default `Date.now`. */
  now?: () => number;
  /** PRNG seed for fault injection. Default 1. */
  seed?: number;
  /** Port to bind on 127.0.0.1. Default 0 (any free port). */
  port?: number;
}

/** A running local CloudTrail. */
export interface LocalCloudTrail {
  /** `http://127.0.0.1:<port>`: pass as `endpoint` or `AWS_ENDPOINT_URL_CLOUDTRAIL`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Every request, in arrival order (cleared by `reset`). */
  readonly requests: readonly LookupRequestLog[];
  /** Faults injected so far (rate-limit throttles are not faults: see `stats`). */
  readonly injectedFaults: { readonly throttles: number; readonly serverErrors: number };
  /**
   * Stores one event in `region`. `record` is an object (serialised to JSON) or a raw string
   * (stored as-is, possibly malformed; then `opts.envelope` must give eventId, eventName, eventTimeMs).
   * Throws on a duplicate eventId in the region. Returns the eventId.
   */
  addEvent(region: string, record: object | string, opts?: AddEventOptions): string;
  /** Stores many events in `region` (same `opts` for all; envelopes are per-record, so not accepted here). */
  addEvents(region: string, records: ReadonlyArray<object>, opts?: Omit<AddEventOptions, 'envelope'>): void;
  /** Events stored in `region`, or in all regions. */
  eventCount(region?: string): number;
  /** Counters per history: a region, or `<account>/<region>` for a member account (seen in requests or stores). */
  stats(): Record<string, RegionStats>;
  /** How many successful (200) answers carried the event: fault suites tell a window gap from a lost alert. */
  timesReturned(eventId: string): number;
  /** Changes the fault rates from now on (unset keys keep their value). */
  setFaults(faults: CloudTrailFaults): void;
  /** Answers the next `n` otherwise-valid calls with `fault` (before the random faults apply). */
  failNext(n: number, fault: CloudTrailFault): void;
  /** Drops the faults queued by `failNext` that have not been used yet. */
  clearFailNext(): void;
  /**
   * Refuses (or, with false, allows again) every call from a member account's sessions with
   * AccessDeniedException, as when its role is deleted or its policy edited: sessions already
   * issued stay valid credentials but lose their permissions.
   */
  denyAccount(account: string, deny: boolean): void;
  /** Changes the rate limit from now on (refills every bucket). `Infinity` or 0 disables it. */
  setRequestsPerSecond(rps: number, burst?: number): void;
  /** Fixes the server clock at `ms`, or installs a clock function. */
  setNow(now: number | (() => number)): void;
  /** The server clock's current value (ms). */
  now(): number;
  /** Drops events, log, stats, buckets and pending faults; restores the options' faults, clock and PRNG seed. */
  reset(): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

interface StoredEvent {
  readonly timeMs: number;
  readonly id: string;
  readonly visibleAtMs: number;
  readonly name: string;
  readonly source: string | undefined;
  readonly readOnly: 'true' | 'false' | undefined;
  readonly username: string | undefined;
  readonly accessKeyId: string | undefined;
  readonly resources: ReadonlyArray<{ ResourceType?: string; ResourceName?: string }>;
  readonly body: string;
}

/** Ascending (eventTime, eventId); responses walk it backwards for newest first. */
function compareEvents(a: { timeMs: number; id: string }, b: { timeMs: number; id: string }): number {
  if (a.timeMs !== b.timeMs) return a.timeMs - b.timeMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** First index whose element is not less than `key` (by {@link compareEvents}). */
function lowerBound(events: readonly StoredEvent[], key: { timeMs: number; id: string }): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEvents(events[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose eventTime is greater than `timeMs`. */
function upperBoundTime(events: readonly StoredEvent[], timeMs: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.timeMs <= timeMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One region's events: sorted once per batch of additions, never per request. */
class RegionStore {
  private sorted: StoredEvent[] = [];
  private pending: StoredEvent[] = [];
  private readonly ids = new Set<string>();

  add(event: StoredEvent): void {
    if (this.ids.has(event.id)) throw new Error(`duplicate eventId ${event.id}`);
    this.ids.add(event.id);
    this.pending.push(event);
  }

  get size(): number {
    return this.ids.size;
  }

  view(): readonly StoredEvent[] {
    if (this.pending.length === 0) return this.sorted;
    const batch = this.pending.sort(compareEvents);
    this.pending = [];
    const last = this.sorted[this.sorted.length - 1];
    if (last === undefined || compareEvents(last, batch[0]!) < 0) {
      // Appending in time order (the common case) costs only the batch.
      for (const e of batch) this.sorted.push(e);
      return this.sorted;
    }
    const merged: StoredEvent[] = new Array(this.sorted.length + batch.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < this.sorted.length && j < batch.length) {
      merged[k++] = compareEvents(this.sorted[i]!, batch[j]!) <= 0 ? this.sorted[i++]! : batch[j++]!;
    }
    while (i < this.sorted.length) merged[k++] = this.sorted[i++]!;
    while (j < batch.length) merged[k++] = batch[j++]!;
    this.sorted = merged;
    return merged;
  }
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly fault?: LookupRequestLog['fault'],
  ) {
    super(message);
  }
}

const JSON_11 = 'application/x-amz-json-1.1';
const BODY_LIMIT_BYTES = 1024 * 1024;

function emptyStats(): RegionStats {
  return {
    requests: 0,
    okPages: 0,
    eventsReturned: 0,
    throttled: 0,
    rateLimited: 0,
    injectedThrottles: 0,
    serverErrors: 0,
    clientErrors: 0,
  };
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isRecordObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** LookupEvents' `Username`: the IAM user, the role session for assumed roles, `root` for the root user. */
function usernameOf(identity: Record<string, unknown>): string | undefined {
  const userName = asString(identity['userName']);
  if (userName) return userName;
  const type = asString(identity['type']);
  if (type === 'AssumedRole') return asString(identity['arn'])?.split('/').pop();
  if (type === 'Root') return 'root';
  return undefined;
}

function envelopeFromRecord(record: Record<string, unknown>): Partial<EventEnvelope> {
  const identity = isRecordObject(record['userIdentity']) ? record['userIdentity'] : {};
  const time = asString(record['eventTime']);
  const resources = Array.isArray(record['resources'])
    ? record['resources']
        .filter(isRecordObject)
        .map((r) => ({ type: asString(r['type']), name: asString(r['ARN']) }))
    : undefined;
  return {
    eventId: asString(record['eventID']),
    eventName: asString(record['eventName']),
    eventTimeMs: time === undefined ? undefined : Date.parse(time),
    eventSource: asString(record['eventSource']),
    username: usernameOf(identity),
    accessKeyId: asString(identity['accessKeyId']),
    readOnly: typeof record['readOnly'] === 'boolean' ? record['readOnly'] : undefined,
    resources,
  };
}

/** Seconds (possibly fractional) to whole ms; rounding avoids float noise like 1.7e12 - 1. */
function secondsToMs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ApiError(400, 'SerializationException', `${field} must be a timestamp in epoch seconds`);
  }
  return Math.round(value * 1000);
}

/**
 * Starts a local CloudTrail `LookupEvents` endpoint on 127.0.0.1. Quiet: nothing is printed.
 *
 * Semantics: inclusive `StartTime`/`EndTime` (defaults: now - 90 days, now); newest first, ties broken by
 * EventId (descending); only events within 90 days of server-now and already visible; `MaxResults` 1..50;
 * at most one lookup attribute; `NextToken` bound to region, bounds as sent, attribute and page size, and
 * positioned strictly after the last returned (eventTime, eventId) so that late-visible older events still
 * appear on later pages. Errors are JSON 1.1 (`__type` in the body and `x-amzn-ErrorType` header).
 */
export async function startLocalCloudTrail(options: LocalCloudTrailOptions = {}): Promise<LocalCloudTrail> {
  const seed = options.seed ?? 1;
  const tokenKey = createHash('sha256').update(`trailwatch-local-cloudtrail:${seed}`).digest();

  let clock: () => number = options.now ?? Date.now;
  let rng = mulberry32(seed);
  let throttleRate = options.throttleRate ?? 0;
  let serverErrorRate = options.serverErrorRate ?? 0;
  let rps = options.requestsPerSecond ?? 2;
  let burst = options.burst ?? rps;
  let queuedFaults: CloudTrailFault[] = [];
  /** Member accounts whose role no longer allows LookupEvents (deleted or edited). */
  const denied = new Set<string>();
  let requestCounter = 0;
  const injected = { throttles: 0, serverErrors: 0 };
  const stores = new Map<string, RegionStore>();
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  const regionStats = new Map<string, RegionStats>();
  const requests: LookupRequestLog[] = [];
  const returnedCounts = new Map<string, number>();

  const storeOf = (region: string): RegionStore => {
    let store = stores.get(region);
    if (!store) {
      store = new RegionStore();
      stores.set(region, store);
    }
    return store;
  };
  const statsOf = (region: string): RegionStats => {
    let s = regionStats.get(region);
    if (!s) {
      s = emptyStats();
      regionStats.set(region, s);
    }
    return s;
  };

  const rateClock = options.rateClock ?? (() => performance.now());
  const unlimited = (): boolean => !(rps > 0 && Number.isFinite(rps));

  /** Token bucket on monotonic wall time: refill `rps`/s continuously up to `burst`; a request takes one token. */
  const takeToken = (region: string): boolean => {
    if (unlimited()) return true;
    const nowMs = rateClock();
    const bucket = buckets.get(region) ?? { tokens: burst, atMs: nowMs };
    bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.atMs) / 1000) * rps);
    bucket.atMs = nowMs;
    buckets.set(region, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const sign = (payload: string): string =>
    createHmac('sha256', tokenKey).update(payload).digest('base64url');

  const encodeToken = (paramsHash: string, last: StoredEvent): string => {
    const payload = Buffer.from(JSON.stringify({ h: paramsHash, t: last.timeMs, i: last.id })).toString(
      'base64url',
    );
    return `${payload}.${sign(payload)}`;
  };

  const decodeToken = (token: string, paramsHash: string): { timeMs: number; id: string } => {
    const invalid = new ApiError(400, 'InvalidNextTokenException', 'Invalid NextToken');
    const [payload, mac, extra] = token.split('.');
    if (payload === undefined || mac === undefined || extra !== undefined) throw invalid;
    const expected = Buffer.from(sign(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid;
    }
    if (!isRecordObject(parsed) || typeof parsed['t'] !== 'number' || typeof parsed['i'] !== 'string')
      throw invalid;
    // A token from a different query (bounds, attribute, page size or region) is refused, as CloudTrail does.
    if (parsed['h'] !== paramsHash) throw invalid;
    return { timeMs: parsed['t'], id: parsed['i'] };
  };

  const nextFault = (): { status: number; type: string; kind: 'throttle' | 'server' } | undefined => {
    const queued = queuedFaults.shift();
    const pick =
      queued ??
      (() => {
        if (throttleRate <= 0 && serverErrorRate <= 0) return undefined;
        const r = rng();
        if (r < throttleRate) return 'throttle' as const;
        if (r < throttleRate + serverErrorRate) return rng() < 0.5 ? (500 as const) : (503 as const);
        return undefined;
      })();
    if (pick === undefined) return undefined;
    if (pick === 'throttle') return { status: 400, type: 'ThrottlingException', kind: 'throttle' };
    if (pick === 'fatal') return { status: 400, type: 'InvalidTimeRangeException', kind: 'server' };
    if (pick === 500) return { status: 500, type: 'InternalServerException', kind: 'server' };
    return { status: 503, type: 'ServiceUnavailableException', kind: 'server' };
  };

  const toWireEvent = (e: StoredEvent): Record<string, unknown> => {
    const out: Record<string, unknown> = { EventId: e.id, EventName: e.name };
    if (e.readOnly !== undefined) out['ReadOnly'] = e.readOnly;
    if (e.accessKeyId !== undefined) out['AccessKeyId'] = e.accessKeyId;
    out['EventTime'] = e.timeMs / 1000;
    if (e.source !== undefined) out['EventSource'] = e.source;
    if (e.username !== undefined) out['Username'] = e.username;
    out['Resources'] = e.resources;
    out['CloudTrailEvent'] = e.body;
    return out;
  };

  const matches = (e: StoredEvent, key: LookupAttributeKey, value: string): boolean => {
    switch (key) {
      case 'EventId':
        return e.id === value;
      case 'EventName':
        return e.name === value;
      case 'EventSource':
        return e.source === value;
      case 'ReadOnly':
        return e.readOnly === value;
      case 'Username':
        return e.username === value;
      case 'AccessKeyId':
        return e.accessKeyId === value;
      case 'ResourceType':
        return e.resources.some((r) => r.ResourceType === value);
      case 'ResourceName':
        return e.resources.some((r) => r.ResourceName === value);
    }
  };

  const lookup = (
    region: string,
    input: Record<string, unknown>,
    log: LookupRequestLog,
  ): { body: Record<string, unknown>; ids: string[] } => {
    const nowMs = clock();
    log.serverNowMs = nowMs;
    const rawStart = secondsToMs(input['StartTime'], 'StartTime');
    const rawEnd = secondsToMs(input['EndTime'], 'EndTime');
    const startMs = rawStart ?? nowMs - NINETY_DAYS_MS;
    const endMs = rawEnd ?? nowMs;
    log.startMs = startMs;
    log.endMs = endMs;

    const rawMax = input['MaxResults'];
    if (
      rawMax !== undefined &&
      rawMax !== null &&
      (typeof rawMax !== 'number' || !Number.isInteger(rawMax))
    ) {
      throw new ApiError(400, 'SerializationException', 'MaxResults must be an integer');
    }
    const maxResults = typeof rawMax === 'number' ? rawMax : MAX_RESULTS_LIMIT;
    log.maxResults = maxResults;
    const nextToken = input['NextToken'];
    if (nextToken !== undefined && nextToken !== null && typeof nextToken !== 'string') {
      throw new ApiError(400, 'SerializationException', 'NextToken must be a string');
    }
    if (typeof nextToken === 'string') log.nextToken = nextToken;

    const attrs = input['LookupAttributes'] ?? [];
    if (!Array.isArray(attrs))
      throw new ApiError(400, 'SerializationException', 'LookupAttributes must be a list');
    if (attrs.length > 1) {
      throw new ApiError(
        400,
        'InvalidLookupAttributesException',
        'You cannot specify more than one lookup attribute.',
      );
    }
    let attribute: { key: LookupAttributeKey; value: string } | undefined;
    const first: unknown = attrs[0];
    if (first !== undefined) {
      const key = isRecordObject(first) ? first['AttributeKey'] : undefined;
      const value = isRecordObject(first) ? first['AttributeValue'] : undefined;
      if (typeof key !== 'string' || !(LOOKUP_ATTRIBUTE_KEYS as readonly string[]).includes(key)) {
        throw new ApiError(400, 'InvalidLookupAttributesException', `Invalid AttributeKey: ${String(key)}`);
      }
      if (typeof value !== 'string' || value.length === 0 || value.length > 2000) {
        throw new ApiError(
          400,
          'InvalidLookupAttributesException',
          'AttributeValue must be 1-2000 characters',
        );
      }
      attribute = { key: key as LookupAttributeKey, value };
      log.lookupAttribute = attribute;
    }

    if (maxResults < 1 || maxResults > MAX_RESULTS_LIMIT) {
      throw new ApiError(
        400,
        'InvalidMaxResultsException',
        `MaxResults must be between 1 and ${MAX_RESULTS_LIMIT}`,
      );
    }
    if (startMs > endMs) {
      throw new ApiError(400, 'InvalidTimeRangeException', 'Start time must be before or equal to end time.');
    }
    const category = input['EventCategory'];
    if (category !== undefined && category !== null && category !== 'insight') {
      throw new ApiError(400, 'InvalidEventCategoryException', 'EventCategory must be "insight"');
    }

    // Bind the token to the parameters as sent (not as defaulted): a defaulted EndTime moves between pages.
    const paramsHash = createHash('sha256')
      .update(
        JSON.stringify([
          region,
          rawStart ?? null,
          rawEnd ?? null,
          attribute ?? null,
          maxResults,
          category ?? null,
        ]),
      )
      .digest('base64url')
      .slice(0, 22);
    const position = typeof nextToken === 'string' ? decodeToken(nextToken, paramsHash) : undefined;

    // Insight events are not modelled: an insight lookup is valid and empty.
    const events = category === 'insight' ? [] : storeOf(region).view();
    const lowestMs = Math.max(startMs, nowMs - NINETY_DAYS_MS);
    let top = upperBoundTime(events, endMs);
    if (position) top = Math.min(top, lowerBound(events, position));

    const page: StoredEvent[] = [];
    let more = false;
    for (let i = top - 1; i >= 0; i--) {
      const e = events[i]!;
      if (e.timeMs < lowestMs) break;
      if (e.visibleAtMs > nowMs) continue;
      if (attribute && !matches(e, attribute.key, attribute.value)) continue;
      if (page.length === maxResults) {
        more = true;
        break;
      }
      page.push(e);
    }
    log.returned = page.length;
    const body: Record<string, unknown> = { Events: page.map(toWireEvent) };
    const last = page[page.length - 1];
    if (more && last) body['NextToken'] = encodeToken(paramsHash, last);
    return { body, ids: page.map((e) => e.id) };
  };

  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string): void =>
    sendAwsJson(res, status, body, {
      contentType: JSON_11,
      requestId: deterministicUuid(`cloudtrail:${seed}`, ++requestCounter),
      errorType,
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const log: LookupRequestLog = {
      region: regionFromAuthorization(req.headers.authorization) ?? '',
      startMs: undefined,
      endMs: undefined,
      maxResults: undefined,
      atMs: Date.now(),
      status: 200,
      returned: 0,
    };
    requests.push(log);
    // Event history and its rate limit are per account and region: a member account's session
    // (an access key issued by the local STS) reads that account's history.
    log.account = /Credential=ASIA(\d{12})/.exec(String(req.headers.authorization ?? ''))?.[1];
    const history = historyKey(log.account, log.region);
    const stats = statsOf(history);
    stats.requests++;
    try {
      const raw = await readBodyOr(
        req,
        BODY_LIMIT_BYTES,
        (message) => new ApiError(413, 'SerializationException', message),
      );
      const target = req.headers['x-amz-target'];
      if (req.method !== 'POST' || typeof target !== 'string' || !target.endsWith('.LookupEvents')) {
        throw new ApiError(400, 'UnknownOperationException', `Unknown operation ${String(target)}`);
      }
      if (!log.region) {
        throw new ApiError(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      let input: unknown;
      try {
        input = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ApiError(400, 'SerializationException', 'Request body is not valid JSON');
      }
      if (!isRecordObject(input))
        throw new ApiError(400, 'SerializationException', 'Request body must be an object');
      // Log what was asked even if the call is refused below: fault suites look at throttled pages.
      if (typeof input['StartTime'] === 'number') log.startMs = Math.round(input['StartTime'] * 1000);
      if (typeof input['EndTime'] === 'number') log.endMs = Math.round(input['EndTime'] * 1000);
      if (typeof input['MaxResults'] === 'number') log.maxResults = input['MaxResults'];
      if (typeof input['NextToken'] === 'string') log.nextToken = input['NextToken'];
      // A session of a role that was deleted or stripped is still signed correctly, and refused.
      if (log.account !== undefined && denied.has(log.account)) {
        throw new ApiError(
          400,
          'AccessDeniedException',
          `User: arn:aws:sts::${log.account}:assumed-role/member/session is not authorized to perform: ` +
            'cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action',
        );
      }
      // The real service meters every call at the front door, valid or not.
      if (!takeToken(history)) throw new ApiError(400, 'ThrottlingException', 'Rate exceeded', 'rate-limit');
      const { body, ids } = lookup(history, input, log);
      const fault = nextFault();
      if (fault) {
        log.returned = 0;
        if (fault.kind === 'throttle') {
          injected.throttles++;
          throw new ApiError(fault.status, fault.type, 'Rate exceeded', 'injected-throttle');
        }
        injected.serverErrors++;
        throw new ApiError(fault.status, fault.type, 'Injected server error', 'injected-server-error');
      }
      stats.okPages++;
      stats.eventsReturned += log.returned;
      for (const id of ids) returnedCounts.set(id, (returnedCounts.get(id) ?? 0) + 1);
      send(res, 200, body);
    } catch (error) {
      const apiError =
        error instanceof ApiError
          ? error
          : new ApiError(500, 'InternalServerException', 'Unexpected server error');
      log.status = apiError.status;
      log.errorType = apiError.type;
      log.fault = apiError.fault;
      log.returned = 0;
      if (apiError.type === 'ThrottlingException') {
        stats.throttled++;
        if (apiError.fault === 'rate-limit') stats.rateLimited++;
        else stats.injectedThrottles++;
      } else if (apiError.status >= 500) stats.serverErrors++;
      else stats.clientErrors++;
      if (!res.headersSent)
        send(res, apiError.status, { __type: apiError.type, message: apiError.message }, apiError.type);
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  const port = await listen(server, options.port ?? 0);

  const addEvent = (region: string, record: object | string, opts: AddEventOptions = {}): string => {
    let body: string;
    let derived: Partial<EventEnvelope> = {};
    if (typeof record === 'string') {
      body = record;
      try {
        const parsed: unknown = JSON.parse(record);
        if (isRecordObject(parsed)) derived = envelopeFromRecord(parsed);
      } catch {
        // Malformed on purpose: the envelope must come from opts.
      }
    } else {
      body = JSON.stringify(record);
      derived = envelopeFromRecord(record as Record<string, unknown>);
    }
    const env = { ...derived, ...opts.envelope };
    if (typeof env.eventId !== 'string' || typeof env.eventName !== 'string') {
      throw new TypeError('addEvent: eventId and eventName are required (record fields or opts.envelope)');
    }
    if (typeof env.eventTimeMs !== 'number' || !Number.isFinite(env.eventTimeMs)) {
      throw new TypeError(
        `addEvent: event ${env.eventId} has no valid eventTime (record or opts.envelope.eventTimeMs)`,
      );
    }
    const visibleAtMs = opts.visibleAtMs ?? env.eventTimeMs + (opts.visibilityDelayMs ?? 0);
    storeOf(historyKey(opts.account, region)).add({
      timeMs: env.eventTimeMs,
      id: env.eventId,
      visibleAtMs,
      name: env.eventName,
      source: env.eventSource,
      readOnly: env.readOnly === undefined ? undefined : env.readOnly ? 'true' : 'false',
      username: env.username,
      accessKeyId: env.accessKeyId,
      resources: (env.resources ?? []).map((r) => {
        const out: { ResourceType?: string; ResourceName?: string } = {};
        if (r.type !== undefined) out.ResourceType = r.type;
        if (r.name !== undefined) out.ResourceName = r.name;
        return out;
      }),
      body,
    });
    return env.eventId;
  };

  return {
    url: `http://${LOOPBACK}:${port}`,
    port,
    requests,
    injectedFaults: injected,
    addEvent,
    addEvents(region, records, opts = {}) {
      for (const record of records) addEvent(region, record, opts);
    },
    eventCount(region) {
      if (region !== undefined) return stores.get(region)?.size ?? 0;
      let total = 0;
      for (const store of stores.values()) total += store.size;
      return total;
    },
    stats() {
      const out: Record<string, RegionStats> = {};
      for (const region of stores.keys()) out[region] = emptyStats();
      for (const [region, s] of regionStats) out[region] = { ...s };
      return out;
    },
    timesReturned: (eventId) => returnedCounts.get(eventId) ?? 0,
    setFaults(faults) {
      if (faults.throttleRate !== undefined) throttleRate = faults.throttleRate;
      if (faults.serverErrorRate !== undefined) serverErrorRate = faults.serverErrorRate;
    },
    clearFailNext() {
      queuedFaults = [];
    },
    denyAccount(account, deny) {
      if (deny) denied.add(account);
      else denied.delete(account);
    },
    failNext(n, fault) {
      for (let i = 0; i < n; i++) queuedFaults.push(fault);
    },
    setRequestsPerSecond(next, nextBurst) {
      rps = next;
      burst = nextBurst ?? next;
      buckets.clear();
    },
    setNow(now) {
      clock = typeof now === 'number' ? () => now : now;
    },
    now: () => clock(),
    reset() {
      stores.clear();
      buckets.clear();
      regionStats.clear();
      requests.length = 0;
      returnedCounts.clear();
      queuedFaults = [];
      denied.clear();
      requestCounter = 0;
      injected.throttles = 0;
      injected.serverErrors = 0;
      clock = options.now ?? Date.now;
      rng = mulberry32(seed);
      throttleRate = options.throttleRate ?? 0;
      serverErrorRate = options.serverErrorRate ?? 0;
      rps = options.requestsPerSecond ?? 2;
      burst = options.burst ?? rps;
    },
    close: () => closeServer(server),
  };
}
