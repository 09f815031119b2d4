// Folding repeated findings: the first finding of a rule on one subject by one actor in a fixed
// window is alerted at once; the repeats in that window that are no more severe are counted in the
// state table and go out together, as one summary message, once the window has ended.
// Pure: the group a finding belongs to, a finding's compact snapshot, and the findings back.
import { createHash } from 'node:crypto';
import type { RepeatGroup, RepeatGroupRef, RepeatMember } from './ports';
import { sanitize } from './sanitize';
import { type Finding, isSeverity, type JsonObject, type TrailEvent } from './types';

/** Members a group folds at most. */
export const REPEAT_GROUP_LIMIT = 100;

/**
 * A snapshot's size at most, in UTF-8 bytes as stored. With the member's key (at most about 200 bytes)
 * a full group holds at most 100 × 2.4 KB ≈ 240 KB: below DynamoDB's 400 KB item limit whatever
 * text an attacker puts in the event. Findings of the rules' fixtures take about 0.8 KB.
 */
export const MAX_SNAPSHOT_BYTES = 2048;

/** What a group's key shows of the rule and actor in clear; the rest is a hash. */
const KEY_PART_CHARS = 160;

/**
 * The group a finding may join: the same rule, the same subject (its dedup key) and the same
 * actor in the same account and fixed window. Another actor, however similar the finding, leads a group of its
 * own and is alerted at once: no principal can seed a group that hides someone else's finding.
 */
export function repeatGroupOf(finding: Finding, windowMs: number): RepeatGroupRef {
  const time = Number.isFinite(finding.event.eventTimeMs) ? finding.event.eventTimeMs : 0;
  const windowStartMs = Math.floor(time / windowMs) * windowMs;
  const actor = actorKeyOf(finding);
  // Dedup keys and ARNs are attacker-controlled text: the key is bounded, and hashed whole so that
  // two long keys never meet by being cut at the same length.
  // The account the event was recorded in is part of the group: two accounts never fold together.
  const digest = createHash('sha256')
    .update(JSON.stringify([finding.ruleId, finding.dedupKey, actor, finding.event.recipientAccountId]))
    .digest('hex');
  return {
    key: `${finding.ruleId.slice(0, KEY_PART_CHARS)}|${actor.slice(0, KEY_PART_CHARS)}|${digest.slice(0, 40)}`,
    windowStartMs,
    windowEndMs: windowStartMs + windowMs,
    limit: REPEAT_GROUP_LIMIT,
  };
}

/** Who made the call, as recorded: the session ARN for a role, so one session's repeats fold. */
export function actorKeyOf(finding: Finding): string {
  const a = finding.event.actor;
  return a.arn || a.principalId || a.userName || `${a.type}:${a.accountId}`;
}

/**
 * `eventId#ruleId`. CloudTrail's event ids are UUIDs, but a malformed record could carry any text:
 * an id that is long or odd is replaced by its hash, so a key always fits DynamoDB's key limits.
 */
export function alertKeyOf(finding: Finding): string {
  const id = finding.event.eventId;
  const plain = id.length <= MAX_EVENT_ID_CHARS && /^[\x21-\x7e]+$/.test(id) && !id.includes('#');
  return `${plain ? id : `sha256-${createHash('sha256').update(id).digest('hex')}`}#${finding.ruleId}`;
}

const MAX_EVENT_ID_CHARS = 128;

/**
 * The summary's alert key: the leader's key and a hash of the members it lists. A retried close of
 * the same members finds its own summary recorded; a group re-formed after its summary went out
 * (a leader re-read after a crash) gets a summary of its own.
 */
export function summaryKeyOf(group: RepeatGroup): string {
  const members = group.members.map((m) => m.alertKey).sort();
  const digest = createHash('sha256').update(JSON.stringify(members)).digest('hex').slice(0, 16);
  return `repeats#${group.leadAlertKey}#${digest}`;
}

/**
 * What the summary lists of a folded finding: sanitised (no control characters to escape) and
 * clipped so that the stored JSON fits `MAX_SNAPSHOT_BYTES`; everything is re-sanitised on render.
 */
export function memberOf(finding: Finding): RepeatMember {
  const e = finding.event;
  const build = (scale: number): string => {
    const clip = (text: string, chars: number) => sanitize(text, Math.max(8, Math.floor(chars * scale)));
    return JSON.stringify({
      ruleId: clip(finding.ruleId, 128),
      title: clip(finding.title, 120),
      severity: finding.severity,
      summary: clip(finding.summary, 300),
      dedupKey: clip(finding.dedupKey, 256),
      eventId: clip(e.eventId, 128),
      eventName: clip(e.eventName, 128),
      eventSource: clip(e.eventSource, 128),
      eventTimeMs: Number.isFinite(e.eventTimeMs) ? e.eventTimeMs : null,
      awsRegion: clip(e.awsRegion, 32),
      recipientAccountId: clip(e.recipientAccountId, 32),
      sourceIPAddress: clip(e.sourceIPAddress, 64),
      actor: {
        type: clip(e.actor.type, 64),
        arn: clip(e.actor.arn, 200),
        accountId: clip(e.actor.accountId, 32),
        principalId: clip(e.actor.principalId, 128),
        userName: clip(e.actor.userName, 128),
      },
    });
  };
  // Quotes, backslashes and multi-byte characters can make text several times its length as stored.
  let snapshot = build(1);
  for (const scale of [0.5, 0.25, 0.1, 0]) {
    if (utf8Length(snapshot) <= MAX_SNAPSHOT_BYTES) break;
    snapshot = build(scale);
  }
  return { alertKey: alertKeyOf(finding), severity: finding.severity, snapshot };
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * The group's folded findings, rebuilt from their snapshots for the summary (renderDigest).
 * A snapshot that does not parse (a damaged item) still counts, as a finding that says so.
 */
export function findingsOf(group: RepeatGroup): Finding[] {
  return group.members.map((member) => fromSnapshot(member, group));
}

function fromSnapshot(member: RepeatGroup['members'][number], group: RepeatGroup): Finding {
  let data: JsonObject = {};
  try {
    const parsed: unknown = JSON.parse(member.snapshot);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) data = parsed as JsonObject;
  } catch {
    // Kept as an unreadable member below: counted and listed by its key.
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const actor = (typeof data.actor === 'object' && data.actor !== null ? data.actor : {}) as JsonObject;
  const [eventIdFromKey = '', ruleIdFromKey = ''] = member.alertKey.split('#');
  const eventTimeMs = typeof data.eventTimeMs === 'number' ? data.eventTimeMs : Number.NaN;
  const event: TrailEvent = {
    eventId: text(data.eventId) || eventIdFromKey,
    eventName: text(data.eventName),
    eventSource: text(data.eventSource),
    eventTime: Number.isFinite(eventTimeMs) ? new Date(eventTimeMs).toISOString() : '',
    eventTimeMs,
    eventType: '',
    awsRegion: text(data.awsRegion),
    recipientAccountId: text(data.recipientAccountId),
    sourceIPAddress: text(data.sourceIPAddress),
    userAgent: '',
    errorCode: '',
    errorMessage: '',
    readOnly: undefined,
    actor: {
      type: text(actor.type),
      arn: text(actor.arn),
      accountId: text(actor.accountId),
      principalId: text(actor.principalId),
      userName: text(actor.userName),
      accessKeyId: '',
      sessionIssuerArn: '',
      sessionIssuerType: '',
      mfaAuthenticated: false,
      invokedBy: '',
    },
    requestParameters: {},
    responseElements: {},
    additionalEventData: {},
    raw: {},
  };
  const severity = text(data.severity);
  return {
    ruleId: text(data.ruleId) || ruleIdFromKey,
    title: text(data.title) || 'a repeated finding',
    severity: isSeverity(severity) ? severity : 'high',
    mitre: [],
    summary: text(data.summary) || `A repeat of ${group.leadAlertKey}; its details could not be read back.`,
    runbook: '',
    reference: '',
    dedupKey: text(data.dedupKey) || group.key,
    event,
  };
}
