// The Security Hub findings grouped into the BatchImportFindings requests the service accepts (100
// findings and 6 MB a request, 240 KB a finding), and each item's result from the service's answer.
// PURE: no SDK, no environment, no clock.
import type { ForwardItem, ForwardResult } from '../ports';
import { DocumentError, documentProblem, parseDocument } from './document';
import { clip } from './limits';
import {
  type AsffFinding,
  asffFindings,
  type ImportTarget,
  MAX_FINDING_BYTES,
  MAX_FINDINGS_PER_IMPORT,
  MAX_IMPORT_REQUEST_BYTES,
} from './security-hub';

export function findingBytes(finding: AsffFinding): number {
  return Buffer.byteLength(JSON.stringify(finding), 'utf8');
}

export interface PlannedFinding {
  readonly id: string;
  readonly finding: AsffFinding;
  readonly bytes: number;
}

export interface ImportPlan {
  /** Requests to send: each at most 100 findings and under 6 MB; each finding Id once. */
  readonly requests: PlannedFinding[][];
  /** Items that cannot be sent, by index: a malformed document, a finding over 240 KB. */
  readonly refused: ReadonlyMap<number, ForwardResult>;
  /** The finding Ids each item sent, by index (items refused have none). */
  readonly findingIds: ReadonlyMap<number, readonly string[]>;
}

/** `{"Findings":[` + `]}` and a comma between findings. */
const REQUEST_OVERHEAD = 16;

/** Formats every item and groups the findings into BatchImportFindings requests. */
export function planImports(items: readonly ForwardItem[], target: ImportTarget, nowMs: number): ImportPlan {
  const requests: PlannedFinding[][] = [];
  const refused = new Map<number, ForwardResult>();
  const findingIds = new Map<number, string[]>();
  const planned = new Set<string>();
  let current: PlannedFinding[] = [];
  let currentBytes = REQUEST_OVERHEAD;
  items.forEach((item, index) => {
    let findings: AsffFinding[];
    try {
      findings = asffFindings(parseDocument(item.document), item, target, nowMs);
    } catch (error) {
      const reason =
        error instanceof DocumentError || !(error instanceof Error)
          ? documentProblem(error)
          : `cannot import: ${error.message}`;
      refused.set(index, { ok: false, permanent: true, reason });
      return;
    }
    const sized = findings.map((finding) => ({ id: finding.Id, finding, bytes: findingBytes(finding) }));
    const tooBig = sized.find((f) => f.bytes > MAX_FINDING_BYTES);
    if (tooBig) {
      refused.set(index, {
        ok: false,
        permanent: true,
        reason: `finding is ${tooBig.bytes} bytes; Security Hub takes at most ${MAX_FINDING_BYTES}`,
      });
      return;
    }
    findingIds.set(
      index,
      sized.map((f) => f.id),
    );
    for (const f of sized) {
      // Two items naming the same finding: send it once, and both take its outcome.
      if (planned.has(f.id)) continue;
      planned.add(f.id);
      if (
        current.length === MAX_FINDINGS_PER_IMPORT ||
        currentBytes + f.bytes + 1 > MAX_IMPORT_REQUEST_BYTES
      ) {
        requests.push(current);
        current = [];
        currentBytes = REQUEST_OVERHEAD;
      }
      current.push(f);
      currentBytes += f.bytes + 1;
    }
  });
  if (current.length > 0) requests.push(current);
  return { requests, refused, findingIds };
}

/**
 * BatchImportFindings' per-finding error codes that may clear on their own (throttling, internal
 * errors); any other code (invalid input, access denied, a bad product ARN) is permanent.
 */
export function isTransientImportError(code: string): boolean {
  return /throttl|limitexceeded|internal|unavailable|timeout/i.test(code);
}

/**
 * One result per item from the outcome of each finding Id sent: an item is delivered when all its
 * findings are; else it fails, permanently only when every failure of its findings is permanent.
 */
export function importResults(
  itemCount: number,
  plan: ImportPlan,
  outcomes: ReadonlyMap<string, ForwardResult>,
): ForwardResult[] {
  const results: ForwardResult[] = [];
  for (let index = 0; index < itemCount; index++) {
    const refused = plan.refused.get(index);
    if (refused) {
      results.push(refused);
      continue;
    }
    const failures = (plan.findingIds.get(index) ?? [])
      .map((id) => outcomes.get(id) ?? { ok: false as const, permanent: false, reason: 'not sent' })
      .filter((r): r is Extract<ForwardResult, { ok: false }> => !r.ok);
    const first = failures[0];
    if (!first) {
      results.push({ ok: true });
      continue;
    }
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more of its findings)` : '';
    results.push({
      ok: false,
      permanent: failures.every((f) => f.permanent),
      reason: clip(`${first.reason}${more}`, 300),
    });
  }
  return results;
}
