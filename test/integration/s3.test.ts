// The local S3 through the real S3Client (REST-XML, path-style, checksums, retries, errors), then the
// scan's S3 source on top of it: listing, CloudTrail file selection and order, region redirects,
// streams for the reader, and failures named per object.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
  type S3ClientConfig,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { InputError, readPieces } from '../../cli/input';
import { collectS3Inputs, logFileStamp, parseS3Url, type S3Source } from '../../cli/s3-source';
import { type LocalS3, startLocalS3 } from '../../local/s3';

const CREDENTIALS = { accessKeyId: 'AKIDLOCALS3', secretAccessKey: 'local' };
const ACCOUNT = '111122223333';

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as S3ServiceException;
  }
  throw new Error('expected a rejection');
}

/** A CloudTrail log file key: `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<name>`. */
function logKey(region: string, stamp: string, id: string): string {
  const [y, m, d] = [stamp.slice(0, 4), stamp.slice(4, 6), stamp.slice(6, 8)];
  return `AWSLogs/${ACCOUNT}/CloudTrail/${region}/${y}/${m}/${d}/${ACCOUNT}_CloudTrail_${region}_${stamp}_${id}.json.gz`;
}

function trailFile(eventIds: readonly string[]): Buffer {
  const records = eventIds.map((eventID) => ({
    eventVersion: '1.08',
    eventID,
    eventTime: '2026-11-20T09:00:00Z',
    eventName: 'DescribeInstances',
    eventSource: 'ec2.amazonaws.com',
    awsRegion: 'eu-west-1',
  }));
  return gzipSync(JSON.stringify({ Records: records }));
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('local S3 through the real S3Client', () => {
  let s3: LocalS3;
  const clients: S3Client[] = [];
  const client = (config: Partial<S3ClientConfig> = {}): S3Client => {
    const made = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
      ...config,
    });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    s3 = await startLocalS3();
  });
  afterEach(() => s3.reset());
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await s3.close();
  });

  describe('objects', () => {
    it('stores a PutObject and serves it back with its length, ETag and the CRC32 the SDK checks', async () => {
      const sdk = client();
      await sdk.send(new CreateBucketCommand({ Bucket: 'objects' }));
      const put = await sdk.send(
        new PutObjectCommand({ Bucket: 'objects', Key: 'a b/c+d.txt', Body: 'hello world' }),
      );
      expect(put.ETag).toBe('"5eb63bbbe01eeed093cb22bb8f5acdc3"');
      const got = await sdk.send(new GetObjectCommand({ Bucket: 'objects', Key: 'a b/c+d.txt' }));
      expect(got.ContentLength).toBe(11);
      expect(got.ETag).toBe(put.ETag);
      expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
      expect(await got.Body?.transformToString()).toBe('hello world');
      expect(s3.getObject('objects', 'a b/c+d.txt')?.body.toString()).toBe('hello world');
    });

    it('decodes a streamed upload (aws-chunked with a trailing checksum)', async () => {
      const sdk = client();
      const body = Buffer.alloc(300_000, 7);
      const upload = (Bucket: string) =>
        sdk.send(
          new PutObjectCommand({
            Bucket,
            Key: 'streamed',
            Body: Readable.from([body]),
            ContentLength: body.length,
          }),
        );
      expect(await rejection(upload('objects'))).toBeInstanceOf(NoSuchBucket);
      s3.createBucket('objects');
      await upload('objects');
      expect(s3.getObject('objects', 'streamed')?.body.equals(body)).toBe(true);
      const got = await sdk.send(new GetObjectCommand({ Bucket: 'objects', Key: 'streamed' }));
      expect((await got.Body!.transformToByteArray()).length).toBe(body.length);
    });

    it('refuses an upload whose checksum does not match what arrived', async () => {
      s3.createBucket('objects');
      const response = await fetch(`${s3.endpoint}/objects/bad`, {
        method: 'PUT',
        body: 'hello',
        headers: {
          authorization: `AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x`,
          'x-amz-checksum-crc32': 'AAAAAA==',
        },
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('<Code>BadDigest</Code>');
      expect(s3.getObject('objects', 'bad')).toBeUndefined();
    });

    it('serves ranges, conditional reads and HeadObject', async () => {
      const sdk = client();
      const etag = s3.putObject('objects', 'k', '0123456789', { lastModifiedMs: Date.UTC(2026, 10, 20, 9) });
      const part = await sdk.send(new GetObjectCommand({ Bucket: 'objects', Key: 'k', Range: 'bytes=2-5' }));
      expect(part.$metadata.httpStatusCode).toBe(206);
      expect(part.ContentRange).toBe('bytes 2-5/10');
      expect(await part.Body?.transformToString()).toBe('2345');
      const tail = await sdk.send(new GetObjectCommand({ Bucket: 'objects', Key: 'k', Range: 'bytes=-3' }));
      expect(await tail.Body?.transformToString()).toBe('789');
      const beyond = await rejection(
        sdk.send(new GetObjectCommand({ Bucket: 'objects', Key: 'k', Range: 'bytes=10-' })),
      );
      expect([beyond.name, beyond.$metadata.httpStatusCode]).toEqual(['InvalidRange', 416]);
      const unchanged = await rejection(
        sdk.send(new GetObjectCommand({ Bucket: 'objects', Key: 'k', IfNoneMatch: etag })),
      );
      expect(unchanged.$metadata.httpStatusCode).toBe(304);
      const changed = await rejection(
        sdk.send(new GetObjectCommand({ Bucket: 'objects', Key: 'k', IfMatch: '"0000"' })),
      );
      expect([changed.name, changed.$metadata.httpStatusCode]).toEqual(['PreconditionFailed', 412]);
      const head = await sdk.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'k' }));
      expect([head.ContentLength, head.ETag, head.LastModified?.toISOString()]).toEqual([
        10,
        etag,
        '2026-11-20T09:00:00.000Z',
      ]);
      await sdk.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'k' }));
      const gone = await rejection(sdk.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'k' })));
      expect(gone).toBeInstanceOf(NotFound);
    });
  });

  describe('ListObjectsV2', () => {
    // UTF-8 byte order: U+FF61 (EF BD A1) before U+1F600 (F0 9F 98 80), unlike UTF-16 order.
    const keys = ['a/1', 'a/2', 'a/b/3', 'a/b/4', 'a/c/5', 'b/6', 'z', '\uff61', '\u{1f600}'];
    beforeEach(() => {
      for (const key of keys) s3.putObject('listing', key, key);
    });

    it('pages with MaxKeys and ContinuationToken, in UTF-8 byte order', async () => {
      const sdk = client();
      const seen: string[] = [];
      const pages: ListObjectsV2CommandOutput[] = [];
      for await (const page of paginateListObjectsV2({ client: sdk, pageSize: 3 }, { Bucket: 'listing' })) {
        pages.push(page);
        seen.push(...(page.Contents ?? []).map((c) => c.Key!));
      }
      expect(seen).toEqual(keys);
      expect(pages.map((p) => [p.KeyCount, p.IsTruncated])).toEqual([
        [3, true],
        [3, true],
        // A full last page is not truncated: S3 knows nothing follows.
        [3, false],
      ]);
      const listed = s3.requests.filter((r) => r.operation === 'ListObjectsV2');
      expect(listed[1]?.query['continuation-token']).toBe(pages[0]?.NextContinuationToken);
      expect(pages[0]?.Contents?.[0]).toMatchObject({ Key: 'a/1', Size: 3, StorageClass: 'STANDARD' });
    });

    it('filters by Prefix, starts after StartAfter, and folds keys by Delimiter', async () => {
      const sdk = client();
      const prefixed = await sdk.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'a/b/' }));
      expect(prefixed.Contents?.map((c) => c.Key)).toEqual(['a/b/3', 'a/b/4']);
      const after = await sdk.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'a/c/5' }));
      expect(after.Contents?.map((c) => c.Key)).toEqual(['b/6', 'z', '\uff61', '\u{1f600}']);
      const folded = await sdk.send(
        new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'a/', Delimiter: '/', MaxKeys: 2 }),
      );
      expect(folded.Contents?.map((c) => c.Key)).toEqual(['a/1', 'a/2']);
      expect(folded.IsTruncated).toBe(true);
      const rest = await sdk.send(
        new ListObjectsV2Command({
          Bucket: 'listing',
          Prefix: 'a/',
          Delimiter: '/',
          ContinuationToken: folded.NextContinuationToken,
        }),
      );
      expect(rest.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/b/', 'a/c/']);
      expect(rest.Contents ?? []).toEqual([]);
    });

    it('refuses a continuation token it did not issue', async () => {
      const error = await rejection(
        client().send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: 'bm9wZQ==' })),
      );
      expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InvalidArgument', 400]);
    });
  });

  describe('errors in S3 shape', () => {
    it('answers NoSuchBucket and NoSuchKey as the SDK models them', async () => {
      const sdk = client();
      const bucket = await rejection(sdk.send(new ListObjectsV2Command({ Bucket: 'missing' })));
      expect(bucket).toBeInstanceOf(NoSuchBucket);
      expect(bucket.$metadata.httpStatusCode).toBe(404);
      s3.createBucket('present');
      const key = await rejection(sdk.send(new GetObjectCommand({ Bucket: 'present', Key: 'nope' })));
      expect(key).toBeInstanceOf(NoSuchKey);
      expect((key as NoSuchKey & { Key?: string }).Key).toBe('nope');
    });

    it('answers a malformed path InvalidURI, and what it does not implement NotImplemented', async () => {
      const signed = {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x',
      };
      const malformed = await fetch(`${s3.endpoint}/bucket/%zz`, { headers: signed });
      expect([malformed.status, await malformed.text()]).toEqual([
        400,
        expect.stringContaining('<Code>InvalidURI</Code>'),
      ]);
      const v1 = await fetch(`${s3.endpoint}/bucket?prefix=a`, { headers: signed });
      expect([v1.status, await v1.text()]).toEqual([
        501,
        expect.stringContaining('<Code>NotImplemented</Code>'),
      ]);
      expect(s3.requests.map((r) => [r.operation, r.errorCode])).toEqual([
        ['GetObject', 'InvalidURI'],
        ['Unknown', 'NotImplemented'],
      ]);
    });

    it('denies what denyWhen picks, and any unsigned request', async () => {
      s3.putObject('private', 'secret', 'x');
      s3.putObject('private', 'public', 'y');
      s3.denyWhen((r) => r.key === 'secret');
      const sdk = client();
      const denied = await rejection(sdk.send(new GetObjectCommand({ Bucket: 'private', Key: 'secret' })));
      expect([denied.name, denied.$metadata.httpStatusCode, denied.message]).toEqual([
        'AccessDenied',
        403,
        'Access Denied',
      ]);
      const allowed = await sdk.send(new GetObjectCommand({ Bucket: 'private', Key: 'public' }));
      expect(await allowed.Body?.transformToString()).toBe('y');
      const anonymous = await fetch(`${s3.endpoint}/private/public`);
      expect(anonymous.status).toBe(403);
      expect(await anonymous.text()).toMatch(
        /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message><RequestId>[0-9A-F]{16}<\/RequestId><HostId>/,
      );
    });

    it('redirects a request signed for another region, naming the bucket region (the SDK can follow it)', async () => {
      s3.createBucket('far', { region: 'ap-southeast-2' });
      const error = await rejection(client().send(new ListObjectsV2Command({ Bucket: 'far' })));
      expect([error.name, error.$metadata.httpStatusCode]).toEqual(['PermanentRedirect', 301]);
      const headers = (error as S3ServiceException & { $response?: { headers: Record<string, string> } })
        .$response?.headers;
      expect(headers?.['x-amz-bucket-region']).toBe('ap-southeast-2');
      const following = client({ followRegionRedirects: true });
      expect((await following.send(new ListObjectsV2Command({ Bucket: 'far' }))).KeyCount).toBe(0);
      const head = await client({ region: 'ap-southeast-2' }).send(new HeadBucketCommand({ Bucket: 'far' }));
      expect(head.BucketRegion).toBe('ap-southeast-2');
    });
  });

  describe('fault injection', () => {
    it('a failed or throttled request is retried by the SDK; past its attempts it surfaces', async () => {
      s3.putObject('faults', 'k', 'v');
      s3.failNext(1, 'InternalError', { operation: 'GetObject' });
      s3.throttleNext(1, { operation: 'GetObject' });
      const got = await client().send(new GetObjectCommand({ Bucket: 'faults', Key: 'k' }));
      expect(await got.Body?.transformToString()).toBe('v');
      expect(got.$metadata.attempts).toBe(3);
      expect(s3.requests.map((r) => [r.status, r.errorCode, r.injected])).toEqual([
        [500, 'InternalError', true],
        [503, 'SlowDown', true],
        [200, undefined, false],
      ]);
      s3.throttleNext(1);
      const once = await rejection(
        client({ maxAttempts: 1 }).send(new ListObjectsV2Command({ Bucket: 'faults' })),
      );
      expect([once.name, once.$metadata.httpStatusCode]).toEqual(['SlowDown', 503]);
    });

    it('cuts a body off mid-stream, or corrupts it so the checksum fails', async () => {
      const body = Buffer.alloc(200_000, 1);
      s3.putObject('faults', 'big', body);
      s3.truncateNextBody(1, { key: 'big', afterBytes: 70_000 });
      const cut = await client().send(new GetObjectCommand({ Bucket: 'faults', Key: 'big' }));
      expect(cut.ContentLength).toBe(200_000);
      let received = 0;
      const failure = await rejection(
        (async () => {
          for await (const chunk of cut.Body as Readable) received += (chunk as Buffer).length;
        })(),
      );
      expect(received).toBe(70_000);
      expect((failure as Error & { code?: string }).code).toBe('ECONNRESET');
      s3.corruptNextBody(1, { key: 'big' });
      const corrupt = await client().send(new GetObjectCommand({ Bucket: 'faults', Key: 'big' }));
      expect((await rejection(corrupt.Body!.transformToByteArray())).message).toMatch(/Checksum mismatch/);
      expect(s3.requests.filter((r) => r.operation === 'GetObject').map((r) => r.injected)).toEqual([
        true,
        true,
      ]);
    });
  });
});

describe('the scan S3 source', () => {
  let s3: LocalS3;
  const sources: S3Source[] = [];
  const options = (extra: { region?: string | undefined; prefetch?: number } = {}) => ({
    region: 'region' in extra ? extra.region : 'us-east-1',
    prefetch: extra.prefetch,
    clientFor: (region: string) =>
      new S3Client({ region, endpoint: s3.endpoint, forcePathStyle: true, credentials: CREDENTIALS }),
  });
  const collect = async (urls: string[], extra: { region?: string | undefined; prefetch?: number } = {}) => {
    const out = await collectS3Inputs(urls, options(extra));
    sources.push(out.source);
    return out;
  };

  beforeAll(async () => {
    s3 = await startLocalS3();
  });
  afterEach(() => {
    for (const source of sources.splice(0)) source.destroy();
    s3.reset();
  });
  afterAll(() => s3.close());

  describe('s3:// locations', () => {
    it('parses the bucket and the prefix', () => {
      expect(parseS3Url('s3://trail-archive/AWSLogs/111122223333/')).toEqual({
        url: 's3://trail-archive/AWSLogs/111122223333/',
        bucket: 'trail-archive',
        prefix: 'AWSLogs/111122223333/',
      });
      expect(parseS3Url('s3://trail-archive')).toMatchObject({ bucket: 'trail-archive', prefix: '' });
    });

    it.each([
      ['s3:trail-archive/x', '"s3:trail-archive/x" is not an S3 location: write s3://BUCKET/PREFIX'],
      ['s3:///AWSLogs/', '"s3:///AWSLogs/" names no bucket'],
      ['s3://Trail_Archive/x', '"s3://Trail_Archive/x": "Trail_Archive" is not a bucket name'],
      ['s3://trail-archive/AWSLogs/*/CloudTrail/', 'wildcards are not expanded'],
    ])('refuses %s, naming it', (url, message) => {
      expect(() => parseS3Url(url)).toThrow(message);
    });
  });

  it('keeps CloudTrail log files only: digests, insights and other objects are left out', () => {
    expect(logFileStamp(logKey('eu-west-1', '20261120T0915Z', 'a1b2c3d4e5f6a7b8'))).toBe('20261120T0915Z');
    expect(
      logFileStamp(
        `AWSLogs/${ACCOUNT}/CloudTrail-Digest/eu-west-1/2026/11/20/${ACCOUNT}_CloudTrail-Digest_eu-west-1_main_eu-west-1_20261120T091500Z.json.gz`,
      ),
    ).toBeUndefined();
    expect(
      logFileStamp(
        `AWSLogs/${ACCOUNT}/CloudTrail-Insight/eu-west-1/2026/11/20/${ACCOUNT}_CloudTrail-Insight_eu-west-1_20261120T0915Z_x1.json.gz`,
      ),
    ).toBeUndefined();
    expect(logFileStamp('AWSLogs/notes.json.gz')).toBeUndefined();
    expect(logFileStamp(`${ACCOUNT}_CloudTrail_eu-west-1_20261120T0915Z_a1.json`)).toBeUndefined();
  });

  it('lists every page and orders the log files by the time in their names, then by key', async () => {
    // Listed by key: eu-west-1 before us-east-1; by time the us-east-1 file of 09:05 comes first.
    const late = logKey('eu-west-1', '20261120T0915Z', 'bbbb');
    const tie = logKey('eu-west-1', '20261120T0915Z', 'aaaa');
    const early = logKey('us-east-1', '20261120T0905Z', 'cccc');
    for (const key of [late, tie, early]) s3.putObject('archive', key, trailFile([key]));
    for (let i = 0; i < 1_050; i++) s3.putObject('archive', `AWSLogs/${ACCOUNT}/other/${i}.txt`, 'x');
    s3.putObject(
      'archive',
      `AWSLogs/${ACCOUNT}/CloudTrail-Digest/eu-west-1/2026/11/20/${ACCOUNT}_CloudTrail-Digest_eu-west-1_main_eu-west-1_20261120T091500Z.json.gz`,
      trailFile(['digest']),
    );
    const { inputs, problems, empty } = await collect(['s3://archive/AWSLogs/']);
    expect([problems, empty]).toEqual([[], []]);
    expect(inputs.map((i) => i.path)).toEqual([early, tie, late].map((k) => `s3://archive/${k}`));
    expect(inputs.map((i) => i.size)).toEqual(
      [early, tie, late].map((k) => s3.getObject('archive', k)!.body.length),
    );
    const listings = s3.requests.filter((r) => r.operation === 'ListObjectsV2');
    expect(listings.map((r) => [r.query.prefix, r.query['continuation-token'] !== undefined])).toEqual([
      ['AWSLogs/', false],
      ['AWSLogs/', true],
    ]);
    expect(s3.requests.some((r) => r.operation === 'GetObject')).toBe(false);
  });

  it('opens each object as a stream the reader takes like a file, the next few fetched ahead', async () => {
    const keys = ['0901', '0902', '0903', '0904'].map((t, i) =>
      logKey('eu-west-1', `20261120T${t}Z`, `id${i}`),
    );
    for (const [i, key] of keys.entries())
      s3.putObject('archive', key, trailFile([`event-${i}a`, `event-${i}b`]));
    const { inputs } = await collect(['s3://archive/'], { prefetch: 2 });
    const first = await inputs[0]!.open();
    // Asked for the first: the next two are on their way already, the fourth not yet.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s3.requests.filter((r) => r.operation === 'GetObject').map((r) => r.key)).toEqual(
      keys.slice(0, 3),
    );
    expect(JSON.parse(gunzipSync(await readAll(first)).toString()).Records[0].eventID).toBe('event-0a');
    const ids: string[] = [];
    let bytes = 0;
    for (const input of inputs.slice(1)) {
      for await (const pieces of readPieces(input.open, { onBytes: (n) => (bytes += n) })) {
        for (const piece of pieces) if (piece.kind === 'record') ids.push(JSON.parse(piece.text).eventID);
      }
    }
    expect(ids).toEqual(['event-1a', 'event-1b', 'event-2a', 'event-2b', 'event-3a', 'event-3b']);
    expect(bytes).toBe(inputs.slice(1).reduce((sum, i) => sum + i.size, 0));
    expect(s3.requests.filter((r) => r.operation === 'GetObject')).toHaveLength(4);
  });

  it('starts in the configured region, follows a bucket to its own once, then sends its requests there', async () => {
    // No --region: the SDK's chain gives AWS_REGION (eu-west-1 in the tests).
    s3.createBucket('elsewhere', { region: 'ap-southeast-2' });
    s3.putObject('elsewhere', logKey('ap-southeast-2', '20261120T0915Z', 'a'), trailFile(['x']));
    s3.putObject('elsewhere', logKey('ap-southeast-2', '20261120T0920Z', 'b'), trailFile(['y']));
    const { inputs } = await collect(['s3://elsewhere/'], { region: undefined });
    for (const input of inputs) await readAll(await input.open());
    expect(s3.requests.map((r) => [r.operation, r.region, r.status])).toEqual([
      ['ListObjectsV2', 'eu-west-1', 301],
      ['ListObjectsV2', 'ap-southeast-2', 200],
      ['GetObject', 'ap-southeast-2', 200],
      ['GetObject', 'ap-southeast-2', 200],
    ]);
  });

  it('says what could not be listed and which prefix holds no log file', async () => {
    s3.putObject('archive', 'AWSLogs/readme.txt', 'x');
    s3.putObject('locked', logKey('eu-west-1', '20261120T0915Z', 'a'), trailFile(['x']));
    s3.denyWhen((r) => r.bucket === 'locked');
    const { inputs, problems, empty } = await collect([
      's3://missing-bucket/AWSLogs/',
      's3://locked/',
      's3://archive/AWSLogs/',
    ]);
    expect(inputs).toEqual([]);
    expect(problems).toEqual([
      's3://missing-bucket/AWSLogs/: no such bucket "missing-bucket" (NoSuchBucket)',
      's3://locked/: access denied: listing needs s3:ListBucket on arn:aws:s3:::locked (AccessDenied: Access Denied)',
    ]);
    expect(empty).toEqual([
      expect.stringMatching(
        /^s3:\/\/archive\/AWSLogs\/: no CloudTrail log files under this prefix \(1 object listed/,
      ),
    ]);
  });

  it('turns an object that cannot be read, or fails part-way, into an InputError after what arrived', async () => {
    const denied = logKey('eu-west-1', '20261120T0901Z', 'a');
    const cut = logKey('eu-west-1', '20261120T0902Z', 'b');
    s3.putObject('archive', denied, trailFile(['x']));
    // Incompressible bytes, so the gzip is large enough to cut in the middle.
    const noise = randomBytes(100_000);
    s3.putObject('archive', cut, gzipSync(noise));
    s3.denyWhen((r) => r.operation === 'GetObject' && r.key === denied);
    s3.truncateNextBody(1, { key: cut, afterBytes: 1000 });
    const { inputs } = await collect(['s3://archive/']);
    const refused = await rejection(inputs[0]!.open());
    expect(refused).toBeInstanceOf(InputError);
    expect(refused.message).toMatch(
      /^access denied: reading needs s3:GetObject, and kms:Decrypt for SSE-KMS objects/,
    );
    expect((refused as unknown as InputError).unreadable).toBe(true);
    const stream = await inputs[1]!.open();
    let received = 0;
    const broken = await rejection(
      (async () => {
        for await (const chunk of stream) received += (chunk as Buffer).length;
      })(),
    );
    expect(received).toBe(1000);
    expect(broken).toBeInstanceOf(InputError);
    expect(broken.message).toMatch(/^the download failed after 1000 of \d+ bytes: /);
  });
});
