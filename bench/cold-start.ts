// Item 3: bundle the handler as the CDK does (lib/detector.ts: minify, node22, all SDK bundled) and
// time `require` of it in fresh Node processes, against a bundle of the three SDK clients alone.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { median } from './stats';

export const ROOT = path.resolve(__dirname, '..');
export const OUT = path.join(ROOT, '.bench-out');

export interface BundleInfo {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Output bytes by package (`@aws-sdk/client-sns`, `@smithy/*`...), `trailwatch` for our own code. */
  readonly byPackage: Readonly<Record<string, number>>;
}

export interface LoadTimes {
  /** process.hrtime around require(), measured inside the child. */
  readonly requireMs: number;
  /** spawn to exit, measured by the parent. */
  readonly wallMs: number;
  /** maxRSS of the child after the require. */
  readonly rssMb: number;
}

export interface ColdStartResult {
  readonly handler: BundleInfo;
  readonly sdkOnly: BundleInfo;
  readonly runs: number;
  readonly handlerLoad: LoadTimes;
  readonly sdkOnlyLoad: LoadTimes;
  /** `node -e ""`: the floor every process pays. */
  readonly emptyWallMs: number;
  /** handler require time / SDK-only require time - 1. */
  readonly addedLoadFraction: number;
  /**
   * The outputs' adapters (`lambda/outputs-impl.ts`), a file of their own beside the handler: loaded
   * at an output's first send, only when an output is on. Not part of the handler's load.
   */
  readonly outputs: BundleInfo;
  readonly outputsLoad: LoadTimes;
  readonly nodeVersion: string;
}

/** The options NodejsFunction passes to esbuild for the detector (see lib/detector.ts `bundling`). */
export async function bundleLikeCdk(entry: string, outfile: string): Promise<BundleInfo> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    sourcemap: false,
    external: [],
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = statSync(outfile).size;
  return {
    file: outfile,
    bytes,
    gzipBytes: gzipSync(readFileSync(outfile)).length,
    byPackage: bytesByPackage(result.metafile),
  };
}

function bytesByPackage(metafile: Metafile): Record<string, number> {
  const out: Record<string, number> = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const at = input.lastIndexOf('node_modules/');
      let name = input.startsWith('lambda/') ? 'trailwatch' : 'entry';
      if (at >= 0) {
        const parts = input.slice(at + 'node_modules/'.length).split('/');
        name = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
      }
      out[name] = (out[name] ?? 0) + bytesInOutput;
    }
  }
  return out;
}

/** Groups package sizes for the report: our code, each SDK client, @smithy, the rest of @aws-sdk, others. */
export function summarizePackages(byPackage: Readonly<Record<string, number>>): Array<[string, number]> {
  const groups: Record<string, number> = {};
  for (const [name, bytes] of Object.entries(byPackage)) {
    const group = name.startsWith('@aws-sdk/client-')
      ? name
      : name.startsWith('@smithy/')
        ? '@smithy/* (SDK core)'
        : name.startsWith('@aws-sdk/')
          ? '@aws-sdk/* (core, credentials, middleware)'
          : name === 'trailwatch'
            ? 'trailwatch (lambda/)'
            : 'other (tslib, uuid, fast-xml-parser...)';
    groups[group] = (groups[group] ?? 0) + bytes;
  }
  return Object.entries(groups).sort((a, b) => b[1] - a[1]);
}

function loadOnce(file: string): LoadTimes {
  const script =
    'const t=process.hrtime.bigint();require(process.argv[1]);const ms=Number(process.hrtime.bigint()-t)/1e6;' +
    'process.stdout.write(JSON.stringify({ms,rss:process.resourceUsage().maxRSS}))';
  const start = performance.now();
  const child = spawnSync(process.execPath, ['-e', script, file], { encoding: 'utf8' });
  const wallMs = performance.now() - start;
  if (child.status !== 0) throw new Error(`loading ${file} failed: ${child.stderr}`);
  const out = JSON.parse(child.stdout) as { ms: number; rss: number };
  return { requireMs: out.ms, wallMs, rssMb: out.rss / 1024 };
}

function emptyOnce(): number {
  const start = performance.now();
  spawnSync(process.execPath, ['-e', ''], { encoding: 'utf8' });
  return performance.now() - start;
}

function medians(samples: readonly LoadTimes[]): LoadTimes {
  return {
    requireMs: median(samples.map((s) => s.requireMs)),
    wallMs: median(samples.map((s) => s.wallMs)),
    rssMb: median(samples.map((s) => s.rssMb)),
  };
}

export async function measureColdStart(runs: number): Promise<ColdStartResult> {
  mkdirSync(OUT, { recursive: true });
  const sdkEntry = path.join(OUT, 'sdk-only-entry.ts');
  // The same clients and commands the handler uses, and nothing of ours.
  writeFileSync(
    sdkEntry,
    [
      "export { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';",
      "export { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';",
      "export { PublishCommand, SNSClient } from '@aws-sdk/client-sns';",
      '',
    ].join('\n'),
  );
  const handler = await bundleLikeCdk(path.join(ROOT, 'lambda', 'handler.ts'), path.join(OUT, 'handler.js'));
  const sdkOnly = await bundleLikeCdk(sdkEntry, path.join(OUT, 'sdk-only.js'));
  const outputs = await bundleLikeCdk(
    path.join(ROOT, 'lambda', 'outputs-impl.ts'),
    path.join(OUT, 'outputs-impl.js'),
  );
  // One unmeasured load each, so that both files are in the page cache.
  loadOnce(handler.file);
  loadOnce(sdkOnly.file);
  const h: LoadTimes[] = [];
  const s: LoadTimes[] = [];
  const o: LoadTimes[] = [];
  const empty: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Interleaved, alternating which goes first, so that drift hits both alike.
    if (i % 2 === 0) {
      h.push(loadOnce(handler.file));
      s.push(loadOnce(sdkOnly.file));
    } else {
      s.push(loadOnce(sdkOnly.file));
      h.push(loadOnce(handler.file));
    }
    empty.push(emptyOnce());
    o.push(loadOnce(outputs.file));
  }
  const handlerLoad = medians(h);
  const sdkOnlyLoad = medians(s);
  const ratios = h.map((x, i) => x.requireMs / s[i]!.requireMs);
  return {
    handler,
    sdkOnly,
    runs,
    handlerLoad,
    sdkOnlyLoad,
    emptyWallMs: median(empty),
    addedLoadFraction: median(ratios) - 1,
    outputs,
    outputsLoad: medians(o),
    nodeVersion: process.version,
  };
}
