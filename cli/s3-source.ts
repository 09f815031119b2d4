// Trail files straight from S3, for `trailwatch scan s3://bucket/prefix/`: every CloudTrail log file
// under the prefix, listed page by page, put in the time order of their names (then by key), each
// opened as a stream for the reader (cli/input.ts) when the scan reaches it, with the next few small
// ones fetched ahead so that the scan does not wait on one request at a time.
//
// Credentials: the SDK's default chain (environment, AWS_PROFILE, SSO, instance roles). Region:
// --region, else the configured one (AWS_REGION, the profile), else us-east-1. A bucket in another
// region answers 301 PermanentRedirect naming its region (`x-amz-bucket-region`); the request is sent
// again there, and so are the bucket's later ones. Loaded only when a scan names an s3:// location.
import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { sanitize } from '../lambda/core/sanitize';
import { REGION_CODE } from '../lambda/core/settings';
import { UsageError } from './args';
import { InputError, type Opener } from './input';
import { timeOrderKey } from './scan-inputs';

/** Where a scan reads: `s3://bucket/prefix`. */
export interface S3Location {
  readonly url: string;
  readonly bucket: string;
  /** '' for the whole bucket. */
  readonly prefix: string;
}

/** A listed CloudTrail log file. */
export interface S3Object {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** The CloudTrail time in its name, `YYYYMMDDTHHmmZ`. */
  readonly stamp: string;
}

/** An S3 object as an input of the scan: `path` and `name` are `s3://bucket/key`. */
export interface S3Input {
  readonly path: string;
  readonly name: string;
  readonly size: number;
  readonly open: Opener;
}

export interface S3SourceOptions {
  /** --region: where requests go first. Default: the SDK's configured region, else us-east-1. */
  readonly region?: string | undefined;
  /** The environment; an endpoint override (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL) selects path-style addressing. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Builds the client of a region. Default: the SDK's default chain, in that region. */
  readonly clientFor?: ((region: string) => S3Client) | undefined;
  /** Objects fetched ahead of the one being scanned. Default 4. */
  readonly prefetch?: number | undefined;
}

/** Only objects up to this size are fetched ahead (into memory); larger ones stream when reached. */
const PREFETCH_MAX_BYTES = 8 * 1024 * 1024;
const DEFAULT_PREFETCH = 4;
const FALLBACK_REGION = 'us-east-1';
/** S3's general purpose bucket names. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** `111122223333_CloudTrail_eu-west-1_20260101T0005Z_a1b2c3d4e5f6a7b8.json.gz`; digest and insight files differ. */
const LOG_FILE = /^\d{12}_CloudTrail_[a-z0-9-]+_(\d{8}T\d{4}Z)_[A-Za-z0-9]+\.json\.gz$/;

/** `s3://bucket/prefix` -> bucket and prefix; a UsageError naming the value otherwise. */
export function parseS3Url(text: string): S3Location {
  const shown = `"${sanitize(text, 120)}"`;
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/s.exec(text);
  if (!match) throw new UsageError(`${shown} is not an S3 location: write s3://BUCKET/PREFIX`, 'scan');
  const bucket = match[1] ?? '';
  const prefix = match[2] ?? '';
  if (bucket === '') throw new UsageError(`${shown} names no bucket: write s3://BUCKET/PREFIX`, 'scan');
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new UsageError(
      `${shown}: "${sanitize(bucket, 80)}" is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`,
      'scan',
    );
  }
  if (prefix.includes('*')) {
    throw new UsageError(`${shown}: wildcards are not expanded; give the prefix the files share`, 'scan');
  }
  return { url: text, bucket, prefix };
}

/** The CloudTrail time stamp in a log file's key; undefined for anything else (digests, insights, other files). */
export function logFileStamp(key: string): string | undefined {
  const segments = key.split('/');
  if (segments.some((s) => s === 'CloudTrail-Digest' || s === 'CloudTrail-Insight')) return undefined;
  return LOG_FILE.exec(segments[segments.length - 1] ?? '')?.[1];
}

/** S3 with the bucket's region learnt from redirects. */
export class S3Source {
  private readonly clients = new Map<string, S3Client>();
  private readonly bucketRegions = new Map<string, string>();
  private startRegion: Promise<string> | undefined;

  constructor(private readonly options: S3SourceOptions = {}) {}

  /** Every CloudTrail log file under the location, in time order; `onPage` after each page. */
  async list(
    location: S3Location,
    onPage?: (objects: number, logFiles: number) => void,
  ): Promise<{ objects: S3Object[]; listed: number }> {
    const objects: S3Object[] = [];
    let listed = 0;
    let token: string | undefined;
    do {
      const page = await this.send(location.bucket, (client) =>
        client.send(
          new ListObjectsV2Command({
            Bucket: location.bucket,
            Prefix: location.prefix || undefined,
            ContinuationToken: token,
          }),
        ),
      );
      for (const entry of page.Contents ?? []) {
        listed++;
        const stamp = entry.Key === undefined ? undefined : logFileStamp(entry.Key);
        if (stamp === undefined || entry.Key === undefined) continue;
        objects.push({ bucket: location.bucket, key: entry.Key, size: entry.Size ?? 0, stamp });
      }
      onPage?.(listed, objects.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated && !token)
        throw new Error('the listing is truncated but has no continuation token');
    } while (token !== undefined);
    objects.sort((a, b) => compare(timeOrderKey(urlOf(a)), timeOrderKey(urlOf(b))));
    return { objects, listed };
  }

  /** GetObject: the body as a stream, and the length S3 announced. */
  async get(bucket: string, key: string): Promise<{ body: Readable; length: number | undefined }> {
    const out = await this.send(bucket, (client) =>
      client.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
    );
    if (!(out.Body instanceof Readable)) throw new Error('GetObject answered without a readable body');
    return { body: out.Body, length: out.ContentLength };
  }

  /** Closes the clients' connections. */
  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  /** Runs a request in the bucket's region; on a redirect to another region, once more there. */
  private async send<T>(bucket: string, request: (client: S3Client) => Promise<T>): Promise<T> {
    const region = this.bucketRegions.get(bucket) ?? (await this.firstRegion());
    try {
      return await request(this.client(region));
    } catch (error) {
      const elsewhere = redirectRegion(error, region);
      if (elsewhere === undefined) throw error;
      this.bucketRegions.set(bucket, elsewhere);
      return await request(this.client(elsewhere));
    }
  }

  private firstRegion(): Promise<string> {
    this.startRegion ??= (async () => {
      if (this.options.region) return this.options.region;
      // The SDK's own region chain (AWS_REGION, the profile's region), without a request.
      const probe = new S3Client({});
      try {
        return (await probe.config.region()) || FALLBACK_REGION;
      } catch {
        return FALLBACK_REGION;
      } finally {
        probe.destroy();
      }
    })();
    return this.startRegion;
  }

  private client(region: string): S3Client {
    let client = this.clients.get(region);
    if (client === undefined) {
      const env = this.options.env ?? process.env;
      client =
        this.options.clientFor?.(region) ??
        new S3Client({
          region,
          // A local or compatible endpoint is addressed by path; AWS itself by virtual host.
          forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL),
          followRegionRedirects: false,
        });
      this.clients.set(region, client);
    }
    return client;
  }
}

/**
 * The inputs of `s3://` locations, in time order, with what could not be listed. Each opener fetches
 * its object, and starts the next few (small ones) so that they are ready when the scan reaches them.
 */
export async function collectS3Inputs(
  urls: readonly string[],
  options: S3SourceOptions & { readonly onListed?: (url: string, objects: number, logFiles: number) => void },
): Promise<{ inputs: S3Input[]; problems: string[]; empty: string[]; source: S3Source }> {
  if (options.region !== undefined && !REGION_CODE.test(options.region)) {
    throw new UsageError(
      `--region "${sanitize(options.region, 40)}" is not a region code like eu-west-1`,
      'scan',
    );
  }
  const locations = urls.map(parseS3Url);
  const source = new S3Source(options);
  const problems: string[] = [];
  const empty: string[] = [];
  const seen = new Set<string>();
  const objects: S3Object[] = [];
  for (const location of locations) {
    try {
      const { objects: found, listed } = await source.list(location, (n, logs) =>
        options.onListed?.(location.url, n, logs),
      );
      if (found.length === 0) {
        empty.push(
          `${location.url}: no CloudTrail log files under this prefix (${listed} ${listed === 1 ? 'object' : 'objects'} listed; ` +
            'looked for <account>_CloudTrail_<region>_<time>_<id>.json.gz, digests skipped)',
        );
      }
      for (const object of found) {
        const url = urlOf(object);
        if (seen.has(url)) continue;
        seen.add(url);
        objects.push(object);
      }
    } catch (error) {
      problems.push(`${location.url}: ${describeS3Error(error, 'list', location.bucket)}`);
    }
  }
  objects.sort((a, b) => compare(timeOrderKey(urlOf(a)), timeOrderKey(urlOf(b))));
  const ahead = new ReadAhead(source, objects, options.prefetch ?? DEFAULT_PREFETCH);
  const inputs = objects.map((object, index) => {
    const url = urlOf(object);
    return { path: url, name: url, size: object.size, open: () => ahead.open(index) };
  });
  return { inputs, problems, empty, source };
}

/** Fetches objects in scan order: the one asked for, streamed, and the next few small ones, into memory. */
class ReadAhead {
  private readonly started = new Map<number, Promise<Readable>>();

  constructor(
    private readonly source: S3Source,
    private readonly objects: readonly S3Object[],
    private readonly ahead: number,
  ) {}

  async open(index: number): Promise<Readable> {
    const object = this.objects[index];
    if (object === undefined) throw new InputError('no such input');
    const pending = this.started.get(index) ?? this.fetch(object, false);
    this.started.delete(index);
    for (let next = index + 1; next <= index + this.ahead; next++) {
      const later = this.objects[next];
      if (later === undefined || this.started.has(next) || later.size > PREFETCH_MAX_BYTES) continue;
      const fetched = this.fetch(later, true);
      // Reported when the scan reaches it, not before.
      fetched.catch(() => undefined);
      this.started.set(next, fetched);
    }
    return pending;
  }

  private async fetch(object: S3Object, buffer: boolean): Promise<Readable> {
    let got: { body: Readable; length: number | undefined };
    try {
      got = await this.source.get(object.bucket, object.key);
    } catch (error) {
      throw new InputError(describeS3Error(error, 'get', object.bucket), true);
    }
    if (!buffer) return checked(got.body, got.length);
    // Read ahead into memory; a failure part-way is raised after the bytes that did arrive.
    const chunks: Buffer[] = [];
    let failure: unknown;
    try {
      for await (const chunk of got.body) chunks.push(chunk as Buffer);
    } catch (error) {
      failure = error;
    }
    async function* replay(): AsyncGenerator<Buffer> {
      yield* chunks;
      if (failure !== undefined) throw failure;
    }
    return checked(replay(), got.length);
  }
}

/** A body as a Readable whose failures are InputErrors saying how far the download got. */
function checked(
  body: AsyncIterable<unknown> & { destroy?: () => void },
  length: number | undefined,
): Readable {
  async function* guarded(): AsyncGenerator<Buffer> {
    let received = 0;
    const of = length === undefined ? '' : ` of ${length}`;
    try {
      for await (const chunk of body) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        received += buffer.length;
        yield buffer;
      }
    } catch (error) {
      throw new InputError(
        `the download failed after ${received}${of} bytes: ${describeS3Error(error, 'get', '')}`,
        true,
      );
    } finally {
      body.destroy?.();
    }
    if (length !== undefined && received < length) {
      throw new InputError(`the download ended after ${received}${of} bytes`, true);
    }
  }
  return Readable.from(guarded(), { objectMode: false });
}

/** The region a redirect names, when the error is one (301, or a request signed for the wrong region). */
function redirectRegion(error: unknown, current: string): string | undefined {
  const e = error as {
    name?: string;
    Region?: unknown;
    $metadata?: { httpStatusCode?: number };
    $response?: { headers?: Record<string, string | undefined> };
  };
  const status = e.$metadata?.httpStatusCode;
  const named =
    e.$response?.headers?.['x-amz-bucket-region'] ?? (typeof e.Region === 'string' ? e.Region : undefined);
  if (named === undefined || named === current || !REGION_CODE.test(named)) return undefined;
  const redirect =
    status === 301 ||
    status === 307 ||
    e.name === 'AuthorizationHeaderMalformed' ||
    e.name === 'IllegalLocationConstraintException';
  return redirect ? named : undefined;
}

/** What went wrong, in the words a user acts on: the permission, the missing bucket, the network. */
export function describeS3Error(error: unknown, action: 'list' | 'get', bucket: string): string {
  if (error instanceof InputError) return error.message;
  const e = error as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = e.name ?? 'Error';
  const message = sanitize(e.message ?? String(error), 200);
  const status = e.$metadata?.httpStatusCode;
  switch (name) {
    case 'NoSuchBucket':
      return `no such bucket "${bucket}" (NoSuchBucket)`;
    case 'NoSuchKey':
      return 'no such object: deleted since it was listed? (NoSuchKey)';
    case 'AccessDenied':
      return action === 'list'
        ? `access denied: listing needs s3:ListBucket on arn:aws:s3:::${bucket} (AccessDenied: ${message})`
        : `access denied: reading needs s3:GetObject, and kms:Decrypt for SSE-KMS objects (AccessDenied: ${message})`;
    case 'InvalidObjectState':
      return 'the object is archived (S3 Glacier): restore it before scanning (InvalidObjectState)';
    case 'CredentialsProviderError':
      return `no AWS credentials found (environment, AWS_PROFILE, SSO): ${message}`;
    case 'PermanentRedirect':
      return `the bucket is in another region; try --region (PermanentRedirect: ${message})`;
  }
  if (e.code && /^E[A-Z]+/.test(e.code)) return `${message} (${e.code})`;
  return status === undefined ? `${name}: ${message}` : `${name} (HTTP ${status}): ${message}`;
}

function urlOf(object: S3Object): string {
  return `s3://${object.bucket}/${object.key}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
