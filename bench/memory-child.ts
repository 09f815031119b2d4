// Item 4, the measured process (bundled by memory.ts and run with plain node, so that no loader
// sits in its heap). Prints one JSON line: { maxRssMb, events, ... }.
//   engine <count> : stream <count> generated events through the run's scoring (the unwatched left
//                    unparsed, the rest parsed and met by the whole catalogue), keep nothing.
//   handler        : one invocation of the real Lambda handler; endpoints and settings come from env.
import { scoreRecord } from '../lambda/core/run';
import { handler } from '../lambda/handler';
import { createEventStream } from './corpus';
import { deployedScorers } from './scorers';

function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

const POOL_SIZE = 10_000;

function engineOnly(count: number): Record<string, number> {
  // Counting and profiles are DynamoDB's work in a run; here only the candidates are found.
  const scorers = deployedScorers();
  // Generating a record costs more garbage than scoring it, and that garbage would be measured as
  // the detector's. So both sizes cycle through the same pool of generated records: the only
  // difference left between 10k and 1M events is how many the detector scored.
  const next = createEventStream({ seed: 11 });
  const pool = Array.from({ length: Math.min(count, POOL_SIZE) }, () => next());
  let findings = 0;
  let thresholdHits = 0;
  let observed = 0;
  for (let i = 0; i < count; i++) {
    const event = pool[i % pool.length]!;
    const scored = scoreRecord(event, scorers);
    if (scored.kind !== 'scored') continue;
    findings += scored.evaluation?.findings.length ?? 0;
    thresholdHits += scored.counted?.hits.length ?? 0;
    if (scored.observation) observed += 1;
  }
  return { events: count, findings, thresholdHits, observed };
}

async function viaHandler(): Promise<Record<string, number | string>> {
  const summary = await handler(
    { 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date().toISOString() },
    { awsRequestId: 'bench-memory', getRemainingTimeInMillis: () => 240_000 },
  );
  return {
    status: summary.status,
    events: summary.events,
    pages: summary.pages,
    alertsSent: summary.alertsSent,
    digestsSent: summary.digestsSent,
  };
}

async function main(): Promise<void> {
  const [mode, count] = process.argv.slice(2);
  const started = performance.now();
  const result = mode === 'handler' ? await viaHandler() : engineOnly(Number(count));
  // The handler logs structured JSON to stdout; the result is the last line.
  const ms = performance.now() - started;
  const peak = maxRssMb();
  // With --expose-gc: what is still reachable once the garbage is gone (retention, not heap sizing).
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapAfterGcMb = gc ? process.memoryUsage().heapUsed / 1024 / 1024 : null;
  process.stdout.write(`\n${JSON.stringify({ ...result, ms, maxRssMb: peak, heapAfterGcMb })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
