// The worker side of a parallel scan: takes one input at a time from the main thread, scans it
// with `scanInput` and streams findings, progress and the input's stats back.
import { parentPort, workerData } from 'node:worker_threads';
import { compileSuppressions } from '../lambda/compose';
import type { Severity } from '../lambda/core/types';
import type { FindingLine } from './output';
import { type InputStats, type ScanSettings, scanInput } from './scan-file';
import type { WireHit, WireObservation } from './scan-stateful';

/** What a worker needs to rebuild the scan settings (functions do not cross threads). */
export interface WorkerSettings {
  readonly reportAt: Severity;
  readonly suppressionsText: string | undefined;
  readonly nowMs: number;
  readonly reorderWindow: number;
  readonly maxMessagesPerInput: number;
  readonly stateful: boolean;
  readonly sinceMs?: number | undefined;
  readonly untilMs?: number | undefined;
}

export type ToWorker = {
  readonly type: 'scan';
  readonly id: number;
  readonly path: string;
  readonly name: string;
};

export type FromWorker =
  | { readonly type: 'findings'; readonly id: number; readonly lines: FindingLine[] }
  | { readonly type: 'progress'; readonly bytes: number; readonly events: number }
  | {
      readonly type: 'stateful';
      readonly id: number;
      readonly hits: WireHit[];
      readonly observations: WireObservation[];
    }
  | { readonly type: 'done'; readonly id: number; readonly stats: InputStats };

export function settingsFrom(data: WorkerSettings): ScanSettings {
  return {
    reportAt: data.reportAt,
    // Already validated by the main thread, which reports any problem before starting workers.
    suppressions: compileSuppressions(data.suppressionsText, data.nowMs),
    nowMs: data.nowMs,
    reorderWindow: data.reorderWindow,
    maxMessagesPerInput: data.maxMessagesPerInput,
    stateful: data.stateful,
    sinceMs: data.sinceMs,
    untilMs: data.untilMs,
  };
}

/** Entry point of a scan worker thread. */
export function runScanWorker(): void {
  const port = parentPort;
  if (port === null) throw new Error('runScanWorker must run in a worker thread');
  const settings = settingsFrom(workerData as WorkerSettings);
  const send = (message: FromWorker): void => port.postMessage(message);
  // Progress is batched: a message per chunk would cost more than the chunk.
  let bytes = 0;
  let events = 0;
  let lastSent = 0;
  const flushProgress = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - lastSent < 100) return;
    lastSent = now;
    if (bytes > 0 || events > 0) send({ type: 'progress', bytes, events });
    bytes = 0;
    events = 0;
  };
  port.on('message', (message: ToWorker) => {
    void scanInput(message.path, message.name, settings, {
      findings: (lines) => send({ type: 'findings', id: message.id, lines }),
      stateful: (hits, observations) => send({ type: 'stateful', id: message.id, hits, observations }),
      progress: (b, e) => {
        bytes += b;
        events += e;
        flushProgress(false);
      },
    }).then((stats) => {
      flushProgress(true);
      send({ type: 'done', id: message.id, stats });
    });
  });
}
