// The peer coverage table in docs/detections.md, held as a test: every mapping is well formed, every
// probe raises the detections its mapping names, and each peer's management-event rules stay
// covered at an equal or higher severity at least 90% of the time.
import { loadPeerSets, type PeerSummary, peerSetProblems, summarize } from '../../tools/peer-coverage';

const sets = loadPeerSets();
const summaries = new Map<string, PeerSummary>();

beforeAll(async () => {
  for (const set of sets) summaries.set(set.peer, await summarize(set));
}, 120_000);

describe('peer coverage', () => {
  it('reads both snapshots', () => {
    expect(sets.map((s) => s.peer).sort()).toEqual(['Elastic', 'SigmaHQ']);
  });

  it.each(sets.map((s) => [s.peer, s] as const))('%s: every mapping is well formed', (_peer, set) => {
    expect(peerSetProblems(set)).toEqual([]);
  });

  it.each(sets.map((s) => [s.peer] as const))(
    '%s: every probe raises the detections its mapping names',
    (peer) => {
      const missing = summaries
        .get(peer)!
        .results.filter((r) => r.missingExpected.length > 0)
        .map((r) => `${r.rule.name}: ${r.missingExpected.join(', ')}`);
      expect(missing).toEqual([]);
    },
  );

  it.each(sets.map((s) => [s.peer] as const))(
    '%s: at least 90% of management-event rules covered at an equal or higher severity',
    (peer) => {
      const s = summaries.get(peer)!;
      expect(s.management).toBeGreaterThan(0);
      expect(s.covered / s.management).toBeGreaterThanOrEqual(0.9);
    },
  );

  it('reports a routine probe as no finding and a wrong mapping as missing', async () => {
    const set = sets[0]!;
    const rule = set.rules.find((r) => r.scope === 'management')!;
    const routine = { record: { eventSource: 'ec2.amazonaws.com', eventName: 'DescribeRegions' } };
    const probe = {
      ...set,
      rules: [
        { ...rule, id: 'routine-read', covers: ['cloudtrail.logging-stopped'], probe: { events: [routine] } },
      ],
    };
    const [result] = (await summarize(probe)).results;
    expect(result!.verdict).toBe('missed');
    expect(result!.severity).toBeUndefined();
    expect(result!.missingExpected).toEqual(['cloudtrail.logging-stopped']);
  });
});
