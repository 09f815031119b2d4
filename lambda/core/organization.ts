// Which accounts of an AWS Organization to watch. Pure: the directory is read by an adapter.

/** An account as the organization lists it, with where it sits. */
export interface OrganizationAccount {
  readonly id: string;
  readonly name: string;
  /** Only active accounts are read: a suspended or closing account stops being watched. */
  readonly active: boolean;
  /** The OU (or root) it sits in, and the path of OU ids from the root down to it (root first). */
  readonly parentId: string;
  readonly path: readonly string[];
  /** The OU names along the path, for alerts: `Root/Workloads/Payments`. */
  readonly pathNames: readonly string[];
}

export interface AccountSelection {
  /** OU or root ids whose accounts, at any depth, are watched; none = the whole organization. */
  readonly ous?: readonly string[];
  /** Account ids never watched. */
  readonly exclude?: readonly string[];
}

/** An account id: 12 digits. */
export const ACCOUNT_ID = /^\d{12}$/;
/** An organization root (`r-`) or organizational unit (`ou-`) id. */
export const PARENT_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;

/** The problems of a selection (none when it is valid), each naming the value. */
export function selectionProblems(selection: AccountSelection): string[] {
  return [
    ...(selection.ous ?? [])
      .filter((id) => !PARENT_ID.test(id))
      .map(
        (id) => `"${id.slice(0, 80)}" is not an organizational unit or root id (ou-xxxx-xxxxxxxx or r-xxxx)`,
      ),
    ...(selection.exclude ?? [])
      .filter((id) => !ACCOUNT_ID.test(id))
      .map((id) => `"${id.slice(0, 80)}" is not an account id (12 digits)`),
  ];
}

/** The accounts to watch: active, under one of the OUs when any are given, and not excluded; by id. */
export function watchedAccounts(
  accounts: readonly OrganizationAccount[],
  selection: AccountSelection,
): OrganizationAccount[] {
  const ous = new Set(selection.ous ?? []);
  const exclude = new Set(selection.exclude ?? []);
  return accounts
    .filter((a) => a.active && !exclude.has(a.id))
    .filter((a) => ous.size === 0 || a.path.some((id) => ous.has(id)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** One member account in one region: the unit of work of the organization fan-out. */
export interface MemberPair {
  readonly account: string;
  readonly region: string;
}

/** The state-table scope of a pair: its own lease and cursor (`run#<scope>`, `<scope>#<region>`). */
export function pairScope(pair: MemberPair): string {
  return `${pair.account}-${pair.region}`;
}

export function pairLabel(pair: MemberPair): string {
  return `${pair.account}/${pair.region}`;
}

/** A queued work item: read this pair up to `tickMs` (the schedule's time), naming the account so. */
export interface WorkItem extends MemberPair {
  /** The account's name and OU path in Organizations, for alerts. */
  readonly accountName: string;
  readonly ouPath: string;
  readonly tickMs: number;
}

export const WORK_ITEM_VERSION = 'trailwatch.work/1';
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function workItemBody(item: WorkItem): string {
  return JSON.stringify({
    v: WORK_ITEM_VERSION,
    account: item.account,
    region: item.region,
    accountName: item.accountName,
    ouPath: item.ouPath,
    tick: new Date(item.tickMs).toISOString(),
  });
}

/** A work item from a queue message body; throws an Error naming what is wrong. */
export function parseWorkItem(body: string): WorkItem {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error(`work item is not JSON: ${JSON.stringify(body.slice(0, 80))}`);
  }
  const o = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const text = (key: string, max: number): string =>
    typeof o[key] === 'string' ? (o[key] as string).slice(0, max) : '';
  const problems: string[] = [];
  if (o.v !== WORK_ITEM_VERSION) problems.push(`v is not "${WORK_ITEM_VERSION}"`);
  const account = text('account', 32);
  if (!ACCOUNT_ID.test(account)) problems.push(`account "${account}" is not 12 digits`);
  const region = text('region', 32);
  if (!REGION.test(region)) problems.push(`region "${region}" is not a region code`);
  const tickMs = Date.parse(text('tick', 40));
  if (!Number.isFinite(tickMs)) problems.push(`tick "${text('tick', 40)}" is not a time`);
  if (problems.length > 0) throw new Error(`malformed work item: ${problems.join('; ')}`);
  return { account, region, accountName: text('accountName', 128), ouPath: text('ouPath', 512), tickMs };
}

/** What the state table remembers of a watched pair between ticks. */
export interface PairRecord extends MemberPair {
  readonly accountName: string;
  readonly ouPath: string;
  /** When the dispatcher first queued it: time before that is not blindness. */
  readonly sinceMs: number;
  /** The pair's fully processed time after its last run (now - lag), if it ever ran. */
  readonly coveredUntilMs?: number;
  /** The window end of its last run: queued items up to it are superseded. */
  readonly readUntilMs?: number;
  readonly lastRunMs?: number;
  readonly lastOutcome?: string;
  /** Why its last run stopped, sanitised. */
  readonly lastError?: string;
  /** Set while a blind alert stands for it: the start of that blindness, one alert per episode. */
  readonly blindSinceMs?: number;
}

/**
 * How far the pair trails the clock: from its covered time, but never from before it was first
 * queued (a new account's first day of history is backlog, not blindness).
 */
export function pairLagMs(record: PairRecord, nowMs: number): number {
  return Math.max(0, nowMs - Math.max(record.coveredUntilMs ?? Number.NEGATIVE_INFINITY, record.sinceMs));
}

export type BlindDecision =
  | { readonly kind: 'raise'; readonly sinceMs: number; readonly lagMs: number }
  | { readonly kind: 'recovered'; readonly lagMs: number }
  | { readonly kind: 'none'; readonly lagMs: number };

/**
 * A pair that trails by more than `blindAfterMs` raises one blind alert per episode; it is clear
 * again once under half of that (so a pair hovering at the limit does not alert every tick).
 */
export function blindDecision(record: PairRecord, nowMs: number, blindAfterMs: number): BlindDecision {
  const lag = pairLagMs(record, nowMs);
  if (record.blindSinceMs === undefined) {
    // Blind since the lag passed the limit: the same instant at every tick until the pair moves,
    // so a raise retried after a failure names the same episode (and the same alert).
    const sinceMs = nowMs - lag + blindAfterMs;
    return lag > blindAfterMs ? { kind: 'raise', sinceMs, lagMs: lag } : { kind: 'none', lagMs: lag };
  }
  return lag < blindAfterMs / 2 ? { kind: 'recovered', lagMs: lag } : { kind: 'none', lagMs: lag };
}

/** Event source of the records trailwatch makes of its own observations; AWS never records it. */
export const NOTICE_SOURCE = 'trailwatch.internal';
export const BLIND_EVENT = 'MemberPairBlind';

/**
 * A blind pair as a CloudTrail-shaped record, scored by the catalogue like any event (rule
 * `trailwatch.member-blind`). Its id names the pair and the episode, so the alert is recorded once.
 */
export function blindRecord(
  record: PairRecord,
  decision: { sinceMs: number; lagMs: number },
  nowMs: number,
): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    eventID: `blind-${pairScope(record)}-${decision.sinceMs}`,
    eventTime: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: NOTICE_SOURCE,
    eventName: BLIND_EVENT,
    eventType: 'AwsServiceEvent',
    awsRegion: record.region,
    recipientAccountId: record.account,
    sourceIPAddress: NOTICE_SOURCE,
    userAgent: NOTICE_SOURCE,
    readOnly: true,
    userIdentity: { type: 'AWSService', invokedBy: NOTICE_SOURCE },
    requestParameters: null,
    responseElements: null,
    serviceEventDetails: {
      accountName: record.accountName,
      ouPath: record.ouPath,
      blindSince: new Date(decision.sinceMs).toISOString(),
      lagMinutes: Math.round(decision.lagMs / 60_000),
      lastRun: record.lastRunMs === undefined ? null : new Date(record.lastRunMs).toISOString(),
      lastOutcome: record.lastOutcome ?? null,
      lastError: record.lastError ?? null,
    },
  };
}
