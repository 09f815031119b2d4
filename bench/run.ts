// `npm run bench [-- --quick] [-- --json]`: trailwatch against its physical limits, as figures and
// ratios measured side by side in one run. Prints one table (stdout); progress goes to stderr.
// With --json, the last line of stdout is one JSON object with the same figures.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { DEFAULT_MIN_SEVERITY } from '../lambda/core/settings';
import { measureColdStart, summarizePackages } from './cold-start';
import { generateCorpus } from './corpus';
import { measureIngest } from './ingest';
import { buildMemoryChild, measureEngineMemory, measureHandlerMemory } from './memory';
import { measureNoise } from './noise';
import { measureOrganization } from './organization';
import { measureParseVsEngine } from './parse-engine';
import { measureRereads } from './rereads';
import { measureScan } from './scan';
import { fmt, progress, round } from './stats';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const asJson = argv.includes('--json');

const CONFIG = quick
  ? {
      corpus: 50_000,
      rounds: 3,
      ingestSeconds: 10,
      loadRuns: 7,
      handlerEvents: 10_000,
      largeEvents: 150_000,
      scanBytes: 32e6,
      rereadHours: 2,
    }
  : {
      corpus: 200_000,
      rounds: 7,
      ingestSeconds: 30,
      loadRuns: 9,
      handlerEvents: 10_000,
      largeEvents: 1_000_000,
      scanBytes: 1e9,
      rereadHours: 4,
    };

const TARGETS = {
  ratio: 0.85,
  pagesPerSec: 1.9,
  eventsPerSec: 95,
  addedLoad: 0.2,
  rssRatio: 1.2,
  rssMb: 256,
  readAmplification: 3,
  capacityEventsPerSec: 25,
  lateAlertMinutes: 30,
  /** One tick of 50 accounts x 4 regions, at a concurrency that covers every pair, against one pair's. */
  fanoutRatio: 2,
};

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1]!.trim();
  } catch {
    // Not Linux: fall back to what os says.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

const OLD_SPACE_CAP_MB = 64;

const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = performance.now();
  const machine = {
    cpu: cpuModel(),
    cores: os.cpus().length,
    node: process.version,
    date: new Date().toISOString(),
  };
  progress(`${quick ? 'quick' : 'full'} run on ${machine.cpu} x${machine.cores}, Node ${machine.node}`);

  // 1. Scoring cost vs parsing.
  progress(`1/8 generating ${CONFIG.corpus} records`);
  const corpus = generateCorpus(CONFIG.corpus);
  progress(`1/8 JSON.parse vs parse + engine, ${CONFIG.rounds} interleaved rounds`);
  const pe = measureParseVsEngine(corpus.events, CONFIG.rounds);
  progress('1/8 noise: the same corpus scored page by page, state in memory (item 6)');
  const noise = await measureNoise(corpus.events, corpus.riskyIds);
  corpus.events.length = 0;

  // 2. Ingest against the API limit.
  const ingest = [];
  for (const regions of [1, 2, 4]) {
    progress(`2/8 ingest, ${regions} region(s), ${CONFIG.ingestSeconds} s`);
    ingest.push(await measureIngest(regions, CONFIG.ingestSeconds));
  }

  // 3. Cold start.
  progress(`3/8 cold start, ${CONFIG.loadRuns} fresh processes each`);
  const cold = await measureColdStart(CONFIG.loadRuns);

  // 4. Memory.
  progress('4/8 memory');
  await buildMemoryChild();
  const handler10k = await measureHandlerMemory(CONFIG.handlerEvents);
  progress(`4/8 memory: engine alone, ${CONFIG.handlerEvents} and ${CONFIG.largeEvents} events`);
  const engine10k = await measureEngineMemory(CONFIG.handlerEvents);
  const engineLarge = await measureEngineMemory(CONFIG.largeEvents);
  // The same two with V8's old generation capped: is the growth retention or heap sizing?
  const capped10k = await measureEngineMemory(CONFIG.handlerEvents, OLD_SPACE_CAP_MB);
  const cappedLarge = await measureEngineMemory(CONFIG.largeEvents, OLD_SPACE_CAP_MB);

  // 5. CLI scan.
  progress('5/8 CLI scan');
  const scans = await measureScan(CONFIG.scanBytes, [[], ['--per-event-only']]);

  // 7. Re-reads: one region against LookupEvents' ceiling, on virtual time.
  progress(`7/8 re-reads: ${CONFIG.rereadHours} simulated hours per load, capacity by halving`);
  const rr = await measureRereads(CONFIG.rereadHours);

  // 8. Organization fan-out: one tick for 50 accounts x 4 regions against one pair.
  progress('8/8 organization fan-out: 1 pair; 50 x 4 pairs at concurrency 10 and 200 (4 ticks each)');
  const org = await measureOrganization();

  const ingest1 = ingest[0]!;
  const ingest4 = ingest[2]!;
  const linearity = ingest4.pagesPerSecPerRegion / ingest1.pagesPerSecPerRegion;
  const rssRatio = engineLarge.maxRssMb / engine10k.maxRssMb;
  const cappedRatio = cappedLarge.maxRssMb / capped10k.maxRssMb;
  const largeLabel = CONFIG.largeEvents >= 1_000_000 ? '1M' : `${CONFIG.largeEvents / 1000}k (quick)`;

  const rows: string[][] = [['#', 'Measure', 'Value', 'Target', 'Result']];
  rows.push([
    '1',
    `JSON.parse alone (${pe.events.toLocaleString('en-US')} records, mean ${Math.round(corpus.meanBytes)} B)`,
    `${fmt(pe.parseEventsPerSec)} ev/s`,
    '',
    '',
  ]);
  rows.push([
    '1',
    `scoring as a run does it (${pe.rules} rules; ${(100 * pe.unwatchedShare).toFixed(1)}% left unparsed, no rule watches them)`,
    `${fmt(pe.engineEventsPerSec)} ev/s`,
    '',
    '',
  ]);
  rows.push([
    '1',
    'engine / parse (median of per-round ratios)',
    pe.engineVsParseRatio.toFixed(2),
    `>= ${TARGETS.ratio}`,
    verdict(pe.engineVsParseRatio >= TARGETS.ratio),
  ]);
  rows.push([
    '1',
    'same, every event parsed and normalised (the floor)',
    `${fmt(pe.everyEventParsedEventsPerSec)} ev/s = ${fmt(pe.everyEventParsedVsParseRatio)}`,
    '',
    '',
  ]);
  for (const r of ingest) {
    const ok = r.perRegion.every(
      (x) => x.pagesPerSec >= TARGETS.pagesPerSec && x.eventsPerSec >= TARGETS.eventsPerSec,
    );
    rows.push([
      '2',
      `ingest, ${r.regions} region(s) in parallel, ${r.seconds} s`,
      `${fmt(r.pagesPerSecPerRegion)} pages/s, ${fmt(r.eventsPerSecPerRegion)} ev/s per region; ${r.throttles} throttles`,
      `>= ${TARGETS.pagesPerSec} pages/s, >= ${TARGETS.eventsPerSec} ev/s`,
      verdict(ok),
    ]);
  }
  rows.push([
    '2',
    'scaling: per-region rate with 4 regions / with 1',
    fmt(linearity),
    '~1.0 (linear)',
    verdict(linearity >= 0.95),
  ]);
  rows.push([
    '3',
    'handler bundle (minified; gzip)',
    `${cold.handler.bytes.toLocaleString('en-US')} B; ${cold.handler.gzipBytes.toLocaleString('en-US')} B`,
    '',
    '',
  ]);
  rows.push([
    '3',
    'SDK-only bundle (minified; gzip)',
    `${cold.sdkOnly.bytes.toLocaleString('en-US')} B; ${cold.sdkOnly.gzipBytes.toLocaleString('en-US')} B`,
    '',
    '',
  ]);
  rows.push([
    '3',
    `require() handler bundle (median of ${cold.runs}; process wall)`,
    `${fmt(cold.handlerLoad.requireMs)} ms; ${fmt(cold.handlerLoad.wallMs)} ms`,
    '',
    '',
  ]);
  rows.push([
    '3',
    `require() SDK-only bundle (median of ${cold.runs}; process wall)`,
    `${fmt(cold.sdkOnlyLoad.requireMs)} ms; ${fmt(cold.sdkOnlyLoad.wallMs)} ms`,
    '',
    '',
  ]);
  rows.push(['3', 'empty `node -e ""` (process wall)', `${fmt(cold.emptyWallMs)} ms`, '', '']);
  rows.push([
    '3',
    "outputs module, loaded at an output's first send when one is on (minified; require)",
    `${cold.outputs.bytes.toLocaleString('en-US')} B; ${fmt(cold.outputsLoad.requireMs)} ms`,
    '',
    '',
  ]);
  rows.push([
    '3',
    'load time our code adds (median of paired ratios)',
    `+${fmt(cold.addedLoadFraction * 100)}%`,
    `<= +${TARGETS.addedLoad * 100}%`,
    verdict(cold.addedLoadFraction <= TARGETS.addedLoad),
  ]);
  rows.push([
    '4',
    `peak RSS, real handler, ${fmt(handler10k.events)} events (4 regions, 2 req/s)`,
    `${fmt(handler10k.maxRssMb)} MB`,
    `< ${TARGETS.rssMb} MB`,
    verdict(handler10k.maxRssMb < TARGETS.rssMb),
  ]);
  rows.push([
    '4',
    `peak RSS, engine alone, ${fmt(engine10k.events)} events`,
    `${fmt(engine10k.maxRssMb)} MB`,
    `< ${TARGETS.rssMb} MB`,
    verdict(engine10k.maxRssMb < TARGETS.rssMb),
  ]);
  rows.push([
    '4',
    `peak RSS, engine alone, ${largeLabel} events (a pool of 10k records, cycled)`,
    `${fmt(engineLarge.maxRssMb)} MB (heap after GC ${fmt(Number(engineLarge.heapAfterGcMb))} MB)`,
    `< ${TARGETS.rssMb} MB`,
    verdict(engineLarge.maxRssMb < TARGETS.rssMb),
  ]);
  rows.push([
    '4',
    `RSS ${largeLabel} / 10k (engine alone, like for like)`,
    `${fmt(rssRatio)}x`,
    `<= ${TARGETS.rssRatio}x`,
    verdict(rssRatio <= TARGETS.rssRatio),
  ]);
  rows.push([
    '4',
    `same, --max-old-space-size=${OLD_SPACE_CAP_MB}: 10k; ${largeLabel}`,
    `${fmt(capped10k.maxRssMb)} MB; ${fmt(cappedLarge.maxRssMb)} MB = ${fmt(cappedRatio)}x`,
    `<= ${TARGETS.rssRatio}x`,
    verdict(cappedRatio <= TARGETS.rssRatio),
  ]);
  for (const scan of scans ?? []) {
    rows.push([
      '5',
      `trailwatch scan${scan.mode ? ` ${scan.mode}` : ' (stateful, the default)'}, gzip trail files`,
      `${fmt(scan.eventsPerSec)} ev/s, peak ${fmt(scan.peakRssMb)} MB (${fmt(scan.uncompressedBytes / 1e6)} MB JSON)`,
      '',
      '',
    ]);
  }
  if (scans === null) rows.push(['5', 'trailwatch scan', 'n/a (the CLI did not answer scan --help)', '', '']);
  rows.push([
    '6',
    `alerts (${DEFAULT_MIN_SEVERITY} and above) per million routine events; on the ${fmt(noise.riskyEvents)} risky ones`,
    `${fmt(noise.routineAlertsPerMillion)} (${fmt(noise.routineAlerts)} of ${fmt(noise.routineEvents)}); ${fmt(noise.riskyAlerts)}`,
    '',
    '',
  ]);

  rows.push([
    '7',
    `read amplification at ${rr.underLoad.eventsPerSec} ev/s (pages read / pages of distinct events)`,
    fmt(rr.underLoad.readAmplification),
    `<= ${TARGETS.readAmplification}`,
    verdict(rr.underLoad.readAmplification <= TARGETS.readAmplification),
  ]);
  rows.push([
    '7',
    `same at ${rr.small.eventsPerSec} ev/s; re-reading the whole overlap every run`,
    `${fmt(rr.small.readAmplification)}; ${fmt(rr.smallWholeOverlap.readAmplification)}`,
    'equal (the window fits)',
    verdict(Math.abs(rr.small.readAmplification - rr.smallWholeOverlap.readAmplification) < 1e-9),
  ]);
  rows.push([
    '7',
    `capacity per region (lag < 2 periods, p99 late alert <= ${TARGETS.lateAlertMinutes} min); whole overlap; API ceiling`,
    `${fmt(rr.capacityEventsPerSec)} ev/s; ${fmt(rr.capacityWholeOverlapEventsPerSec)} ev/s; ${rr.apiCeilingEventsPerSec} ev/s`,
    `>= ${TARGETS.capacityEventsPerSec} ev/s`,
    verdict(rr.capacityEventsPerSec >= TARGETS.capacityEventsPerSec),
  ]);
  rows.push([
    '7',
    `late alert after visible at ${rr.underLoad.eventsPerSec} ev/s: p50; p99; longest`,
    `${fmt(rr.underLoad.lateAlertMinutesP50)}; ${fmt(rr.underLoad.lateAlertMinutesP99)}; ${fmt(rr.underLoad.lateAlertMinutesMax)} min`,
    `p99 <= ${TARGETS.lateAlertMinutes} min`,
    verdict(rr.underLoad.lateAlertMinutesP99 <= TARGETS.lateAlertMinutes),
  ]);

  const fanout = org.fullConcurrency.tickMs / org.onePair.tickMs;
  rows.push([
    '8',
    `one tick, 1 pair; 50 x 4 pairs at concurrency ${org.defaultConcurrency.concurrency}; at ${org.fullConcurrency.concurrency} (median of 3 steady ticks)`,
    `${fmt(org.onePair.tickMs / 1000)} s; ${fmt(org.defaultConcurrency.tickMs / 1000)} s; ${fmt(org.fullConcurrency.tickMs / 1000)} s`,
    '',
    '',
  ]);
  rows.push([
    '8',
    `50 x 4 at concurrency ${org.fullConcurrency.concurrency} / 1 pair (this process's CPU busy ${fmt(100 * org.fullConcurrency.cpuShare)}% of the tick)`,
    `${fmt(fanout)}x`,
    `<= ${TARGETS.fanoutRatio}x`,
    verdict(fanout <= TARGETS.fanoutRatio),
  ]);
  rows.push([
    '8',
    `cost per member account (4 regions) per month at the defaults (arithmetic; ${org.cost.billedSecondsPerRun} s billed per run assumed)`,
    `$${org.cost.total.toFixed(2)}`,
    '',
    '',
  ]);

  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  const out: string[] = [];
  out.push(`trailwatch bench (${quick ? 'quick' : 'full'}) ${machine.date}`);
  out.push(`CPU: ${machine.cpu} x${machine.cores} cores; Node ${machine.node}`);
  out.push('');
  out.push(line(rows[0]!));
  out.push(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows.slice(1)) out.push(line(r));
  out.push('');
  out.push(
    `Corpus mix: ${Object.entries(corpus.byKind)
      .map(([k, v]) => `${k} ${((100 * v) / pe.events).toFixed(1)}%`)
      .join(', ')}; ${pe.findingsPerPass} findings per pass, ${pe.ruleFailuresPerPass} rule failures.`,
  );
  out.push(
    `Handler run: ${handler10k.status}, ${handler10k.pages} pages, ${handler10k.alertsSent} alerts sent, ${handler10k.digestsSent} digests, ${handler10k.published} SNS publishes, ${fmt(handler10k.ms / 1000)} s.`,
  );
  out.push(
    `Handler bundle by package: ${summarizePackages(cold.handler.byPackage)
      .map(([k, v]) => `${k} ${fmt(v / 1024)} KB`)
      .join(', ')}.`,
  );
  out.push(
    `Child RSS after require (median): handler ${fmt(cold.handlerLoad.rssMb)} MB, SDK-only ${fmt(cold.sdkOnlyLoad.rssMb)} MB.`,
  );
  for (const scan of scans ?? [])
    out.push(
      `Scan${scan.mode ? ` ${scan.mode}` : ''}: ${fmt(scan.events)} records in ${fmt(scan.gzipBytes / 1e6)} MB gzip, ${fmt(scan.seconds)} s wall incl. process start; CLI said: ${scan.summary}`,
    );
  out.push(
    `Re-reads (${rr.hours} simulated hours per load): at ${rr.underLoad.eventsPerSec} ev/s plan ${rr.underLoad.plans.join(' / ')}, largest lag ${fmt(rr.underLoad.maxLagMinutes)} min, unread ${rr.underLoad.unread}; at ${rr.small.eventsPerSec} ev/s plan ${rr.small.plans.join(' / ')}, p99 late alert ${fmt(rr.small.lateAlertMinutesP99)} min.`,
  );
  out.push(
    `Routine alerts by detection: ${noise.routineByDetection.map(([id, n]) => `${id} ${n}`).join(', ') || 'none'}.`,
  );
  out.push(
    `Organization fan-out: per pair and run ${fmt(org.perRun.lookups)} LookupEvents, ${fmt(org.perRun.dynamoReads)} DynamoDB reads, ${fmt(org.perRun.dynamoWrites)} write units, ${fmt(org.perRun.sqsRequests)} SQS requests, ${fmt(org.perRun.logBytes)} B of logs; ticks (ms) 1 pair ${org.onePair.ticksMs.map((t) => Math.round(t)).join('/')}, concurrency 10 ${org.defaultConcurrency.ticksMs.map((t) => Math.round(t)).join('/')}, concurrency 200 ${org.fullConcurrency.ticksMs.map((t) => Math.round(t)).join('/')} (peak ${org.fullConcurrency.peakConcurrency} running); cost by item ${Object.entries(
      org.cost,
    )
      .filter(([k]) => k !== 'total' && k !== 'billedSecondsPerRun')
      .map(([k, v]) => `${k} $${Number(v).toFixed(3)}`)
      .join(', ')}.`,
  );
  out.push(`Total bench time ${fmt((performance.now() - started) / 1000)} s.`);
  process.stdout.write(`${out.join('\n')}\n`);

  if (asJson) {
    const pages = Object.fromEntries(
      ingest.map((r) => [String(r.regions), round(r.pagesPerSecPerRegion, 4)]),
    );
    const events = Object.fromEntries(
      ingest.map((r) => [String(r.regions), round(r.eventsPerSecPerRegion, 4)]),
    );
    const json = {
      quick,
      machine,
      corpusEvents: pe.events,
      corpusMeanBytes: Math.round(corpus.meanBytes),
      parseEventsPerSec: Math.round(pe.parseEventsPerSec),
      engineEventsPerSec: Math.round(pe.engineEventsPerSec),
      engineVsParseRatio: round(pe.engineVsParseRatio, 4),
      everyEventParsedVsParseRatio: round(pe.everyEventParsedVsParseRatio, 4),
      unwatchedShare: round(pe.unwatchedShare, 4),
      ingestPagesPerSecPerRegion: pages,
      ingestEventsPerSecPerRegion: events,
      ingestThrottles: Object.fromEntries(ingest.map((r) => [String(r.regions), r.throttles])),
      ingestSeconds: CONFIG.ingestSeconds,
      bundleBytes: cold.handler.bytes,
      bundleGzipBytes: cold.handler.gzipBytes,
      sdkOnlyBundleBytes: cold.sdkOnly.bytes,
      bundleLoadMs: round(cold.handlerLoad.requireMs, 4),
      sdkOnlyLoadMs: round(cold.sdkOnlyLoad.requireMs, 4),
      bundleLoadWallMs: round(cold.handlerLoad.wallMs, 4),
      sdkOnlyLoadWallMs: round(cold.sdkOnlyLoad.wallMs, 4),
      emptyNodeWallMs: round(cold.emptyWallMs, 4),
      addedLoadFraction: round(cold.addedLoadFraction, 4),
      outputsModuleBytes: cold.outputs.bytes,
      outputsModuleLoadMs: round(cold.outputsLoad.requireMs, 4),
      peakRssMb10k: round(handler10k.maxRssMb, 4),
      peakRssMb10kEngine: round(engine10k.maxRssMb, 4),
      peakRssMb1M: round(engineLarge.maxRssMb, 4),
      largeBacklogEvents: CONFIG.largeEvents,
      rssRatio1Mvs10kEngine: round(rssRatio, 4),
      heapAfterGcMb1M: round(Number(engineLarge.heapAfterGcMb), 4),
      peakRssMb10kCapped: round(capped10k.maxRssMb, 4),
      peakRssMb1MCapped: round(cappedLarge.maxRssMb, 4),
      rssRatio1Mvs10kCapped: round(cappedRatio, 4),
      routineAlertsPerMillion: round(noise.routineAlertsPerMillion, 4),
      readAmplification: round(rr.underLoad.readAmplification, 4),
      readAmplificationLoadEventsPerSec: rr.underLoad.eventsPerSec,
      readAmplificationSmall: round(rr.small.readAmplification, 4),
      readAmplificationSmallWholeOverlap: round(rr.smallWholeOverlap.readAmplification, 4),
      capacityEventsPerSecPerRegion: rr.capacityEventsPerSec,
      capacityWholeOverlapEventsPerSecPerRegion: rr.capacityWholeOverlapEventsPerSec,
      apiCeilingEventsPerSecPerRegion: rr.apiCeilingEventsPerSec,
      lateAlertMinutesP99: round(rr.underLoad.lateAlertMinutesP99, 4),
      riskyAlerts: noise.riskyAlerts,
      scanEventsPerSec: scans?.[0] ? Math.round(scans[0].eventsPerSec) : null,
      scanPeakRssMb: scans?.[0] ? round(scans[0].peakRssMb, 4) : null,
      scanPerEventOnlyEventsPerSec: scans?.[1] ? Math.round(scans[1].eventsPerSec) : null,
      scanPerEventOnlyPeakRssMb: scans?.[1] ? round(scans[1].peakRssMb, 4) : null,
      fanoutOnePairTickMs: round(org.onePair.tickMs, 4),
      fanoutDefaultTickMs: round(org.defaultConcurrency.tickMs, 4),
      fanoutFullTickMs: round(org.fullConcurrency.tickMs, 4),
      fanoutRatio: round(fanout, 4),
      fanoutCostPerAccountMonth: round(org.cost.total, 4),
    };
    process.stdout.write(`${JSON.stringify(json)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
