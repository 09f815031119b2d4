// The organization fan-out's pure parts: work items, a pair's lag, and when it is blind.
import {
  blindDecision,
  blindRecord,
  type PairRecord,
  pairLagMs,
  pairScope,
  parseWorkItem,
  WORK_ITEM_VERSION,
  workItemBody,
} from '../../lambda/core/organization';

const MIN = 60_000;
const NOW = Date.UTC(2026, 11, 5, 12, 0);
const record = (over: Partial<PairRecord> = {}): PairRecord => ({
  account: '444455556666',
  region: 'eu-west-1',
  accountName: 'payments-prod',
  ouPath: 'Root/Workloads/Payments',
  sinceMs: NOW - 10 * 24 * 60 * MIN,
  ...over,
});

describe('work items', () => {
  it('round-trips through the queue body', () => {
    const item = {
      account: '444455556666',
      region: 'ap-southeast-2',
      accountName: 'payments "prod"',
      ouPath: 'Root/Workloads',
      tickMs: NOW,
    };
    expect(parseWorkItem(workItemBody(item))).toEqual(item);
    expect(JSON.parse(workItemBody(item)).v).toBe(WORK_ITEM_VERSION);
  });

  it('refuses a broken item, naming every problem', () => {
    expect(() => parseWorkItem('not json')).toThrow(/not JSON/);
    const body = JSON.stringify({ v: 'x', account: '12', region: 'Mars', tick: 'later' });
    let message = '';
    try {
      parseWorkItem(body);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/v is not "trailwatch.work\/1"/);
    expect(message).toMatch(/account "12" is not 12 digits/);
    expect(message).toMatch(/region "Mars" is not a region code/);
    expect(message).toMatch(/tick "later" is not a time/);
  });

  it('gives each pair a state scope of its own that the table accepts', () => {
    const scope = pairScope({ account: '444455556666', region: 'ap-southeast-2' });
    expect(scope).toBe('444455556666-ap-southeast-2');
    expect(scope).toMatch(/^[0-9A-Za-z_-]{1,64}$/);
  });
});

describe('blind pairs', () => {
  it('measures lag from the covered time, never from before the pair was first queued', () => {
    expect(pairLagMs(record({ coveredUntilMs: NOW - 7 * MIN }), NOW)).toBe(7 * MIN);
    // A new account's first day of history is backlog: its lag starts when it was queued.
    expect(pairLagMs(record({ sinceMs: NOW - 4 * MIN, coveredUntilMs: NOW - 24 * 60 * MIN }), NOW)).toBe(
      4 * MIN,
    );
    // Never ran: the whole time since it was queued.
    expect(pairLagMs(record({ sinceMs: NOW - 50 * MIN }), NOW)).toBe(50 * MIN);
  });

  it('raises once past the limit, holds the episode, and clears under half of it', () => {
    const limit = 30 * MIN;
    expect(blindDecision(record({ coveredUntilMs: NOW - 30 * MIN }), NOW, limit).kind).toBe('none');
    const raise = blindDecision(record({ coveredUntilMs: NOW - 31 * MIN }), NOW, limit);
    expect(raise).toEqual({ kind: 'raise', sinceMs: NOW - MIN, lagMs: 31 * MIN });
    // The episode's start is the same at the next tick while the pair has not moved.
    const later = blindDecision(record({ coveredUntilMs: NOW - 31 * MIN }), NOW + 5 * MIN, limit);
    expect(later.kind === 'raise' && later.sinceMs).toBe(NOW - MIN);
    const standing = record({ coveredUntilMs: NOW - 20 * MIN, blindSinceMs: NOW - MIN });
    expect(blindDecision(standing, NOW, limit).kind).toBe('none');
    expect(blindDecision({ ...standing, coveredUntilMs: NOW - 14 * MIN }, NOW, limit).kind).toBe('recovered');
  });

  it('records a blind pair as an event of trailwatch, with an id per episode', () => {
    const r = record({ lastError: 'AccessDenied', lastOutcome: 'lookup-failed' });
    const a = blindRecord(r, { sinceMs: NOW - MIN, lagMs: 31 * MIN }, NOW);
    const b = blindRecord(r, { sinceMs: NOW - MIN, lagMs: 36 * MIN }, NOW + 5 * MIN);
    const c = blindRecord(r, { sinceMs: NOW + 60 * MIN, lagMs: 31 * MIN }, NOW + 61 * MIN);
    expect(a.eventID).toBe(b.eventID);
    expect(c.eventID).not.toBe(a.eventID);
    expect(a).toMatchObject({
      eventSource: 'trailwatch.internal',
      recipientAccountId: '444455556666',
      awsRegion: 'eu-west-1',
      serviceEventDetails: { accountName: 'payments-prod', lastError: 'AccessDenied', lagMinutes: 31 },
    });
  });
});
