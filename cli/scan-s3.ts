// `trailwatch scan s3://bucket/prefix`: the S3 locations among the arguments become inputs, merged
// into the scan's time order. cli/s3-source.ts (and with it the AWS SDK) is loaded only when an
// s3:// location is named, so a scan of local files never pays for it.
import type { Opener } from './input';
import type { CliIo } from './io';
import { timeOrderKey } from './scan-inputs';

/** An input as the scan holds it; S3 objects carry the opener the reader calls. */
type Inputs = Array<{
  readonly path: string;
  readonly name: string;
  readonly size: number | undefined;
  readonly open?: Opener | undefined;
}>;

/** True when an argument names an S3 location rather than a path. */
export function isS3Url(text: string): boolean {
  return /^s3:/i.test(text);
}

/**
 * Lists the `s3://` arguments and adds their CloudTrail log files to `collected.inputs` (then sorted
 * again by file time, then path); a location that cannot be listed goes to `problems`, one without a
 * log file to `empty`. A malformed location or --region is a UsageError.
 */
export async function addS3Inputs(
  args: readonly string[],
  collected: { readonly inputs: Inputs; readonly problems: string[]; readonly empty: string[] },
  region: string | undefined,
  io: CliIo,
): Promise<void> {
  const urls = args.filter(isS3Url);
  if (urls.length === 0) return;
  const s3: typeof import('./s3-source') = require('./s3-source');
  // On a terminal, a status line while a large prefix is listed (a page is 1,000 objects).
  const status = io.stderr.isTTY === true;
  const listed = await s3.collectS3Inputs(urls, {
    region,
    env: io.env,
    onListed: status
      ? (url, objects, logFiles) =>
          io.stderr.write(`\r\x1b[Klisting ${url}: ${objects} objects, ${logFiles} log files`)
      : undefined,
  });
  if (status) io.stderr.write('\r\x1b[K');
  collected.inputs.push(...listed.inputs);
  collected.problems.push(...listed.problems);
  collected.empty.push(...listed.empty);
  const key = timeOrderKey;
  collected.inputs.sort((a, b) => (key(a.path) < key(b.path) ? -1 : key(a.path) > key(b.path) ? 1 : 0));
}
