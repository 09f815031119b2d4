// `npm run coverage [-- --markdown] [-- --misses]`: how the catalogue covers peers' rule sets
// (docs/peers/*.json), measured by scoring each peer rule's probe. Exits 1 when a peer file is
// malformed or a probe does not raise a detection its mapping names.
import {
  coverageMarkdown,
  loadPeerSets,
  type PeerSummary,
  peerSetProblems,
  summarize,
} from '../tools/peer-coverage';

async function main(argv: readonly string[]): Promise<number> {
  const sets = loadPeerSets();
  const problems = sets.flatMap(peerSetProblems);
  const summaries: PeerSummary[] = [];
  for (const set of sets) summaries.push(await summarize(set));
  for (const s of summaries)
    for (const r of s.results)
      if (r.missingExpected.length > 0)
        problems.push(
          `${s.set.peer} ${r.rule.id} (${r.rule.name}): no finding from ${r.missingExpected.join(', ')}`,
        );
  if (argv.includes('--markdown')) {
    process.stdout.write(coverageMarkdown(summaries));
  } else {
    for (const s of summaries) {
      const share = s.management > 0 ? ((100 * s.covered) / s.management).toFixed(1) : 'n/a';
      process.stdout.write(
        `${s.set.peer}: ${s.management} management-event rules, covered at equal or higher severity ${s.covered} (${share}%), lower ${s.lower}, no finding ${s.missed}; data-event rules ${s.data} (covered ${s.dataCovered}); out of reach ${s.outOfReach}\n`,
      );
      if (argv.includes('--misses'))
        for (const r of s.results)
          if (r.verdict === 'lower' || r.verdict === 'missed')
            process.stdout.write(
              `  ${r.verdict} ${r.rule.severity} -> ${r.severity ?? 'none'} ${r.rule.name} [${r.detections.join(', ')}] (${r.rule.file})\n`,
            );
    }
  }
  for (const p of problems) process.stderr.write(`coverage: ${p}\n`);
  return problems.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`coverage: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
