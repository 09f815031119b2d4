// A local stand-in for Amazon S3, speaking the REST-XML protocol of @aws-sdk/client-s3 3.1169 with
// path-style addressing (`forcePathStyle: true`, or any client pointed at 127.0.0.1): buckets with a
// region, ListObjectsV2 (prefix, delimiter, continuation, max-keys, start-after), GetObject (streamed,
// ranges, conditional reads, the CRC32 the SDK validates), HeadObject, PutObject (plain or aws-chunked
// with a trailing checksum, Content-MD5 and checksum checks), DeleteObject, CreateBucket, HeadBucket.
// Errors in S3's XML shape with its codes and statuses; a request signed for another region than the
// bucket's is answered `301 PermanentRedirect` with `x-amz-bucket-region`, as S3 answers a request sent
// to the wrong regional endpoint. Fault injection: failed and throttled requests, bodies cut off or
// corrupted in transit, access denied by predicate. Node built-ins only; signatures are not verified.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import {
  BodyTooLargeError,
  closeServer,
  deterministicUuid,
  LOOPBACK,
  listen,
  readBody,
  regionFromAuthorization,
} from './net';

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
/** Largest body a PutObject may carry here (S3's single PUT allows 5 GiB; tests need far less). */
export const S3_LOCAL_MAX_PUT_BYTES = 64 * 1024 * 1024;
/** Most keys one ListObjectsV2 page returns, whatever `max-keys` asks. */
export const S3_MAX_KEYS = 1000;
/** Longest key, in UTF-8 bytes. */
export const S3_MAX_KEY_BYTES = 1024;
/** Size of the chunks a GetObject body is written in. */
const BODY_CHUNK_BYTES = 64 * 1024;

/** S3 error codes: HTTP status and the message S3 sends. Codes not listed are answered 400. */
export const S3_ERRORS: Readonly<Record<string, { readonly status: number; readonly message: string }>> = {
  AccessDenied: { status: 403, message: 'Access Denied' },
  BadDigest: { status: 400, message: 'The Content-MD5 you specified did not match what we received.' },
  BucketAlreadyOwnedByYou: {
    status: 409,
    message: 'Your previous request to create the named bucket succeeded and you already own it.',
  },
  BucketNotEmpty: { status: 409, message: 'The bucket you tried to delete is not empty' },
  IncompleteBody: {
    status: 400,
    message: 'You did not provide the number of bytes specified by the Content-Length HTTP header',
  },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.' },
  EntityTooLarge: { status: 400, message: 'Your proposed upload exceeds the maximum allowed size' },
  InvalidArgument: { status: 400, message: 'Invalid Argument' },
  InvalidBucketName: { status: 400, message: 'The specified bucket is not valid.' },
  InvalidDigest: { status: 400, message: 'The Content-MD5 you specified was invalid.' },
  InvalidRange: { status: 416, message: 'The requested range is not satisfiable' },
  InvalidRequest: { status: 400, message: 'Invalid Request' },
  KeyTooLongError: { status: 400, message: 'Your key is too long' },
  MethodNotAllowed: { status: 405, message: 'The specified method is not allowed against this resource.' },
  NoSuchBucket: { status: 404, message: 'The specified bucket does not exist' },
  NoSuchKey: { status: 404, message: 'The specified key does not exist.' },
  NotImplemented: {
    status: 501,
    message: 'A header you provided implies functionality that is not implemented',
  },
  PermanentRedirect: {
    status: 301,
    message:
      'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
  },
  PreconditionFailed: {
    status: 412,
    message: 'At least one of the pre-conditions you specified did not hold',
  },
  RequestTimeout: {
    status: 400,
    message:
      'Your socket connection to the server was not read from or written to within the timeout period.',
  },
  ServiceUnavailable: { status: 503, message: 'Service is unable to handle request.' },
  SlowDown: { status: 503, message: 'Please reduce your request rate.' },
  XAmzContentSHA256Mismatch: {
    status: 400,
    message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
  },
};

/** The operations this server answers, as the SDK names their commands (without `Command`). */
export type S3Operation =
  | 'ListObjectsV2'
  | 'GetObject'
  | 'HeadObject'
  | 'PutObject'
  | 'DeleteObject'
  | 'CreateBucket'
  | 'HeadBucket';

/** One logged request. */
export interface S3RequestLog {
  /** The operation, or `Unknown` for a request this server does not implement. */
  operation: S3Operation | 'Unknown';
  method: string;
  /** '' for a request to the service root. */
  bucket: string;
  key?: string | undefined;
  /** Query parameters as sent (`list-type`, `prefix`, `continuation-token`...). */
  query: Record<string, string>;
  /** `Range` header of a GetObject, when sent. */
  range?: string | undefined;
  /** From the SigV4 credential scope; '' when unsigned. */
  region: string;
  /** Wall-clock arrival time. */
  atMs: number;
  /** HTTP status answered. */
  status: number;
  /** S3 error code answered, e.g. `NoSuchKey`. */
  errorCode?: string | undefined;
  /** True when the answer was injected (failNext, throttleNext, truncateNextBody, corruptNextBody, denyWhen). */
  injected: boolean;
}

/** What a test can see of a stored object. */
export interface LocalS3Object {
  readonly key: string;
  readonly body: Buffer;
  /** Quoted MD5 hex, as S3 sends it for a single-part upload. */
  readonly etag: string;
  readonly lastModifiedMs: number;
  readonly contentType: string;
  /** The checksum kept with the object (sent with the upload, or CRC32 computed here). */
  readonly checksum: { readonly algorithm: string; readonly value: string };
}

/** What {@link LocalS3.denyWhen}'s predicate is asked about. */
export interface S3AccessRequest {
  readonly operation: S3Operation;
  readonly bucket: string;
  readonly key?: string | undefined;
  /** From the SigV4 credential scope. */
  readonly accessKeyId: string;
}

/** Which requests an injected fault applies to; unset fields match any. */
export interface S3FaultMatch {
  readonly operation?: S3Operation;
  readonly bucket?: string;
  readonly key?: string;
}

/** Options of {@link startLocalS3}. */
export interface LocalS3Options {
  /** Region of buckets created without one (and of `createBucket` by default). Default `us-east-1`. */
  region?: string;
  /** Answer a request signed for another region than its bucket's with `301 PermanentRedirect`. Default true. */
  checkRegion?: boolean;
  /** Clock for `LastModified`. Default `Date.now`. */
  now?: () => number;
  /** Seed for request ids. Default 1. */
  seed?: number;
  /** Port to bind on 127.0.0.1. Default 0 (any free port). */
  port?: number;
}

/** A running local S3. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: pass as `endpoint` (with `forcePathStyle: true`) or `AWS_ENDPOINT_URL_S3`. */
  readonly endpoint: string;
  readonly port: number;
  /** Default bucket region. */
  readonly region: string;
  /** Every request, in arrival order. */
  readonly requests: readonly S3RequestLog[];
  /** Creates a bucket in `region` (default: the server's). Creating an existing bucket changes nothing. */
  createBucket(name: string, options?: { region?: string }): void;
  /** Stores an object directly (no request logged); creates the bucket if missing. Returns its ETag. */
  putObject(
    bucket: string,
    key: string,
    body: string | Buffer,
    options?: { contentType?: string; lastModifiedMs?: number },
  ): string;
  /** The stored object, or undefined. */
  getObject(bucket: string, key: string): LocalS3Object | undefined;
  /** The bucket's keys in S3's (UTF-8 byte) order. Throws for an unknown bucket. */
  keys(bucket: string): string[];
  /** Answers the next `n` requests that `match` picks with `code` (default `InternalError`, 500). */
  failNext(n: number, code?: string, match?: S3FaultMatch): void;
  /** Answers the next `n` requests that `match` picks with `503 SlowDown`. */
  throttleNext(n: number, match?: S3FaultMatch): void;
  /**
   * The next `n` full GetObjects that `match` picks send their headers (the whole Content-Length), then
   * `afterBytes` of the body (default: half), then reset the connection: an object failing mid-stream.
   */
  truncateNextBody(n: number, options?: { afterBytes?: number } & S3FaultMatch): void;
  /** The next `n` full GetObjects that `match` picks send a body with one byte changed (the checksum then fails). */
  corruptNextBody(n: number, match?: S3FaultMatch): void;
  /** Answers `403 AccessDenied` to every request the predicate picks (after faults, before anything else); undefined removes it. */
  denyWhen(predicate: ((request: S3AccessRequest) => boolean) | undefined): void;
  /** Drops buckets, objects, the log, pending faults and the deny predicate. */
  reset(): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

class S3Error extends Error {
  readonly status: number;
  constructor(
    readonly code: string,
    message?: string,
    /** Extra elements of the `<Error>` document (`Key`, `BucketName`, `Endpoint`...). */
    readonly fields: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
    readonly injected = false,
  ) {
    super(message ?? S3_ERRORS[code]?.message ?? code);
    this.status = S3_ERRORS[code]?.status ?? 400;
  }
}

interface Bucket {
  readonly name: string;
  readonly region: string;
  readonly createdMs: number;
  readonly objects: Map<string, LocalS3Object>;
  /** Keys in byte order; rebuilt after a change. */
  sorted?: string[] | undefined;
}

interface Route {
  readonly operation: S3Operation;
  readonly bucket: string;
  readonly key?: string | undefined;
}

interface Fault extends S3FaultMatch {
  readonly code: string;
}

interface BodyFault extends S3FaultMatch {
  readonly kind: 'truncate' | 'corrupt';
  readonly afterBytes?: number | undefined;
}

/** S3's bucket naming rules (general purpose buckets). */
const BUCKET_NAME = /^(?!xn--)(?!sthree-)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const CHECKSUM_HEADERS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;

const xmlEscape = (text: string): string => text.replace(/[<>&'"\r\n]/g, (c) => `&#${c.charCodeAt(0)};`);
const element = (name: string, value: string | number | boolean): string =>
  `<${name}>${xmlEscape(String(value))}</${name}>`;
const byteCompare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const md5Base64 = (data: Buffer): string => createHash('md5').update(data).digest('base64');
const crc32Base64 = (data: Buffer): string => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data));
  return out.toString('base64');
};
const iso = (ms: number): string => new Date(ms).toISOString();

/** S3's request id shape: 16 upper-case hex characters. */
function requestIdOf(seed: number, counter: number): string {
  return deterministicUuid(`s3-request:${seed}`, counter).replace(/-/g, '').slice(0, 16).toUpperCase();
}

/** The region of a header-signed or presigned request; undefined when unsigned. */
function signingOf(req: IncomingMessage, url: URL): { region: string; accessKeyId: string } | undefined {
  const authorization = req.headers.authorization;
  const region = regionFromAuthorization(authorization);
  if (region !== undefined) {
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1] ?? '';
    return { region, accessKeyId };
  }
  const credential = url.searchParams.get('X-Amz-Credential');
  const presigned = credential ? /^([^/]+)\/\d{8}\/([a-z0-9-]+)\/s3\/aws4_request$/.exec(credential) : null;
  return presigned ? { accessKeyId: presigned[1]!, region: presigned[2]! } : undefined;
}

/** Percent-decoding of a path; undefined when it is malformed. */
function decodePath(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Path-style routing: `/bucket`, `/bucket/`, `/bucket/key/with/slashes`. */
function routeOf(method: string, url: URL): Route | undefined {
  const path = url.pathname;
  if (path === '/' || path === '') return undefined;
  const slash = path.indexOf('/', 1);
  const bucket = decodePath(slash < 0 ? path.slice(1) : path.slice(1, slash)) ?? '';
  const key = slash < 0 || slash === path.length - 1 ? undefined : (decodePath(path.slice(slash + 1)) ?? '');
  if (key === undefined) {
    if (method === 'GET' && url.searchParams.get('list-type') === '2')
      return { operation: 'ListObjectsV2', bucket };
    if (method === 'HEAD') return { operation: 'HeadBucket', bucket };
    if (method === 'PUT' && [...url.searchParams.keys()].length === 0)
      return { operation: 'CreateBucket', bucket };
    return undefined;
  }
  const subresources = [...url.searchParams.keys()].filter((k) => k !== 'x-id' && !k.startsWith('X-Amz-'));
  if (subresources.length > 0) return undefined;
  if (method === 'GET') return { operation: 'GetObject', bucket, key };
  if (method === 'HEAD') return { operation: 'HeadObject', bucket, key };
  if (method === 'PUT') return { operation: 'PutObject', bucket, key };
  if (method === 'DELETE') return { operation: 'DeleteObject', bucket, key };
  return undefined;
}

function matches(match: S3FaultMatch, route: Route): boolean {
  return (
    (match.operation === undefined || match.operation === route.operation) &&
    (match.bucket === undefined || match.bucket === route.bucket) &&
    (match.key === undefined || match.key === route.key)
  );
}

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailers>\r\n`),
 * as the SDK sends a streamed upload with a trailing checksum.
 */
function decodeAwsChunked(raw: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  let offset = 0;
  const line = (): string => {
    const end = raw.indexOf('\r\n', offset);
    if (end < 0) throw new S3Error('IncompleteBody', 'The aws-chunked body ends inside a chunk header.');
    const text = raw.subarray(offset, end).toString('latin1');
    offset = end + 2;
    return text;
  };
  for (;;) {
    const header = line();
    const size = Number.parseInt(header.split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0) {
      throw new S3Error('InvalidRequest', `Invalid aws-chunked chunk header: ${header.slice(0, 40)}`);
    }
    if (size === 0) break;
    if (offset + size + 2 > raw.length) throw new S3Error('IncompleteBody');
    parts.push(raw.subarray(offset, offset + size));
    offset += size + 2;
  }
  const trailers: Record<string, string> = {};
  while (offset < raw.length) {
    const text = line();
    if (text === '') break;
    const colon = text.indexOf(':');
    if (colon > 0) trailers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}

/** Resolves when `res` can take more data, or is gone. */
function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` -> inclusive [start, end]; undefined to send the whole object. */
function rangeOf(header: string | undefined, size: number): [number, number] | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges or another unit: S3 ignores the header and sends the whole object.
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) throw invalidRange(header, size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== '' && Number(match[2]) < start) return undefined;
  }
  if (start >= size) throw invalidRange(header, size);
  return [start, end];
}

function invalidRange(header: string, size: number): S3Error {
  return new S3Error('InvalidRange', undefined, { RangeRequested: header, ActualObjectSize: String(size) });
}

/** ETag lists of `If-Match` / `If-None-Match`: `*` or quoted tags, comma-separated. */
function etagMatches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t === etag || `"${t}"` === etag);
}

/**
 * Starts a local S3 on 127.0.0.1. Quiet: nothing is printed. Not modelled: virtual-hosted addressing,
 * signature verification, versioning, multipart uploads, ListObjects v1, ACLs and bucket policies
 * (use {@link LocalS3.denyWhen}), server-side encryption headers.
 */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const defaultRegion = options.region ?? 'us-east-1';
  const checkRegion = options.checkRegion ?? true;
  const clock = options.now ?? Date.now;
  const seed = options.seed ?? 1;
  const buckets = new Map<string, Bucket>();
  const requests: S3RequestLog[] = [];
  let faults: Fault[] = [];
  let bodyFaults: BodyFault[] = [];
  let deny: ((request: S3AccessRequest) => boolean) | undefined;
  let counter = 0;

  const createBucket = (name: string, region = defaultRegion): Bucket => {
    const existing = buckets.get(name);
    if (existing) return existing;
    const bucket: Bucket = { name, region, createdMs: clock(), objects: new Map() };
    buckets.set(name, bucket);
    return bucket;
  };

  const store = (
    bucket: Bucket,
    key: string,
    body: Buffer,
    contentType: string,
    checksum: { algorithm: string; value: string } | undefined,
    lastModifiedMs = clock(),
  ): LocalS3Object => {
    if (Buffer.byteLength(key) > S3_MAX_KEY_BYTES) throw new S3Error('KeyTooLongError');
    const object: LocalS3Object = {
      key,
      body,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      // S3 keeps whole seconds.
      lastModifiedMs: Math.floor(lastModifiedMs / 1000) * 1000,
      contentType,
      checksum: checksum ?? { algorithm: 'crc32', value: crc32Base64(body) },
    };
    bucket.objects.set(key, object);
    bucket.sorted = undefined;
    return object;
  };

  const bucketOf = (name: string): Bucket => {
    const bucket = buckets.get(name);
    if (!bucket) throw new S3Error('NoSuchBucket', undefined, { BucketName: name });
    return bucket;
  };

  const sortedKeys = (bucket: Bucket): string[] => {
    bucket.sorted ??= [...bucket.objects.keys()].sort(byteCompare);
    return bucket.sorted;
  };

  const objectOf = (bucket: Bucket, key: string): LocalS3Object => {
    const object = bucket.objects.get(key);
    if (!object) throw new S3Error('NoSuchKey', undefined, { Key: key });
    return object;
  };

  const takeFault = (route: Route): string | undefined => {
    const index = faults.findIndex((f) => matches(f, route));
    if (index < 0) return undefined;
    const [fault] = faults.splice(index, 1);
    return fault?.code;
  };

  const takeBodyFault = (route: Route): BodyFault | undefined => {
    const index = bodyFaults.findIndex((f) => matches(f, route));
    if (index < 0) return undefined;
    return bodyFaults.splice(index, 1)[0];
  };

  const commonHeaders = (requestId: string): Record<string, string> => ({
    'x-amz-request-id': requestId,
    'x-amz-id-2': Buffer.from(`${seed}:${requestId}`).toString('base64'),
    server: 'AmazonS3',
  });

  const sendXml = (
    res: ServerResponse,
    status: number,
    xml: string,
    headers: Record<string, string>,
    head = false,
  ): void => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/xml',
      'content-length': String(head ? 0 : Buffer.byteLength(body)),
    });
    res.end(head ? undefined : body);
  };

  /** Writes `body` in chunks, waiting for the socket to drain; `cutAfter` resets the connection part-way. */
  const streamBody = async (res: ServerResponse, body: Buffer, cutAfter?: number): Promise<void> => {
    const limit = cutAfter === undefined ? body.length : Math.min(cutAfter, body.length);
    for (let offset = 0; offset < limit; offset += BODY_CHUNK_BYTES) {
      const chunk = body.subarray(offset, Math.min(offset + BODY_CHUNK_BYTES, limit));
      if (res.destroyed) return;
      if (!res.write(chunk)) await drainOrClose(res);
    }
    if (cutAfter === undefined) {
      res.end();
      return;
    }
    // Let the bytes written reach the client, then drop the connection with the body incomplete.
    await new Promise<void>((resolve) => res.write('', () => resolve()));
    res.socket?.destroy();
  };

  /** Headers describing an object, as GetObject and HeadObject send them. */
  const objectHeaders = (object: LocalS3Object): Record<string, string> => ({
    etag: object.etag,
    'last-modified': new Date(object.lastModifiedMs).toUTCString(),
    'content-type': object.contentType,
    'accept-ranges': 'bytes',
  });

  const checkConditions = (req: IncomingMessage, object: LocalS3Object): 304 | undefined => {
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && !etagMatches(ifMatch, object.etag)) throw new S3Error('PreconditionFailed');
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, object.etag)) return 304;
    const since = req.headers['if-unmodified-since'];
    if (since !== undefined && ifMatch === undefined && object.lastModifiedMs > Date.parse(since)) {
      throw new S3Error('PreconditionFailed');
    }
    const modifiedSince = req.headers['if-modified-since'];
    if (
      modifiedSince !== undefined &&
      ifNoneMatch === undefined &&
      object.lastModifiedMs <= Date.parse(modifiedSince)
    ) {
      return 304;
    }
    return undefined;
  };

  const listObjectsV2 = (bucket: Bucket, query: URLSearchParams): string => {
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const startAfter = query.get('start-after') ?? '';
    const token = query.get('continuation-token');
    const encoding = query.get('encoding-type');
    if (encoding !== null && encoding !== 'url') {
      throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', {
        ArgumentName: 'encoding-type',
        ArgumentValue: encoding,
      });
    }
    const maxText = query.get('max-keys');
    const maxKeys = maxText === null ? S3_MAX_KEYS : Number(maxText);
    if (!Number.isInteger(maxKeys) || maxKeys < 0 || maxText?.trim() === '') {
      throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', {
        ArgumentName: 'max-keys',
        ArgumentValue: maxText ?? '',
      });
    }
    // The continuation token: the last item of the previous page (a key, or a common prefix to skip whole).
    let after = startAfter;
    let afterIsPrefix = false;
    if (token !== null) {
      const decoded = Buffer.from(token, 'base64').toString('utf8');
      if (token === '' || !/^[kp]:/.test(decoded)) {
        throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', {
          ArgumentName: 'continuation-token',
        });
      }
      after = decoded.slice(2);
      afterIsPrefix = decoded.startsWith('p:');
    }
    const limit = Math.min(maxKeys, S3_MAX_KEYS);
    const contents: LocalS3Object[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let last: string | undefined;
    for (const key of sortedKeys(bucket)) {
      if (!key.startsWith(prefix)) continue;
      if (after !== '' && (byteCompare(key, after) <= 0 || (afterIsPrefix && key.startsWith(after))))
        continue;
      let common: string | undefined;
      if (delimiter !== '') {
        const at = key.indexOf(delimiter, prefix.length);
        if (at >= 0) common = key.slice(0, at + delimiter.length);
      }
      if (common !== undefined && common === prefixes[prefixes.length - 1]) continue;
      if (contents.length + prefixes.length >= limit) {
        truncated = true;
        break;
      }
      if (common !== undefined) {
        prefixes.push(common);
        last = `p:${common}`;
      } else {
        contents.push(objectOf(bucket, key));
        last = `k:${key}`;
      }
    }
    const encode = (text: string): string =>
      encoding === 'url' ? encodeURIComponent(text).replace(/%2F/g, '/') : text;
    let xml = `<ListBucketResult xmlns="${XMLNS}">${element('Name', bucket.name)}${element('Prefix', encode(prefix))}`;
    if (token !== null) xml += element('ContinuationToken', token);
    if (truncated && last !== undefined) {
      xml += element('NextContinuationToken', Buffer.from(last).toString('base64'));
    }
    xml += element('KeyCount', contents.length + prefixes.length) + element('MaxKeys', maxKeys);
    if (delimiter !== '') xml += element('Delimiter', encode(delimiter));
    if (startAfter !== '') xml += element('StartAfter', encode(startAfter));
    if (encoding !== null) xml += element('EncodingType', encoding);
    xml += element('IsTruncated', truncated);
    for (const object of contents) {
      xml +=
        `<Contents>${element('Key', encode(object.key))}${element('LastModified', iso(object.lastModifiedMs))}` +
        `${element('ETag', object.etag)}${element('ChecksumAlgorithm', object.checksum.algorithm.toUpperCase())}` +
        `${element('ChecksumType', 'FULL_OBJECT')}${element('Size', object.body.length)}` +
        `${element('StorageClass', 'STANDARD')}</Contents>`;
    }
    for (const common of prefixes)
      xml += `<CommonPrefixes>${element('Prefix', encode(common))}</CommonPrefixes>`;
    return `${xml}</ListBucketResult>`;
  };

  const putObject = async (req: IncomingMessage, bucket: Bucket, key: string): Promise<LocalS3Object> => {
    if (req.headers['x-amz-copy-source'] !== undefined) {
      throw new S3Error('NotImplemented', 'CopyObject is not implemented by the local S3');
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, S3_LOCAL_MAX_PUT_BYTES + 1024 * 1024);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        throw new S3Error('EntityTooLarge', undefined, {
          MaxSizeAllowed: String(S3_LOCAL_MAX_PUT_BYTES),
        });
      }
      throw error;
    }
    const sha256Header = req.headers['x-amz-content-sha256'];
    if (typeof sha256Header === 'string' && /^[0-9a-f]{64}$/.test(sha256Header)) {
      if (createHash('sha256').update(raw).digest('hex') !== sha256Header) {
        throw new S3Error('XAmzContentSHA256Mismatch', undefined, {
          ClientComputedContentSHA256: sha256Header,
        });
      }
    }
    let body = raw;
    const checksumSources: Record<string, string> = {};
    const encoding = req.headers['content-encoding'] ?? '';
    if (encoding.split(',').some((e) => e.trim() === 'aws-chunked')) {
      const decoded = decodeAwsChunked(raw);
      body = decoded.data;
      Object.assign(checksumSources, decoded.trailers);
      const declared = req.headers['x-amz-decoded-content-length'];
      if (declared !== undefined && Number(declared) !== body.length) throw new S3Error('IncompleteBody');
    }
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && name.startsWith('x-amz-checksum-')) checksumSources[name] = value;
    }
    const contentMd5 = req.headers['content-md5'];
    if (typeof contentMd5 === 'string') {
      if (Buffer.from(contentMd5, 'base64').length !== 16) throw new S3Error('InvalidDigest');
      if (md5Base64(body) !== contentMd5) throw new S3Error('BadDigest');
    }
    let checksum: { algorithm: string; value: string } | undefined;
    for (const algorithm of CHECKSUM_HEADERS) {
      const value = checksumSources[`x-amz-checksum-${algorithm}`];
      if (value === undefined) continue;
      const computed =
        algorithm === 'crc32'
          ? crc32Base64(body)
          : algorithm === 'sha1' || algorithm === 'sha256'
            ? createHash(algorithm).update(body).digest('base64')
            : value; // CRC32C and CRC64NVME are taken on trust: Node has no built-in for them.
      if (computed !== value) {
        throw new S3Error(
          'BadDigest',
          `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        );
      }
      checksum = { algorithm, value };
      break;
    }
    return store(bucket, key, body, req.headers['content-type'] ?? 'binary/octet-stream', checksum);
  };

  const operate = async (
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    headers: Record<string, string>,
    signing: { region: string },
  ): Promise<number> => {
    const head = req.method === 'HEAD';
    if (route.operation === 'CreateBucket') {
      if (!BUCKET_NAME.test(route.bucket))
        throw new S3Error('InvalidBucketName', undefined, { BucketName: route.bucket });
      const body = (await readBody(req, 64 * 1024)).toString('utf8');
      const constraint = /<LocationConstraint>([^<]*)<\/LocationConstraint>/.exec(body)?.[1];
      const existing = buckets.get(route.bucket);
      if (existing) throw new S3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: route.bucket });
      createBucket(route.bucket, constraint || signing.region || defaultRegion);
      res.writeHead(200, { ...headers, location: `/${route.bucket}`, 'content-length': '0' });
      res.end();
      return 200;
    }
    req.resume();
    const bucket = bucketOf(route.bucket);
    if (checkRegion && signing.region !== bucket.region) {
      throw new S3Error(
        'PermanentRedirect',
        undefined,
        { Endpoint: `s3.${bucket.region}.amazonaws.com`, Bucket: bucket.name },
        { 'x-amz-bucket-region': bucket.region },
      );
    }
    switch (route.operation) {
      case 'HeadBucket':
        res.writeHead(200, { ...headers, 'x-amz-bucket-region': bucket.region, 'content-length': '0' });
        res.end();
        return 200;
      case 'ListObjectsV2':
        sendXml(res, 200, listObjectsV2(bucket, new URL(req.url ?? '/', 'http://s3').searchParams), headers);
        return 200;
      case 'PutObject': {
        const object = await putObject(req, bucket, route.key!);
        res.writeHead(200, {
          ...headers,
          etag: object.etag,
          [`x-amz-checksum-${object.checksum.algorithm}`]: object.checksum.value,
          'x-amz-checksum-type': 'FULL_OBJECT',
          'content-length': '0',
        });
        res.end();
        return 200;
      }
      case 'DeleteObject':
        bucket.objects.delete(route.key!);
        bucket.sorted = undefined;
        res.writeHead(204, headers);
        res.end();
        return 204;
      case 'GetObject':
      case 'HeadObject': {
        const object = objectOf(bucket, route.key!);
        if (checkConditions(req, object) === 304) {
          res.writeHead(304, { ...headers, etag: object.etag });
          res.end();
          return 304;
        }
        const size = object.body.length;
        const range = rangeOf(req.headers.range, size);
        const out: Record<string, string> = { ...headers, ...objectHeaders(object) };
        let body = object.body;
        let status = 200;
        if (range) {
          status = 206;
          body = object.body.subarray(range[0], range[1] + 1);
          out['content-range'] = `bytes ${range[0]}-${range[1]}/${size}`;
        } else if (req.headers['x-amz-checksum-mode'] === 'ENABLED') {
          out[`x-amz-checksum-${object.checksum.algorithm}`] = object.checksum.value;
          out['x-amz-checksum-type'] = 'FULL_OBJECT';
        }
        out['content-length'] = String(body.length);
        res.writeHead(status, out);
        if (head) {
          res.end();
          return status;
        }
        const fault = range ? undefined : takeBodyFault(route);
        if (fault?.kind === 'corrupt' && body.length > 0) {
          body = Buffer.from(body);
          const at = body.length >> 1;
          body[at] = (body[at]! ^ 0x01) & 0xff;
        }
        await streamBody(
          res,
          body,
          fault?.kind === 'truncate' ? (fault.afterBytes ?? body.length >> 1) : undefined,
        );
        return status;
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = requestIdOf(seed, ++counter);
    const headers = commonHeaders(requestId);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const route = routeOf(method, url);
    const signing = signingOf(req, url);
    const slash = url.pathname.indexOf('/', 1);
    const log: S3RequestLog = {
      operation: route?.operation ?? 'Unknown',
      method,
      bucket: route?.bucket ?? decodePath(url.pathname.slice(1, slash < 0 ? undefined : slash)) ?? '',
      key: route?.key,
      query: Object.fromEntries(url.searchParams),
      range: req.headers.range,
      region: signing?.region ?? '',
      atMs: Date.now(),
      status: 200,
      injected: false,
    };
    requests.push(log);
    try {
      if (decodePath(url.pathname) === undefined) {
        req.resume();
        throw new S3Error('InvalidURI', "Couldn't parse the specified URI.");
      }
      if (!route) {
        req.resume();
        throw new S3Error(
          'NotImplemented',
          `${method} ${url.pathname}${url.search} is not implemented by the local S3`,
        );
      }
      const injected = takeFault(route);
      if (injected !== undefined) {
        req.resume();
        throw new S3Error(injected, undefined, {}, {}, true);
      }
      if (!signing) {
        req.resume();
        throw new S3Error('AccessDenied');
      }
      if (
        deny?.({
          operation: route.operation,
          bucket: route.bucket,
          key: route.key,
          accessKeyId: signing.accessKeyId,
        })
      ) {
        req.resume();
        throw new S3Error('AccessDenied', undefined, {}, {}, true);
      }
      if (route.operation === 'GetObject') {
        // A body fault is reported in the log even though the status line says 200.
        const pending = bodyFaults.find((f) => matches(f, route));
        if (pending && req.headers.range === undefined) log.injected = true;
      }
      log.status = await operate(req, res, route, headers, signing);
    } catch (error) {
      const s3Error =
        error instanceof S3Error ? error : new S3Error('InternalError', undefined, {}, {}, false);
      log.status = s3Error.status;
      log.errorCode = s3Error.code;
      log.injected = s3Error.injected;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      let xml = `<Error>${element('Code', s3Error.code)}${element('Message', s3Error.message)}`;
      for (const [name, value] of Object.entries(s3Error.fields)) xml += element(name, value);
      xml += `${element('RequestId', requestId)}${element('HostId', headers['x-amz-id-2']!)}</Error>`;
      sendXml(res, s3Error.status, xml, { ...headers, ...s3Error.headers }, method === 'HEAD');
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  const port = await listen(server, options.port ?? 0);

  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    port,
    region: defaultRegion,
    requests,
    createBucket(name, createOptions = {}) {
      createBucket(name, createOptions.region);
    },
    putObject(bucketName, key, body, putOptions = {}) {
      const bucket = createBucket(bucketName);
      const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      return store(
        bucket,
        key,
        data,
        putOptions.contentType ?? 'binary/octet-stream',
        undefined,
        putOptions.lastModifiedMs,
      ).etag;
    },
    getObject(bucketName, key) {
      return buckets.get(bucketName)?.objects.get(key);
    },
    keys(bucketName) {
      const bucket = buckets.get(bucketName);
      if (!bucket) throw new Error(`no bucket ${bucketName}`);
      return [...sortedKeys(bucket)];
    },
    failNext(n, code = 'InternalError', match = {}) {
      for (let i = 0; i < n; i++) faults.push({ ...match, code });
    },
    throttleNext(n, match = {}) {
      for (let i = 0; i < n; i++) faults.push({ ...match, code: 'SlowDown' });
    },
    truncateNextBody(n, truncateOptions = {}) {
      const { afterBytes, ...match } = truncateOptions;
      for (let i = 0; i < n; i++)
        bodyFaults.push({ ...match, operation: 'GetObject', kind: 'truncate', afterBytes });
    },
    corruptNextBody(n, match = {}) {
      for (let i = 0; i < n; i++) bodyFaults.push({ ...match, operation: 'GetObject', kind: 'corrupt' });
    },
    denyWhen(predicate) {
      deny = predicate;
    },
    reset() {
      buckets.clear();
      requests.length = 0;
      faults = [];
      bodyFaults = [];
      deny = undefined;
      counter = 0;
    },
    close: () => closeServer(server),
  };
}
