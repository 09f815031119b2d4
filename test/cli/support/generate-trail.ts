// Generates CloudTrail log files for the CLI's benchmark and tests: realistic records (mostly
// read-only noise, a few that rules flag), written as trail files and/or one JSON-lines file.
// Usage: npx tsx test/cli/support/generate-trail.ts DIR [MEGABYTES=200] [FILES=40] [--gzip] [--jsonl]
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRecordFactory, type MakeRecordInput } from '../../../local/cloudtrail';

const NOISE = ['DescribeInstances', 'GetObject', 'ListBuckets', 'AssumeRole', 'GetCallerIdentity', 'Decrypt'];
const SIGNALS: MakeRecordInput[] = [
  {
    eventName: 'StopLogging',
    eventSource: 'cloudtrail.amazonaws.com',
    requestParameters: { name: 'org-trail' },
  },
  { eventName: 'CreateAccessKey', eventSource: 'iam.amazonaws.com', requestParameters: { userName: 'svc' } },
  {
    eventName: 'ConsoleLogin',
    eventSource: 'signin.amazonaws.com',
    responseElements: { ConsoleLogin: 'Success' },
  },
];

/** Records in time order from `startMs`, one every `stepMs`; one in `signalEvery` is a signal. */
export function* records(count: number, startMs: number, stepMs = 1000, signalEvery = 500, seed = 7) {
  const make = createRecordFactory(seed);
  for (let i = 0; i < count; i++) {
    const signal =
      i % signalEvery === signalEvery - 1 ? SIGNALS[((i / signalEvery) % SIGNALS.length) | 0] : undefined;
    yield make({
      eventTimeMs: startMs + i * stepMs,
      ...(signal ?? { eventName: NOISE[i % NOISE.length] }),
      awsRegion: i % 3 === 0 ? 'us-east-1' : 'eu-west-1',
    });
  }
}

export function generate(dir: string, megabytes: number, files: number, gzip: boolean, jsonl: boolean): void {
  mkdirSync(dir, { recursive: true });
  const sample = JSON.stringify([...records(100, 0)][50]).length + 1;
  const perFile = Math.ceil((megabytes * 1024 * 1024) / sample / files);
  const start = Date.UTC(2026, 10, 1);
  const all = records(perFile * files, start);
  const linesFile = join(dir, 'events.jsonl');
  if (jsonl) writeFileSync(linesFile, '');
  for (let f = 0; f < files; f++) {
    const batch: string[] = [];
    for (let i = 0; i < perFile; i++) batch.push(JSON.stringify(all.next().value));
    if (jsonl) {
      appendFileSync(linesFile, `${batch.join('\n')}\n`);
      continue;
    }
    const stamp = new Date(start + f * perFile * 1000).toISOString().replace(/[-:]/g, '').slice(0, 13);
    const name = `111122223333_CloudTrail_eu-west-1_${stamp}Z_${String(f).padStart(4, '0')}.json`;
    const body = `{"Records":[${batch.join(',')}]}`;
    if (gzip) writeFileSync(join(dir, `${name}.gz`), gzipSync(body));
    else writeFileSync(join(dir, name), body);
  }
}

if (require.main === module) {
  const [dir, mb = '200', files = '40'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!dir) throw new Error('usage: generate-trail.ts DIR [MEGABYTES] [FILES] [--gzip] [--jsonl]');
  generate(dir, Number(mb), Number(files), process.argv.includes('--gzip'), process.argv.includes('--jsonl'));
}
