// Item 2: the real CloudTrail adapter (its Pacer, the SDK's retries) against the local LookupEvents
// server, which enforces 2 requests/s per region by wall time. One fresh server per configuration.
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudTrailEventSource } from '../lambda/adapters/cloudtrail-source';
import { startLocalCloudTrail } from '../local/cloudtrail';
import { createEventStream } from './corpus';

export interface RegionIngest {
  readonly region: string;
  readonly pages: number;
  readonly events: number;
  /** Steady-state rate: (pages - 1) / time between the first and the last answered page. */
  readonly pagesPerSec: number;
  readonly eventsPerSec: number;
  /** ThrottlingException answers the server sent to this region (each retried by the SDK). */
  readonly throttles: number;
}

export interface IngestResult {
  readonly regions: number;
  readonly seconds: number;
  readonly perRegion: readonly RegionIngest[];
  /** Mean over regions. */
  readonly pagesPerSecPerRegion: number;
  readonly eventsPerSecPerRegion: number;
  readonly throttles: number;
}

const ALL_REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'sa-east-1'];
const CREDENTIALS = { accessKeyId: 'AKIABENCHMARK0000000', secretAccessKey: 'bench' };

export async function measureIngest(regionCount: number, seconds: number): Promise<IngestResult> {
  const regions = ALL_REGIONS.slice(0, regionCount);
  const server = await startLocalCloudTrail({ requestsPerSecond: 2 });
  try {
    // Enough events that no region reaches the end of its window: 2 pages/s x 50, with margin.
    const perRegion = Math.ceil(seconds * 2 * 50 * 1.5) + 500;
    const now = Date.now();
    const windowStart = now - 6 * 3600_000;
    regions.forEach((region, i) => {
      const next = createEventStream({
        seed: 100 + i,
        region,
        startMs: windowStart,
        stepMs: (5.5 * 3600_000) / perRegion,
      });
      for (let k = 0; k < perRegion; k++) server.addEvent(region, next().body);
    });
    const source = new CloudTrailEventSource({
      clientFor: (region) =>
        new CloudTrailClient({
          region,
          endpoint: server.url,
          credentials: CREDENTIALS,
          maxAttempts: 8,
          retryMode: 'standard',
        }),
    });
    const query = { startMs: windowStart, endMs: now };
    const results = await Promise.all(
      regions.map(async (region) => {
        const answered: number[] = [];
        let events = 0;
        let nextToken: string | undefined;
        const stopAt = performance.now() + seconds * 1000;
        while (performance.now() < stopAt) {
          const page = await source.lookupPage(region, { ...query, nextToken });
          answered.push(performance.now());
          events += page.events.length;
          nextToken = page.nextToken;
        }
        const span = (answered[answered.length - 1]! - answered[0]!) / 1000;
        const pages = answered.length;
        return { region, pages, events, span };
      }),
    );
    const stats = server.stats();
    const perRegionResults: RegionIngest[] = results.map((r) => ({
      region: r.region,
      pages: r.pages,
      events: r.events,
      pagesPerSec: (r.pages - 1) / r.span,
      eventsPerSec: (r.events * (r.pages - 1)) / r.pages / r.span,
      throttles: stats[r.region]?.throttled ?? 0,
    }));
    const mean = (f: (r: RegionIngest) => number): number =>
      perRegionResults.reduce((sum, r) => sum + f(r), 0) / perRegionResults.length;
    return {
      regions: regionCount,
      seconds,
      perRegion: perRegionResults,
      pagesPerSecPerRegion: mean((r) => r.pagesPerSec),
      eventsPerSecPerRegion: mean((r) => r.eventsPerSec),
      throttles: perRegionResults.reduce((sum, r) => sum + r.throttles, 0),
    };
  } finally {
    await server.close();
  }
}
