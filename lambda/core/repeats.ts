// Folding repeated findings: the first finding with a dedup key in a fixed window is alerted at
// once; the repeats in that window are counted in the state table and go out together, as one
// summary message, once the window has ended and its late events have had time to arrive.
// Pure: the group a finding belongs to, a finding's compact snapshot, and the findings back.
import type { RepeatGroup, RepeatGroupRef, RepeatMember } from '../ports';
import { type Finding, isSeverity, type JsonObject, type TrailEvent } from './types';

/**
 * Members a group folds at most. A snapshot is about 0.8 KB (1.1 KB at most over the rules'
 * fixture findings), so a full group stays far below DynamoDB's 400 KB item limit.
 */
export const REPEAT_GROUP_LIMIT = 100;

/** Dedup keys are built from attacker-controlled text: bounded so a group key stays small. */
const MAX_KEY_CHARS = 512;

export function repeatGroupOf(finding: Finding, windowMs: number): RepeatGroupRef {
  const time = Number.isFinite(finding.event.eventTimeMs) ? finding.event.eventTimeMs : 0;
  const windowStartMs = Math.floor(time / windowMs) * windowMs;
  return {
    key: finding.dedupKey.slice(0, MAX_KEY_CHARS),
    windowStartMs,
    windowEndMs: windowStartMs + windowMs,
    limit: REPEAT_GROUP_LIMIT,
  };
}

export function alertKeyOf(finding: Finding): string {
  return `${finding.event.eventId}#${finding.ruleId}`;
}

/** What the summary lists of a folded finding; long fields are clipped, everything is re-sanitised on render. */
export function memberOf(finding: Finding): RepeatMember {
  const e = finding.event;
  const clip = (text: string, chars: number) => text.slice(0, chars);
  const snapshot = {
    ruleId: finding.ruleId,
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
  };
  return { alertKey: alertKeyOf(finding), snapshot: JSON.stringify(snapshot) };
}

/**
 * The group's folded findings, rebuilt from their snapshots for the summary (renderDigest).
 * A snapshot that does not parse (a damaged item) still counts, as a finding that says so.
 */
export function findingsOf(group: RepeatGroup): Finding[] {
  return group.members.map((member) => fromSnapshot(member, group));
}

function fromSnapshot(member: RepeatMember, group: RepeatGroup): Finding {
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
