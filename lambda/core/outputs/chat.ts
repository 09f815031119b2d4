// The chat output's formatting: an AWS Chatbot (Amazon Q Developer in chat applications) custom
// notification, published as the plain SNS message of a topic a Slack or Teams channel is mapped to.
// PURE: no SDK, no environment, no clock.
//
// The schema (Chatbot admin guide, "Custom notifications"): `version` "1.0" and `source` "custom"
// are required; `content` has `textType` ("client-markdown", the only one: the text is rendered in
// the chat platform's own markdown), `title`, `description`, `nextSteps[]` (a bulleted list) and
// `keywords[]` (tags); `metadata` has `threadId` (groups notifications in a thread), `summary`,
// `eventType`, `relatedResources[]` and `additionalContext` (string to string).
//
// Because the text is markdown, every value that came from an event is neutralised: the characters
// Slack and Teams read as markup or mentions are replaced by look-alikes that render as themselves
// (Slack's mrkdwn has no escape character), URLs and domain names are defanged so they do not
// become links, and line breaks are gone (`clean`). Only our own console link stays a link.
//
// Sizes: Slack shows a header of at most 150 characters and a section of at most 3,000 (Chatbot's
// own limits are not documented). The title is kept to 150 characters, the description to 2,500,
// five next steps and six keywords, so the whole JSON stays in the low kilobytes: far under SNS's
// 256 KB (a test renders the costliest hostile alert under 32 KB).
import { DIGEST_SCHEMA_ID } from '../alert/fit';
import { humanTime, stableId, UNKNOWN } from '../alert/text';
import { SEVERITIES, type Severity } from '../types';
import {
  type AlertDocument,
  CONSOLE_LINK,
  type DigestDocument,
  type DigestEntry,
  type OutputDocument,
} from './document';
import { clip, field } from './limits';

export const CHAT_LIMITS = {
  title: 150,
  description: 2_500,
  nextSteps: 5,
  nextStep: 300,
  keywords: 6,
  keyword: 40,
  summary: 200,
  relatedResources: 5,
  resource: 256,
  context: 128,
  /** Digest findings listed by name; the rest are counted. */
  digestListed: 5,
} as const;

export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: string[];
    readonly keywords: string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly relatedResources: string[];
    readonly additionalContext: Record<string, string>;
  };
}

/**
 * Characters chat markdown reads as markup, mentions or links, and the look-alikes shown instead:
 * `<` `>` `&` (Slack control sequences such as `<!channel>`, `<@U123>`, `<url|text>`, and Teams'
 * `<at>` tags), backtick, `*`, `_`, `~` (code, bold, italics, strike-through), `[` `]` (markdown
 * links), `@` (`@channel`, `@here`, `@everyone`, user mentions) and `|`.
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  '<': '\u2039',
  '>': '\u203a',
  '&': '\uff06',
  '`': '\u02cb',
  '*': '\u2217',
  _: '\uff3f',
  '~': '\u223c',
  '[': '\uff3b',
  ']': '\uff3d',
  '@': '\uff20',
  '|': '\u2223',
};

const MARKUP = /[<>&`*_~[\]@|]/g;

/**
 * Hostile text as inert chat text: cleaned (no control characters or line breaks), markup and
 * mention characters replaced, `scheme://` and `name.tld` defanged so nothing becomes a link, then
 * clipped to `max` characters.
 */
export function chatText(value: unknown, max: number): string {
  const text = field(value, max)
    .replace(MARKUP, (c) => LOOK_ALIKES[c] ?? c)
    .replace(/:\/\//g, ':\u2215\u2215')
    // A dot between a name and letters (example.com, www.evil) reads as a domain to auto-linkers.
    .replace(/(?<=[A-Za-z0-9-])\.(?=[A-Za-z])/g, '\u2024');
  return clip(text, max);
}

/**
 * Our own console link, made inert to markdown too: the host and path are fixed by the document's
 * schema, and the event id part is percent-encoded except for characters no chat markup uses.
 */
export function chatLink(url: string): string {
  if (!CONSOLE_LINK.test(url)) return '';
  return url.replace(/[^A-Za-z0-9\-.:/?#=%]/g, (c) =>
    Array.from(Buffer.from(c, 'utf8'))
      .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

const SEVERITY_NAMES: Readonly<Record<Severity, string>> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  info: 'INFO',
};

const SEVERITY_MARKS: Readonly<Record<Severity, string>> = {
  critical: '\u{1f6a8}',
  high: '\u{1f534}',
  medium: '\u{1f7e0}',
  low: '\u{1f7e1}',
  info: '\u{2139}\u{fe0f}',
};

/** Lines, kept whole and in order, until the next would pass `max` characters. */
function joinLines(lines: readonly string[], max: number): string {
  let out = '';
  for (const line of lines) {
    if (line === '') continue;
    const next = out === '' ? line : `${out}\n${line}`;
    if (next.length > max) break;
    out = next;
  }
  return out;
}

/** The alert's readable time; a time not in ISO form is hostile text like any other. */
function chatTime(iso: string): string {
  const human = humanTime(iso);
  return human !== iso && human !== UNKNOWN ? human : chatText(iso, 40);
}

function accountLine(account: string, name: string, ouPath: string): string {
  const label = [chatText(name, 64), chatText(ouPath, 128)].filter((part) => part !== '').join(', ');
  const id = chatText(account, 32) || 'unknown';
  return label ? `${id} (${label})` : id;
}

/** Runbook sentences as next steps: split on `;` and sentence ends, each neutralised. */
function runbookSteps(runbook: string): string[] {
  return runbook
    .split(/;\s*|(?<=\.)\s+/)
    .map((step) => chatText(step.trim(), CHAT_LIMITS.nextStep))
    .filter((step) => step !== '');
}

/** A catalogue rule id (`cloudtrail.logging-stopped`): ours, shown as it is so it can be copied into a suppression. */
const RULE_ID = /^[a-z0-9][a-z0-9.-]{0,95}$/;

/** The rule id as it is when it is one of the catalogue's form, else neutralised like any text. */
export function ruleIdText(value: string, max = 96): string {
  return RULE_ID.test(value) && value.length <= max ? value : chatText(value, max);
}

function keywords(values: readonly string[], ruleIds: readonly string[] = []): string[] {
  const out: string[] = [];
  const words = [
    ...values.map((value) => chatText(value, CHAT_LIMITS.keyword)),
    ...ruleIds.map((id) => ruleIdText(id, CHAT_LIMITS.keyword)),
  ];
  for (const keyword of words) {
    if (keyword !== '' && !out.includes(keyword)) out.push(keyword);
  }
  return out.slice(0, CHAT_LIMITS.keywords);
}

function context(pairs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(pairs)) {
    const text =
      key === 'ruleId' ? ruleIdText(value, CHAT_LIMITS.context) : chatText(value, CHAT_LIMITS.context);
    if (text !== '') out[key] = text;
  }
  return out;
}

function alertNotification(doc: AlertDocument): ChatNotification {
  const e = doc.event;
  const a = doc.actor;
  const severity = SEVERITY_NAMES[doc.severity];
  const title = chatText(doc.title || doc.ruleId, CHAT_LIMITS.title);
  const actor = chatText(a.name || a.arn, 128) || 'unknown';
  const link = chatLink(doc.console);
  const description = joinLines(
    [
      chatText(doc.summary, 600),
      `Actor: ${actor}${a.type ? ` (${chatText(a.type, 32)})` : ''}`,
      a.arn && a.arn !== a.name ? `ARN: ${chatText(a.arn, 200)}` : '',
      `Account: ${accountLine(e.account, e.accountName, e.ouPath)}`,
      `Region: ${chatText(e.region, 32) || 'unknown'}`,
      `Source: ${chatText(doc.source.ipAddress, 64) || 'unknown'}`,
      `Event: ${chatText(e.name, 64) || 'unknown'} at ${chatTime(e.time) || 'unknown'}`,
      e.errorCode ? `Error: ${chatText(e.errorCode, 64)}` : '',
      `Event id: ${chatText(e.id, 96) || 'unknown'}`,
      `Rule: ${ruleIdText(doc.ruleId)}`,
      link ? `Console: ${link}` : '',
    ],
    CHAT_LIMITS.description,
  );
  const steps = runbookSteps(doc.runbook).slice(0, CHAT_LIMITS.nextSteps - (link ? 1 : 0));
  if (link) steps.push(`Open the event in the CloudTrail console: ${link}`);
  return {
    version: '1.0',
    source: 'custom',
    id: doc.id,
    content: {
      textType: 'client-markdown',
      title: clip(`${SEVERITY_MARKS[doc.severity]} ${severity}: ${title}`, CHAT_LIMITS.title),
      description,
      nextSteps: steps,
      keywords: keywords([severity, e.name, e.account, e.region], [doc.ruleId]),
    },
    metadata: {
      threadId: `trailwatch-${doc.id}`,
      summary: clip(`${severity}: ${title} by ${actor}`, CHAT_LIMITS.summary),
      eventType: 'trailwatch-alert',
      relatedResources: [a.arn, a.sessionIssuerArn]
        .map((arn) => chatText(arn, CHAT_LIMITS.resource))
        .filter((arn, i, all) => arn !== '' && all.indexOf(arn) === i)
        .slice(0, CHAT_LIMITS.relatedResources),
      additionalContext: context({
        severity: doc.severity,
        ruleId: doc.ruleId,
        eventId: e.id,
        eventName: e.name,
        account: e.account,
        region: e.region,
      }),
    },
  };
}

function digestNotification(doc: DigestDocument): ChatNotification {
  const severity = SEVERITY_NAMES[doc.severity];
  const repeats = doc.repeatsOf;
  const listed = doc.findings.slice(0, CHAT_LIMITS.digestListed);
  const counts = (Object.keys(SEVERITY_NAMES) as Severity[])
    .filter((s) => doc.countsBySeverity[s] > 0)
    .map((s) => `${doc.countsBySeverity[s]} ${s}`)
    .join(', ');
  const headline = repeats
    ? `${doc.count} repeats of an alert already sent`
    : `${doc.count} findings in one run`;
  const lines = [
    `${headline} (${counts || 'none counted'}).`,
    repeats
      ? `They repeat alert ${chatText(repeats.alert, 160)} between ${chatTime(repeats.windowStart) || 'unknown'} and ${chatTime(repeats.windowEnd) || 'unknown'}.`
      : '',
    ...listed.map((f) => {
      const link = chatLink(f.console);
      return (
        `\u2022 ${SEVERITY_NAMES[f.severity]} ${chatText(f.eventName, 64) || 'unknown'} by ${chatText(f.actor, 96) || 'unknown'}` +
        ` from ${chatText(f.ipAddress, 64) || 'unknown'} in ${chatText(f.account, 32) || 'unknown'} ${chatText(f.region, 32) || 'unknown'}` +
        ` at ${chatTime(f.eventTime) || 'unknown'}: ${chatText(f.title || f.ruleId, 120)}${link ? ` ${link}` : ''}`
      );
    }),
    doc.count > listed.length
      ? `and ${doc.count - listed.length} more, listed in the email and the JSON document`
      : '',
  ];
  const first = doc.findings[0];
  const firstLink = first ? chatLink(first.console) : '';
  const title = repeats
    ? `${severity}: ${doc.count} repeats of ${chatText(first?.title || first?.ruleId || 'an alert', 100)}`
    : `${severity}: trailwatch digest, ${doc.count} findings`;
  // Repeats thread under the alert they repeat: its id is the same hash of `eventId#ruleId`.
  const threadId = repeats ? `trailwatch-${stableId(repeats.alert)}` : `trailwatch-${doc.id}`;
  return {
    version: '1.0',
    source: 'custom',
    id: doc.id,
    content: {
      textType: 'client-markdown',
      title: clip(`${SEVERITY_MARKS[doc.severity]} ${title}`, CHAT_LIMITS.title),
      description: joinLines(lines, CHAT_LIMITS.description),
      nextSteps: [
        repeats
          ? 'Follow the runbook of the alert these repeat; if the activity is expected, suppress the rule for this subject.'
          : 'Triage the most severe findings first; each links to its event in the CloudTrail console.',
        ...(firstLink ? [`Open the first event in the CloudTrail console: ${firstLink}`] : []),
      ],
      keywords: keywords(
        [severity, repeats ? 'repeats' : 'digest'],
        listed.map((f) => f.ruleId),
      ),
    },
    metadata: {
      threadId,
      summary: clip(`${severity}: ${headline}`, CHAT_LIMITS.summary),
      eventType: repeats ? 'trailwatch-repeats' : 'trailwatch-digest',
      relatedResources: [],
      additionalContext: context({
        severity: doc.severity,
        count: String(doc.count),
        ...(repeats ? { repeatsOf: repeats.alert } : {}),
      }),
    },
  };
}

/**
 * Alerts sent to the chat together (one send's batch) become one notification past this many: a
 * burst posts one message per batch, not one per alert.
 */
export const CHAT_BURST = 3;

/** Several alerts as one notification, listed most severe first like a digest. */
export function burstNotification(alerts: readonly AlertDocument[]): ChatNotification {
  const entries: DigestEntry[] = alerts
    .map((a) => ({
      severity: a.severity,
      ruleId: a.ruleId,
      title: a.title,
      summary: a.summary,
      eventId: a.event.id,
      eventName: a.event.name,
      eventTime: a.event.time,
      actor: a.actor.name || a.actor.arn,
      ipAddress: a.source.ipAddress,
      region: a.event.region,
      account: a.event.account,
      console: a.console,
    }))
    .sort((x, y) => SEVERITIES.indexOf(y.severity) - SEVERITIES.indexOf(x.severity));
  const countsBySeverity = Object.fromEntries(
    SEVERITIES.map((s) => [s, entries.filter((e) => e.severity === s).length]),
  ) as Record<Severity, number>;
  return digestNotification({
    kind: 'digest',
    schema: DIGEST_SCHEMA_ID,
    id: stableId(alerts.map((a) => a.id).join(',')),
    severity: entries[0]?.severity ?? 'info',
    count: entries.length,
    countsBySeverity,
    findings: entries,
    findingsOmitted: 0,
    eventIds: entries.map((e) => e.eventId),
    eventIdsOmitted: 0,
    repeatsOf: undefined,
    generatedAt: '',
  });
}

/** The custom notification for an alert or digest document. */
export function chatNotification(document: OutputDocument): ChatNotification {
  return document.kind === 'alert' ? alertNotification(document) : digestNotification(document);
}

/**
 * Per item: its message; `undefined` when it has none (unreadable); or the index of the item whose
 * message carries it. Past CHAT_BURST alerts in one send, the alerts go out as one notification,
 * carried by the first of them; repeat summaries always go alone.
 */
export function chatMessages(
  documents: readonly (OutputDocument | undefined)[],
): (string | number | undefined)[] {
  const alerts = documents.flatMap((d, index) => (d?.kind === 'alert' ? [{ d, index }] : []));
  const burst = alerts.length > CHAT_BURST;
  const carrier = alerts[0]?.index ?? -1;
  return documents.map((d, index) => {
    if (d === undefined) return undefined;
    if (!burst || d.kind !== 'alert') return JSON.stringify(chatNotification(d));
    return index === carrier ? JSON.stringify(burstNotification(alerts.map((a) => a.d))) : carrier;
  });
}
