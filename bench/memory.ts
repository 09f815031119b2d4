// Item 4: peak RSS of a child process draining a backlog. 10k: the real handler (bundled as for
// Lambda) against DynamoDB Local and the local CloudTrail (2 req/s per region, as in production)
// and SNS servers, which live in THIS process so that their data is not counted. 1M, and 10k for a
// like-for-like ratio: the engine alone, scoring as a run does, on a pool of 10k generated records
// that both sizes cycle through (generating records makes more garbage than scoring them).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { startLocalCloudTrail } from '../local/cloudtrail';
import { createDetectorTable, startDynamoDbLocal, uniqueTableName } from '../local/dynamodb';
import { startLocalSns } from '../local/sns';
import { OUT, ROOT } from './cold-start';
import { createEventStream } from './corpus';
import { progress } from './stats';

export interface ChildResult {
  readonly maxRssMb: number;
  readonly events: number;
  readonly ms: number;
  readonly [key: string]: unknown;
}

const CHILD = path.join(OUT, 'memory-child.js');
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:trailwatch-bench';
const HANDLER_REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'sa-east-1'];

export async function buildMemoryChild(): Promise<void> {
  await build({
    entryPoints: [path.join(ROOT, 'bench', 'memory-child.ts')],
    outfile: CHILD,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    logLevel: 'silent',
  });
}

function runChild(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  nodeFlags: readonly string[] = [],
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', ...nodeFlags, CHILD, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out = (out + chunk.toString('utf8')).slice(-20_000);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString('utf8')).slice(-4000);
    });
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`memory child ${args.join(' ')} exited ${code}: ${err}`));
      try {
        resolve(JSON.parse(last) as ChildResult);
      } catch {
        reject(new Error(`memory child printed no result: ${last.slice(0, 300)}`));
      }
    });
  });
}

/** `oldSpaceMb`: cap V8's old generation (--max-old-space-size), to tell heap sizing from retention. */
export function measureEngineMemory(events: number, oldSpaceMb?: number): Promise<ChildResult> {
  return runChild(
    ['engine', String(events)],
    process.env,
    oldSpaceMb ? [`--max-old-space-size=${oldSpaceMb}`] : [],
  );
}

/** 10,000 events spread over 4 regions, drained by one invocation of the real handler. */
export async function measureHandlerMemory(events: number): Promise<ChildResult> {
  const dynamo = await startDynamoDbLocal();
  const cloudtrail = await startLocalCloudTrail({ requestsPerSecond: 2 });
  const sns = await startLocalSns({ topics: [TOPIC] });
  try {
    const table = uniqueTableName('bench');
    await createDetectorTable(dynamo.endpoint, table);
    const now = Date.now();
    const perRegion = Math.ceil(events / HANDLER_REGIONS.length);
    HANDLER_REGIONS.forEach((region, i) => {
      // Spread over the 100 minutes before now; the run looks back 120 minutes.
      const next = createEventStream({
        seed: 200 + i,
        region,
        startMs: now - 100 * 60_000,
        stepMs: (99 * 60_000) / perRegion,
      });
      for (let k = 0; k < perRegion; k++) cloudtrail.addEvent(region, next().body);
    });
    progress(
      `memory: handler draining ${perRegion * HANDLER_REGIONS.length} events in ${HANDLER_REGIONS.length} regions at 2 pages/s`,
    );
    const result = await runChild(['handler'], {
      PATH: process.env.PATH,
      AWS_ACCESS_KEY_ID: 'AKIABENCHMARK0000000',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_REGION: 'eu-west-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ENDPOINT_URL_CLOUDTRAIL: cloudtrail.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SNS: sns.url,
      TRAILWATCH_TABLE_NAME: table,
      TRAILWATCH_TOPIC_ARN: TOPIC,
      TRAILWATCH_REGIONS: HANDLER_REGIONS.join(','),
      TRAILWATCH_INITIAL_LOOKBACK_MINUTES: '120',
      TRAILWATCH_OVERLAP_MINUTES: '60',
    });
    return { ...result, published: sns.published.length };
  } finally {
    await Promise.all([cloudtrail.close(), sns.close(), dynamo.stop()]);
  }
}
