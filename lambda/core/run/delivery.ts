// Delivering one page's findings: each at or above the threshold and not suppressed is folded into
// its repeat group or recorded under this run's claim (idempotency record + outbox), then
// published individually while the run's budget lasts; the rest of the page goes out as one
// digest. An alert another run has claimed and is still sending is left to it; one SNS refuses
// for good stays in the outbox (set aside after MAX_REFUSALS), and the region goes on.
import { LeaseLostError, PUBLISH_WITHIN_MS } from '../lease';
import type { ClaimResult, FoldResult, StoredAlert } from '../ports';
import { alertKeyOf, memberOf, repeatGroupOf } from '../repeats';
import { atLeast, type Finding, type RenderedAlert } from '../types';
import type { RunContext } from './context';
import { isRefusal, refused } from './outbox';
import { findingRecord, type RegionOutcome, type RegionReport } from './types';

/** An alert this run has claimed and is to publish. */
interface Due {
  readonly stored: StoredAlert;
  readonly finding: Finding;
  /** When this run's claim on it was made (its clock). */
  readonly claimedAtMs: number;
}

/** What stopped a page's delivery: the region's outcome and the error behind it. */
export interface DeliveryFailure {
  readonly outcome: RegionOutcome;
  readonly error: unknown;
}

export class PageDelivery {
  constructor(
    private readonly run: RunContext,
    private readonly region: string,
    private readonly r: RegionReport,
  ) {}

  /** Delivers the page's findings; returns the failure that stopped it, if any. */
  async deliver(findings: readonly Finding[]): Promise<DeliveryFailure | undefined> {
    const { deps, settings, report, budget } = this.run;
    const due: Due[] = [];
    for (const finding of findings) {
      const atThreshold = atLeast(finding.severity, settings.minSeverity);
      const suppression = atThreshold ? deps.suppressions.match(finding, this.run.now()) : undefined;
      const alerted = atThreshold && suppression === undefined;
      this.r.findings += 1;
      if (suppression) this.r.suppressed += 1;
      report.totals.findingsBySeverity[finding.severity] += 1;
      if (!alerted) {
        report.findings.push(findingRecord(finding, this.region, false, suppression?.id));
        continue;
      }
      try {
        const entry = await this.record(finding, findings);
        if (entry) due.push(entry);
      } catch (error) {
        return { outcome: error instanceof LeaseLostError ? 'lease-lost' : 'state-failed', error };
      }
    }
    // A digest of one is just an alert: keep it individual. Regions share the budget, so it may
    // already be spent (or overspent) when this page is delivered.
    const left = Math.max(0, budget.remaining);
    const individually = due.length - left <= 1 ? due.length : left;
    for (const one of due.slice(0, individually)) {
      budget.remaining -= 1;
      const failure = await this.publish(one.stored.alert, [one]);
      if (failure) return failure;
    }
    const rest = due.slice(individually);
    if (rest.length > 0) {
      const failure = await this.publish(deps.renderDigest(rest.map((d) => d.finding)), rest, true);
      if (failure) return failure;
    }
    return undefined;
  }

  /**
   * Folds the finding into its repeat group or records its alert under this run's claim. Returns
   * the alert when this run is to publish it.
   */
  private async record(finding: Finding, page: readonly Finding[]): Promise<Due | undefined> {
    const { deps, settings, report } = this.run;
    const ledger = deps.state.ledger;
    // What folding learnt of the finding's alert record, so that it is not read again to claim it.
    let recorded: FoldResult | undefined;
    if (settings.repeatWindowMs > 0) {
      const fold = await ledger.foldRepeat(
        repeatGroupOf(finding, settings.repeatWindowMs),
        memberOf(finding),
        this.run.now(),
      );
      if (fold === 'folded' || fold === 'folded-before') {
        if (fold === 'folded') this.r.alertsFolded += 1;
        report.findings.push({ ...findingRecord(finding, this.region, true), folded: true });
        return undefined;
      }
      if (fold !== 'publish') recorded = fold;
    }
    report.findings.push(findingRecord(finding, this.region, true));
    if (recorded === 'sent' || recorded === 'set-aside') {
      this.r.alertsAlreadySent += 1;
      return undefined;
    }
    const key = alertKeyOf(finding);
    // Refused for good moments ago (the outbox drain, or another region): its next try is a later run's.
    if (this.run.refusedKeys.has(key)) return undefined;
    const related = page.filter(
      (other) => other !== finding && sameActor(other, finding) && atLeast(other.severity, 'low'),
    );
    const stored: StoredAlert = {
      key,
      region: this.region,
      eventTimeMs: finding.event.eventTimeMs,
      alert: deps.render(finding, related),
    };
    const claim = await this.run.claim();
    const result: ClaimResult =
      recorded === 'pending'
        ? await ledger.reclaimAlert(stored.key, claim)
        : await ledger.claimAlert(stored, claim);
    if (result === 'claimed') this.run.recorded += 1;
    if (result === 'claimed' || result === 'resumed') return { stored, finding, claimedAtMs: claim.nowMs };
    if (result === 'held') this.r.alertsHeldElsewhere += 1;
    else this.r.alertsAlreadySent += 1;
    return undefined;
  }

  /**
   * Publishes one message for alerts this run has claimed, and marks them sent. A claim older than
   * PUBLISH_WITHIN_MS is renewed first; alerts whose claim another run has taken over meanwhile
   * are left to it.
   */
  private async publish(
    alert: RenderedAlert,
    items: readonly Due[],
    digest = false,
  ): Promise<DeliveryFailure | undefined> {
    const { deps } = this.run;
    let mine: readonly Due[];
    try {
      mine = await this.freshen(items);
    } catch (error) {
      return { outcome: error instanceof LeaseLostError ? 'lease-lost' : 'state-failed', error };
    }
    if (mine.length === 0) return undefined;
    // Renewed claims on only part of a digest: the digest lists only those.
    const message =
      mine.length === items.length || !digest ? alert : deps.renderDigest(mine.map((d) => d.finding));
    let messageId: string;
    try {
      messageId = await deps.sink.publish(message);
    } catch (error) {
      if (!isRefusal(error)) {
        // The alerts stay in the outbox; the cursor stays before their events.
        return { outcome: 'publish-failed', error };
      }
      try {
        for (const item of mine) await refused(this.run, item.stored.key, error);
      } catch (stateError) {
        return { outcome: 'state-failed', error: stateError };
      }
      // Kept in the outbox: the next runs retry them, then set them aside. The region goes on.
      this.r.alertsRefused += mine.length;
      return undefined;
    }
    try {
      for (const item of mine) await deps.state.ledger.markSent(item.stored.key, messageId, this.run.now());
    } catch (error) {
      return { outcome: 'state-failed', error };
    }
    this.r.alertsSent += mine.length;
    if (digest) this.r.digestsSent += 1;
    return undefined;
  }

  /** The items whose claim is still this run's, each renewed if it is older than PUBLISH_WITHIN_MS. */
  private async freshen(items: readonly Due[]): Promise<Due[]> {
    const mine: Due[] = [];
    for (const item of items) {
      if (this.run.now() - item.claimedAtMs <= PUBLISH_WITHIN_MS) {
        mine.push(item);
        continue;
      }
      const claim = await this.run.claim();
      const result = await this.run.deps.state.ledger.reclaimAlert(item.stored.key, claim);
      if (result === 'resumed') mine.push({ ...item, claimedAtMs: claim.nowMs });
      else if (result === 'held') this.r.alertsHeldElsewhere += 1;
    }
    return mine;
  }
}

function sameActor(a: Finding, b: Finding): boolean {
  const ka = a.event.actor.arn || a.event.actor.principalId;
  return ka !== '' && ka === (b.event.actor.arn || b.event.actor.principalId);
}
