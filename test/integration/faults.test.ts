// The delivery guarantees under faults: the unmodified handler, the real SDK clients, DynamoDB
// Local behind a throttling proxy, and local CloudTrail and SNS servers, over simulated days on
// virtual time. Every expected alert must reach SNS exactly once.

import { writeFileSync } from 'node:fs';
import type { RunDeps } from '../../lambda/core/run';
import { createHandler } from '../../lambda/handler';
import { type DetectorHarness, startDetectorHarness } from '../support/detector-harness';
import {
  formatResult,
  runScenario,
  type ScenarioOptions,
  type ScenarioResult,
} from '../support/fault-scenario';
import { startVirtualTime } from '../support/virtual-time';

jest.setTimeout(15 * 60_000);

let h: DetectorHarness;
beforeAll(async () => {
  h = await startDetectorHarness({ rateOnDateNow: true });
});
afterAll(() => h.close());

async function onVirtualTime<T>(work: (advanceWallTo: (ms: number) => void) => Promise<T>): Promise<T> {
  const time = startVirtualTime();
  try {
    return await work((ms) => time.advanceTo(ms));
  } finally {
    time.stop();
  }
}

const SMALL: ScenarioOptions = {
  seed: 7,
  regions: ['eu-west-1', 'us-east-1'],
  backlogEvents: 2_000,
  liveEvents: 3_000,
  liveHours: 6,
  alertFraction: 0.02,
  maxDelayMinutes: 60,
  faults: false,
};

/** One region at 10.5 events a second for two hours: above what re-reading the whole overlap each run can keep up with. */
const BUSY: ScenarioOptions = {
  seed: 11,
  regions: ['eu-west-1'],
  backlogEvents: 0,
  liveEvents: 75_600,
  liveHours: 2,
  alertFraction: 0.002,
  maxDelayMinutes: 60,
  faults: false,
};

/** `TRAILWATCH_FAULT_TRACE=<file>`: write the cursor trace and the lookups behind any problem there. */
const traceFile = process.env.TRAILWATCH_FAULT_TRACE;

function writeTrace(file: string, result: ScenarioResult, harness: DetectorHarness): void {
  const lines = [formatResult(result), JSON.stringify(result.outcomes)];
  for (const p of result.problems) {
    lines.push(JSON.stringify(p));
    const at = Date.parse(p.eventTime);
    for (const r of harness.cloudtrail.requests) {
      if (r.region !== p.region || r.startMs === undefined || r.endMs === undefined) continue;
      if (r.startMs > at || r.endMs < at) continue;
      lines.push(
        `  lookup [${new Date(r.startMs).toISOString()}, ${new Date(r.endMs).toISOString()}] ` +
          `server ${r.serverNowMs === undefined ? '-' : new Date(r.serverNowMs).toISOString()} ` +
          `${r.status}${r.errorType ? ` ${r.errorType}` : ''} returned ${r.returned}${r.nextToken ? ' +token' : ''}`,
      );
    }
  }
  lines.push(...result.trace);
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('delivery guarantees under faults', () => {
  it('delivers every expected alert exactly once through throttling, outages, crashes and a 100,000-event backlog', async () => {
    const result = await onVirtualTime((advanceWallTo) =>
      runScenario(h, {
        advanceWallTo,
        // TRAILWATCH_FAULT_SEED=<n> tries another seeded schedule of faults and events.
        seed: Number(process.env.TRAILWATCH_FAULT_SEED ?? 20261127),
        regions: ['eu-west-1', 'us-east-1', 'ap-southeast-2'],
        backlogEvents: 100_000,
        liveEvents: 12_000,
        liveHours: 24,
        alertFraction: 0.004,
        maxDelayMinutes: 60,
        faults: true,
        trace: traceFile !== undefined,
      }),
    );
    process.stdout.write(`fault suite: ${formatResult(result)}\n`);
    process.stdout.write(`folded repeats delivered late: ${JSON.stringify(result.foldedLate)}\n`);
    if (traceFile) writeTrace(traceFile, result, h);
    expect(result.expectedAlerts).toBeGreaterThan(300);
    expect(result.faults.snsFailures).toBeGreaterThan(0);
    expect(result.faults.crashesAfterAlerts).toBeGreaterThan(0);
    // The same actor stops the same trail again and again: most alerts go out as folded repeats,
    // each within one repeat window and two schedule periods of becoming visible, unless SNS was
    // down or refusing the summary it was in, or its region was behind (the lag alarm's case).
    expect(result.folded).toBeGreaterThan(100);
    expect(result.foldedLate.filter((late) => late.cause === 'unexplained')).toEqual([]);
    // Each of the operator's and attacker's faults happened: a frozen schedule hour and stray stale
    // times, poisoned alerts refused for good, a killed and a hung poll, two lease holders at once.
    expect(result.faults.staleTimes).toBeGreaterThan(12);
    expect(result.faults.abandonedLeases).toBe(2);
    expect(result.faults.permanentRefusals).toBeGreaterThan(2);
    expect(result.faults.doubleHolders).toBeGreaterThan(0);
    expect({ missed: result.missed, duplicates: result.duplicates, unexpected: result.unexpected }).toEqual({
      missed: 0,
      duplicates: 0,
      unexpected: 0,
    });
    expect(result.delivered).toBe(result.expectedAlerts);
  });

  it('raises each novelty and each write-volume crossing exactly once, and counts every write once, under the same faults', async () => {
    const result = await onVirtualTime((advanceWallTo) =>
      runScenario(h, {
        advanceWallTo,
        seed: Number(process.env.TRAILWATCH_FAULT_SEED ?? 20261127),
        regions: ['eu-west-1', 'us-east-1'],
        backlogEvents: 1_000,
        liveEvents: 3_000,
        liveHours: 6,
        alertFraction: 0,
        maxDelayMinutes: 60,
        faults: true,
        mix: 'anomalies',
      }),
    );
    process.stdout.write(
      `anomalies: ${formatResult(result)}; expected ${JSON.stringify(result.expectedByRule)}\n`,
    );
    // The table holds exactly what the plan's writes carry: every value, every write counted once.
    expect(result.stateMismatches).toEqual([]);
    expect(result.expectedByRule['anomaly.first-seen']).toBeGreaterThan(10);
    expect(result.expectedByRule['anomaly.write-volume']).toBe(1);
    expect(result.faults.dynamodbThrottles).toBeGreaterThan(0);
    expect({ missed: result.missed, duplicates: result.duplicates, unexpected: result.unexpected }).toEqual({
      missed: 0,
      duplicates: 0,
      unexpected: 0,
    });
  });

  it('delivers every expected alert exactly once in a region busier than a full re-read allows (10.5 events a second)', async () => {
    const result = await onVirtualTime((advanceWallTo) =>
      runScenario(h, { ...BUSY, advanceWallTo, faults: true }),
    );
    process.stdout.write(`busy region: ${formatResult(result)}\n`);
    // Re-reading the whole overlap each run would need 820 pages a run here, past the 520 a run can read.
    expect(result.events).toBeGreaterThanOrEqual(10 * 3600 * BUSY.liveHours);
    expect(result.expectedAlerts).toBeGreaterThan(50);
    expect({ missed: result.missed, duplicates: result.duplicates, unexpected: result.unexpected }).toEqual({
      missed: 0,
      duplicates: 0,
      unexpected: 0,
    });
  });

  it('fails in the busy region when the re-read after the overlap is removed: the latest events are missed', async () => {
    const result = await onVirtualTime((advanceWallTo) =>
      runScenario(h, {
        ...BUSY,
        advanceWallTo,
        invoke: createHandler({ settings: { sweepAgesMs: [30 * 60_000] }, clock: h.clock }),
      }),
    );
    process.stdout.write(`busy region, no read after the overlap: ${formatResult(result)}\n`);
    expect(result.missed).toBeGreaterThan(0);
  });

  it('fails when the overlap is removed: late events are missed', async () => {
    const result = await onVirtualTime((advanceWallTo) =>
      runScenario(h, {
        ...SMALL,
        advanceWallTo,
        invoke: createHandler({ settings: { overlapMs: 0 }, clock: h.clock }),
      }),
    );
    process.stdout.write(`no overlap: ${formatResult(result)}\n`);
    expect(result.missed).toBeGreaterThan(0);
  });

  it('fails when the idempotency record is removed: overlapping windows alert twice', async () => {
    const forgetful = (deps: RunDeps): RunDeps => ({
      ...deps,
      state: {
        ...deps.state,
        ledger: Object.assign(Object.create(deps.state.ledger), {
          claimAlert: async () => 'claimed' as const,
          reclaimAlert: async () => 'resumed' as const,
          markSent: async () => undefined,
        }),
      },
    });
    const result = await onVirtualTime((advanceWallTo) =>
      runScenario(h, {
        ...SMALL,
        advanceWallTo,
        invoke: createHandler({ wrapDeps: forgetful, clock: h.clock }),
      }),
    );
    process.stdout.write(`no idempotency: ${formatResult(result)}\n`);
    expect(result.duplicates).toBeGreaterThan(0);
  });
});
