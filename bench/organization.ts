// Organization fan-out: the wall time of one tick for 50 accounts x 4 regions against one pair,
// at the default maximum concurrency (10) and at one that covers every pair (200); and what one
// member account costs a month, from the requests a pair's run makes (counted at the local servers).
import { createRecordFactory } from '../local/cloudtrail';
import { startDynamoDbLocal } from '../local/dynamodb';
import { MINUTE, type OrganizationSim, startOrganizationSim } from '../local/organization-sim';
import { median } from './stats';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1'];
/** Routine events per pair per 5 minutes: a quiet member account. */
const EVENTS_PER_TICK = 20;
const TICKS = 4;

/** Prices of us-east-1 (on-demand, USD), as AWS lists them; arithmetic, not a bill. */
export const PRICES = {
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000166667,
  sqsRequest: 0.4 / 1e6,
  dynamoWrite: 0.625 / 1e6,
  dynamoRead: 0.125 / 1e6,
  logsGb: 0.5,
} as const;
/** Runs per pair per 30-day month at the 5-minute schedule. */
const RUNS_PER_MONTH = 12 * 24 * 30;
const WORKER_MEMORY_GB = 0.25;

export interface FanoutMeasure {
  readonly accounts: number;
  readonly regions: number;
  readonly concurrency: number;
  /** Median wall time of the steady ticks (after the first, which reads the initial lookback). */
  readonly tickMs: number;
  readonly ticksMs: readonly number[];
  /** CPU time of this process (every worker runs on its one JavaScript thread) over the steady ticks, / their wall time. */
  readonly cpuShare: number;
  readonly peakConcurrency: number;
}

export interface OrganizationBench {
  readonly onePair: FanoutMeasure;
  readonly defaultConcurrency: FanoutMeasure;
  readonly fullConcurrency: FanoutMeasure;
  /** Per pair and run, in the steady ticks of the 50 x 4 run at concurrency 10. */
  readonly perRun: {
    readonly lookups: number;
    readonly dynamoReads: number;
    readonly dynamoWrites: number;
    readonly sqsRequests: number;
    readonly logBytes: number;
    readonly wallMs: number;
  };
  /** Dollars per member account (4 regions) per month, by item, with the assumed billed duration. */
  readonly cost: Readonly<Record<string, number>> & {
    readonly total: number;
    readonly billedSecondsPerRun: number;
  };
}

const READS = new Set(['GetItem', 'Query', 'BatchGetItem', 'Scan']);

async function run(
  dynamoEndpoint: string,
  accounts: number,
  regions: readonly string[],
  concurrency: number,
  count?: (sim: OrganizationSim, tick: number) => void,
): Promise<FanoutMeasure> {
  const sim = await startOrganizationSim({ accounts, regions, concurrency, dynamoEndpoint });
  const make = createRecordFactory(3);
  try {
    const ticksMs: number[] = [];
    let cpuMs = 0;
    for (let tick = 1; tick <= TICKS; tick++) {
      const at = sim.t0 + tick * 5 * MINUTE;
      for (const account of sim.accounts) {
        for (const region of regions) {
          const records = Array.from({ length: EVENTS_PER_TICK }, (_, k) =>
            make({
              eventName: 'DescribeInstances',
              eventTimeMs: at - 5 * MINUTE + (k * 5 * MINUTE) / EVENTS_PER_TICK,
              accountId: account.id,
              awsRegion: region,
            }),
          );
          sim.cloudtrail.addEvents(region, records, { account: account.id });
        }
      }
      count?.(sim, tick);
      const cpu = process.cpuUsage();
      const result = await sim.tick(at);
      const used = process.cpuUsage(cpu);
      if (result.dispatch instanceof Error) throw result.dispatch;
      ticksMs.push(result.wallMs);
      if (tick > 1) cpuMs += (used.user + used.system) / 1000;
    }
    count?.(sim, TICKS + 1);
    const steady = ticksMs.slice(1);
    return {
      accounts,
      regions: regions.length,
      concurrency,
      tickMs: median(steady),
      ticksMs,
      cpuShare: cpuMs / steady.reduce((a, b) => a + b, 0),
      peakConcurrency: sim.mapping.stats.peakConcurrency,
    };
  } finally {
    await sim.close();
  }
}

export async function measureOrganization(): Promise<OrganizationBench> {
  const dynamo = await startDynamoDbLocal();
  try {
    const onePair = await run(dynamo.endpoint, 1, ['eu-west-1'], 2);
    // Requests of the steady ticks (2..4), counted at each server between tick starts.
    const marks: Array<{ lookups: number; dynamo: Record<string, number>; sqs: number; logBytes: number }> =
      [];
    // The queue requests a run causes: its share of the dispatcher's batch sends, and its delete.
    // (The mapping's receives are long polls whose number does not grow with the pairs; counted apart.)
    const perRunSqs = (calls: readonly string[]) =>
      calls.filter((c) => c === 'SendMessageBatch' || c === 'DeleteMessageBatch' || c === 'DeleteMessage')
        .length;
    let logBytes = 0;
    const write = process.stdout.write.bind(process.stdout);
    // Counted, not printed: the bench's own output stays readable.
    process.stdout.write = ((chunk: string | Uint8Array) => {
      logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      return true;
    }) as typeof process.stdout.write;
    const savedLevel = process.env.AWS_LAMBDA_LOG_LEVEL;
    let defaultConcurrency: FanoutMeasure;
    try {
      defaultConcurrency = await run(dynamo.endpoint, 50, REGIONS, 10, (sim, tick) => {
        // The functions log at INFO in production: count what they would write.
        process.env.AWS_LAMBDA_LOG_LEVEL = 'INFO';
        if (tick >= 2)
          marks.push({
            lookups: sim.cloudtrail.requests.length,
            dynamo: sim.dynamo.forwarded(),
            sqs: perRunSqs(sim.sqs.calls),
            logBytes,
          });
      });
    } finally {
      process.stdout.write = write;
      if (savedLevel === undefined) delete process.env.AWS_LAMBDA_LOG_LEVEL;
      else process.env.AWS_LAMBDA_LOG_LEVEL = savedLevel;
    }
    const fullConcurrency = await run(dynamo.endpoint, 50, REGIONS, 200);

    const first = marks[0]!;
    const last = marks[marks.length - 1]!;
    const runs = 50 * REGIONS.length * (marks.length - 1);
    let reads = 0;
    let writes = 0;
    for (const [op, n] of Object.entries(last.dynamo)) {
      const delta = n - (first.dynamo[op] ?? 0);
      // A transaction item costs two write units; an ordinary write one (all items here are < 1 KB).
      if (READS.has(op)) reads += delta;
      else writes += op === 'TransactWriteItems' ? 2 * delta : delta;
    }
    const perRun = {
      lookups: (last.lookups - first.lookups) / runs,
      dynamoReads: reads / runs,
      dynamoWrites: writes / runs,
      // Plus the one receive that hands the item to the worker.
      sqsRequests: (last.sqs - first.sqs) / runs + 1,
      logBytes: (last.logBytes - first.logBytes) / runs,
      wallMs: (defaultConcurrency.tickMs * defaultConcurrency.concurrency) / (50 * REGIONS.length),
    };
    // Billed duration assumed per run: the pacing alone spaces a run's LookupEvents calls 0.5 s
    // apart, and AWS answers slower than the local servers.
    const billedSecondsPerRun = Math.max(1, Math.ceil((perRun.lookups * 0.5 + 0.5) * 2) / 2);
    const runsPerAccount = RUNS_PER_MONTH * REGIONS.length;
    const cost = {
      lambdaRequests: runsPerAccount * PRICES.lambdaRequest,
      lambdaCompute: runsPerAccount * billedSecondsPerRun * WORKER_MEMORY_GB * PRICES.lambdaGbSecond,
      dynamoDb:
        runsPerAccount * (perRun.dynamoReads * PRICES.dynamoRead + perRun.dynamoWrites * PRICES.dynamoWrite),
      sqs: runsPerAccount * perRun.sqsRequests * PRICES.sqsRequest,
      logs: (runsPerAccount * perRun.logBytes * PRICES.logsGb) / 1e9,
    };
    const total = Object.values(cost).reduce((a, b) => a + b, 0);
    return {
      onePair,
      defaultConcurrency,
      fullConcurrency,
      perRun,
      cost: { ...cost, total, billedSecondsPerRun },
    };
  } finally {
    await dynamo.stop();
  }
}
