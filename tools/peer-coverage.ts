// How the catalogue covers peers' rule sets. Each peer rule in docs/peers/<peer>.json is either
// mapped to a probe (a few CloudTrail records written here, of what that rule looks for) or marked
// out of reach with the reason. Probes are scored as a run scores a page, thresholds counted in
// memory, and the most severe finding is compared with the peer's own severity: the table is
// measured, not claimed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MemoryStateStore } from '../lambda/adapters/memory-state';
import { composeScorers } from '../lambda/compose';
import { isObject } from '../lambda/core/event';
import { FirstSeenTracker } from '../lambda/core/first-seen';
import type { LookupEventRecord } from '../lambda/core/ports';
import { type Scorers, scorePage, settlePage } from '../lambda/core/run';
import {
  atLeast,
  type Finding,
  isSeverity,
  type JsonObject,
  type Severity,
  severityRank,
} from '../lambda/core/types';

export const PEERS_DIR = path.resolve(__dirname, '..', 'docs', 'peers');

/** Where a peer rule's events come from. */
export type PeerScope = 'management' | 'data' | 'out-of-reach';

/** Callers a probe can be made by; the record's `userIdentity` is written from it. */
export const ACTORS = [
  'iam-user',
  'root',
  'workload-role',
  'sso-user',
  'instance-role',
  'web-identity',
  'aws-service',
  'other-account-role',
] as const;
export type Actor = (typeof ACTORS)[number];

export interface ProbeEvent {
  /** Who calls. @default 'iam-user' (an IAM user's long-term access key, through the AWS CLI) */
  readonly actor?: Actor;
  /** Merged over the base record: at least `eventSource` and `eventName`. */
  readonly record: JsonObject;
  /** Sends the event this many times, each with its own event id. @default 1 */
  readonly times?: number;
  /** Time from each record to the next. @default 10000 (10 s) */
  readonly spacingMs?: number;
  /**
   * A dotted path (`requestParameters.secretId`, `sourceIPAddress`) made distinct in each repeat,
   * for peers that count distinct resources or addresses: the value gets `-<n>` appended, or for
   * `sourceIPAddress` becomes 198.51.100.<n>.
   */
  readonly vary?: string;
}

export interface PeerRule {
  /** The peer's own rule id. */
  readonly id: string;
  readonly name: string;
  /** The rule's file in the snapshot. */
  readonly file: string;
  /** The peer's severity, on trailwatch's scale (Sigma's informational is info). */
  readonly severity: Severity;
  readonly scope: PeerScope;
  /** Why a rule is data-only or out of reach; for a management rule, anything the reader should know. */
  readonly reason?: string;
  /** The trailwatch detections expected among the probe's findings. */
  readonly covers?: readonly string[];
  readonly probe?: { readonly events: readonly ProbeEvent[] };
  /**
   * The peer fires on a first occurrence only (Elastic's new-terms rules). Its probe is then scored
   * after a learned history, as anomaly.first-seen needs: the same callers, from the same address,
   * region and client, making one routine write on each of the 8 days before. A detection that
   * fires on every occurrence covers it as well.
   */
  readonly firstTime?: boolean;
  /** For a first-time peer whose novelty is where the call comes from: the history uses another of these. */
  readonly novel?: readonly ('address' | 'region' | 'client')[];
}

export interface PeerSet {
  readonly peer: string;
  readonly snapshot: {
    readonly repository: string;
    readonly commit: string;
    readonly date: string;
    readonly path: string;
  };
  readonly rules: readonly PeerRule[];
}

export type Verdict = 'covered' | 'lower' | 'missed' | 'data' | 'out-of-reach';

export interface PeerResult {
  readonly rule: PeerRule;
  readonly verdict: Verdict;
  /** The most severe finding's severity, and the detections that reached it. */
  readonly severity?: Severity;
  readonly detections: readonly string[];
  /** `covers` ids that did not fire: the mapping is wrong. */
  readonly missingExpected: readonly string[];
}

export interface PeerSummary {
  readonly set: PeerSet;
  readonly results: readonly PeerResult[];
  readonly management: number;
  readonly covered: number;
  readonly lower: number;
  readonly missed: number;
  readonly data: number;
  readonly dataCovered: number;
  readonly outOfReach: number;
}

const ACCOUNT = '111122223333';

function identity(actor: Actor): JsonObject {
  const role = (name: string, session: string, account = ACCOUNT, path = ''): JsonObject => ({
    type: 'AssumedRole',
    principalId: `AROAEXAMPLEPEERROLE1:${session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${name}/${session}`,
    accountId: account,
    accessKeyId: 'ASIAEXAMPLEPEERSESS1',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEPEERROLE1',
        arn: `arn:aws:iam::${account}:role/${path}${name}`,
        accountId: account,
        userName: name,
      },
      attributes: { creationDate: '2026-11-20T09:00:00Z', mfaAuthenticated: 'false' },
    },
  });
  switch (actor) {
    case 'iam-user':
      return {
        type: 'IAMUser',
        principalId: 'AIDAEXAMPLEPEERUSER1',
        arn: `arn:aws:iam::${ACCOUNT}:user/mallory`,
        accountId: ACCOUNT,
        accessKeyId: 'AKIAEXAMPLEPEERKEY01',
        userName: 'mallory',
      };
    case 'root':
      return {
        type: 'Root',
        principalId: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:root`,
        accountId: ACCOUNT,
        accessKeyId: 'ASIAEXAMPLEROOTSESS1',
      };
    case 'workload-role':
      return role('app-deployer', 'deploy-4f2a');
    case 'sso-user':
      return role(
        'AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789',
        'mallory@example.com',
        ACCOUNT,
        'aws-reserved/sso.amazonaws.com/',
      );
    case 'instance-role': {
      const r = role('web-server-role', 'i-0a1b2c3d4e5f67890');
      return { ...r, sessionContext: { ...(r.sessionContext as JsonObject), ec2RoleDelivery: '2.0' } };
    }
    case 'web-identity':
      return {
        ...role('github-actions-deploy', 'GitHubActions'),
        sessionContext: {
          ...(role('github-actions-deploy', 'GitHubActions').sessionContext as JsonObject),
          webIdFederationData: {
            federatedProvider: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
          },
        },
      };
    case 'aws-service':
      return { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' };
    case 'other-account-role':
      return role('OrganizationAccountAccessRole', 'mallory', '444455556666');
  }
}

function setPath(record: JsonObject, dotted: string, value: string): void {
  const keys = dotted.split('.');
  let node: JsonObject = record;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (!isObject(next)) node[key] = {};
    node = node[key] as JsonObject;
  }
  node[keys[keys.length - 1]!] = value;
}

function getPath(record: JsonObject, dotted: string): unknown {
  let node: unknown = record;
  for (const key of dotted.split('.')) node = isObject(node) ? node[key] : undefined;
  return node;
}

const BASE_MS = Date.UTC(2026, 10, 20, 10, 0, 0);

/** The probe's records, in time order, as LookupEvents would hand them over. */
export function probeRecords(rule: PeerRule): LookupEventRecord[] {
  const out: LookupEventRecord[] = [];
  let eventTimeMs = BASE_MS;
  for (const event of rule.probe?.events ?? []) {
    const times = event.times ?? 1;
    for (let n = 0; n < times; n++) {
      const index = out.length;
      if (index > 0) eventTimeMs += event.spacingMs ?? 10_000;
      const eventId = `peer-${rule.id}-${index}`.slice(0, 100);
      const actor = event.actor ?? 'iam-user';
      const record: JsonObject = {
        eventVersion: '1.11',
        userIdentity: identity(actor),
        eventTime: new Date(eventTimeMs).toISOString().replace('.000', ''),
        awsRegion: 'us-east-1',
        sourceIPAddress: actor === 'aws-service' ? 'cloudformation.amazonaws.com' : '203.0.113.10',
        userAgent:
          actor === 'aws-service'
            ? 'cloudformation.amazonaws.com'
            : 'aws-cli/2.17.40 md/awscrt#0.21.2 ua/2.0 os/linux#6.8 md/arch#x86_64 lang/python#3.11.9 md/prompt#off',
        requestParameters: null,
        responseElements: null,
        requestID: `req-${index}`,
        eventID: eventId,
        readOnly: false,
        eventType: 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: ACCOUNT,
        eventCategory: 'Management',
        ...structuredClone(event.record),
      };
      if (event.vary !== undefined && times > 1) {
        if (event.vary === 'sourceIPAddress') record.sourceIPAddress = `198.51.100.${n + 1}`;
        else setPath(record, event.vary, `${String(getPath(record, event.vary) ?? 'x')}-${n + 1}`);
      }
      out.push({
        eventId,
        eventName: String(record.eventName ?? ''),
        eventSource: String(record.eventSource ?? ''),
        eventTimeMs,
        readOnly: record.readOnly === true,
        body: JSON.stringify(record),
      });
    }
  }
  return out;
}

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 8;

/**
 * For a first-time peer: each probe caller's routine write (tags on an instance) on each of the 8
 * days before the probe, from the probe's address, region and client, so that its profile has
 * learned them and only what the probe adds is new.
 */
function historyRecords(rule: PeerRule, probe: readonly LookupEventRecord[]): LookupEventRecord[] {
  const callers = new Map<string, JsonObject>();
  for (const r of probe) {
    const body = JSON.parse(r.body ?? '{}') as JsonObject;
    callers.set(JSON.stringify(body.userIdentity), body);
  }
  const out: LookupEventRecord[] = [];
  for (const [n, body] of [...callers.values()].entries()) {
    for (let day = HISTORY_DAYS; day >= 1; day--) {
      const eventTimeMs = BASE_MS - day * DAY_MS + n * 1000;
      const eventId = `peer-${rule.id}-history-${n}-${day}`.slice(0, 100);
      const novel = new Set(rule.novel ?? []);
      const record: JsonObject = {
        ...body,
        ...(novel.has('address') ? { sourceIPAddress: '192.0.2.200' } : {}),
        ...(novel.has('region') ? { awsRegion: 'eu-central-1' } : {}),
        ...(novel.has('client')
          ? { userAgent: 'aws-sdk-java/2.25.40 Linux/6.1.79 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS' }
          : {}),
        eventTime: new Date(eventTimeMs).toISOString().replace('.000', ''),
        eventSource: 'ec2.amazonaws.com',
        eventName: 'CreateTags',
        requestParameters: { resourcesSet: { items: [{ resourceId: 'i-0a1b2c3d4e5f67890' }] } },
        responseElements: { _return: true },
        eventID: eventId,
        readOnly: false,
      };
      delete record.errorCode;
      delete record.errorMessage;
      out.push({
        eventId,
        eventName: 'CreateTags',
        eventSource: 'ec2.amazonaws.com',
        eventTimeMs,
        readOnly: false,
        body: JSON.stringify(record),
      });
    }
  }
  return out;
}

/** Every finding the probe raises, thresholds and all, as runs over its records would. */
export async function probeFindings(rule: PeerRule, scorers: Scorers): Promise<Finding[]> {
  const records = probeRecords(rule);
  const state = new MemoryStateStore();
  const tracker =
    rule.firstTime && scorers.firstSeen?.enabled ? new FirstSeenTracker(state, scorers.firstSeen) : undefined;
  const seen = new Set<string>();
  if (tracker !== undefined) {
    // One run a day over the history: the profile learns the callers' usual address and client.
    for (const record of historyRecords(rule, records)) {
      const page = scorePage([record], scorers, seen);
      await settlePage(page, scorers.thresholds, state, tracker, () => record.eventTimeMs!);
    }
  }
  const page = scorePage(records, scorers, seen);
  if (page.unparseable.length > 0)
    throw new Error(`${rule.id}: probe record unparseable: ${page.unparseable[0]!.reason}`);
  const nowMs = (records[records.length - 1]?.eventTimeMs ?? BASE_MS) + 10_000;
  return settlePage(page, scorers.thresholds, state, tracker, () => nowMs);
}

export async function evaluate(rule: PeerRule, scorers: Scorers): Promise<PeerResult> {
  if (rule.scope === 'out-of-reach')
    return { rule, verdict: 'out-of-reach', detections: [], missingExpected: [] };
  const findings = rule.probe ? await probeFindings(rule, scorers) : [];
  const top = findings.reduce<Severity | undefined>(
    (best, f) => (best === undefined || severityRank(f.severity) > severityRank(best) ? f.severity : best),
    undefined,
  );
  const detections = [...new Set(findings.filter((f) => f.severity === top).map((f) => f.ruleId))].sort();
  const fired = new Set(findings.map((f) => f.ruleId));
  const missingExpected = (rule.covers ?? []).filter((id) => !fired.has(id));
  if (rule.scope === 'data') return { rule, verdict: 'data', severity: top, detections, missingExpected };
  const verdict: Verdict = top === undefined ? 'missed' : atLeast(top, rule.severity) ? 'covered' : 'lower';
  return { rule, verdict, severity: top, detections, missingExpected };
}

/** Problems with a peer file's shape, each naming the rule. */
export function peerSetProblems(set: PeerSet): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const rule of set.rules) {
    const at = `${set.peer} ${rule.id} (${rule.file})`;
    if (ids.has(rule.id)) problems.push(`${at}: listed twice`);
    ids.add(rule.id);
    if (!isSeverity(rule.severity))
      problems.push(`${at}: severity ${String(rule.severity)} is not a trailwatch severity`);
    if (rule.scope !== 'management' && rule.scope !== 'data' && rule.scope !== 'out-of-reach')
      problems.push(`${at}: scope must be management, data or out-of-reach`);
    if (rule.scope !== 'management' && !rule.reason)
      problems.push(`${at}: a ${rule.scope} rule needs a reason`);
    if (rule.scope === 'management' && (rule.probe?.events.length ?? 0) === 0)
      problems.push(`${at}: a management rule needs a probe`);
    for (const event of rule.probe?.events ?? []) {
      if (typeof event.record.eventName !== 'string' || typeof event.record.eventSource !== 'string')
        problems.push(`${at}: each probe event needs eventName and eventSource`);
      if (event.actor !== undefined && !(ACTORS as readonly string[]).includes(event.actor))
        problems.push(`${at}: unknown actor ${event.actor}`);
    }
  }
  return problems;
}

export function loadPeerSets(dir = PEERS_DIR): PeerSet[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as PeerSet);
}

/**
 * Scores every rule of a peer set: management-event rules as the scheduled detector runs, data-event
 * rules as `trailwatch scan` runs (with the detections of data events).
 */
export async function summarize(set: PeerSet): Promise<PeerSummary> {
  const deployed = composeScorers();
  const scan = composeScorers({ dataEvents: true });
  const results: PeerResult[] = [];
  for (const rule of set.rules) results.push(await evaluate(rule, rule.scope === 'data' ? scan : deployed));
  const count = (v: Verdict): number => results.filter((r) => r.verdict === v).length;
  const data = results.filter((r) => r.verdict === 'data');
  return {
    set,
    results,
    management: results.filter((r) => r.rule.scope === 'management').length,
    covered: count('covered'),
    lower: count('lower'),
    missed: count('missed'),
    data: data.length,
    dataCovered: data.filter((r) => r.severity !== undefined && atLeast(r.severity, r.rule.severity)).length,
    outOfReach: count('out-of-reach'),
  };
}

const pct = (n: number, d: number): string => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The coverage section of docs/detections.md. */
export function coverageMarkdown(summaries: readonly PeerSummary[]): string {
  const out: string[] = [];
  out.push("## Coverage of peers' rule sets", '');
  out.push(
    "Each rule of a peer's AWS CloudTrail rule set is mapped to a probe: a few CloudTrail records, " +
      'written for this project, of what that rule looks for. The probe is scored as a run scores a page ' +
      "(threshold rules counted), and its most severe finding is set against the peer's own severity. " +
      'Rules on data events, which Event history never returns, are probed against `trailwatch scan`; ' +
      'rules that need what a record does not hold (IP reputation, a learned baseline of another kind) ' +
      'are out of reach, with the reason. Generated by `npm run docs` from `docs/peers/`.',
    '',
  );
  out.push(
    '| Peer (snapshot) | Management-event rules | Covered at equal or higher severity | Lower | No finding | Data-event rules (scan; covered) | Out of reach |',
  );
  out.push('|---|---|---|---|---|---|---|');
  for (const s of summaries) {
    out.push(
      `| ${s.set.peer} (${s.set.snapshot.repository}@${s.set.snapshot.commit.slice(0, 7)}, ${s.set.snapshot.date}) | ${s.management} | ${s.covered} (${pct(s.covered, s.management)}) | ${s.lower} | ${s.missed} | ${s.data} (${s.dataCovered}) | ${s.outOfReach} |`,
    );
  }
  for (const s of summaries) {
    out.push('', `### ${s.set.peer}`, '');
    out.push(
      `Snapshot: \`${s.set.snapshot.repository}\` at \`${s.set.snapshot.commit}\` (${s.set.snapshot.date}), \`${s.set.snapshot.path}\`.`,
      '',
    );
    out.push(
      'Rules marked * fire on a first occurrence; their probes are scored after 8 days of learned history.',
      '',
    );
    out.push('| Peer rule | Peer severity | trailwatch | Severity | Verdict |');
    out.push('|---|---|---|---|---|');
    for (const r of s.results) {
      const who = r.detections.length > 0 ? r.detections.map((d) => `\`${d}\``).join(', ') : '—';
      const verdict =
        r.verdict === 'out-of-reach' || r.verdict === 'data'
          ? `${r.verdict === 'data' ? 'data event (scan)' : 'out of reach'}: ${r.rule.reason ?? ''}`
          : r.verdict === 'covered'
            ? 'covered'
            : r.verdict === 'lower'
              ? `lower${r.rule.reason ? `: ${r.rule.reason}` : ''}`
              : `no finding${r.rule.reason ? `: ${r.rule.reason}` : ''}`;
      out.push(
        `| ${cell(r.rule.name)} | ${r.rule.severity} | ${who} | ${r.severity ?? '—'} | ${cell(verdict)} |`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}
