// The chat output's pure part: an AWS Chatbot custom notification per alert or digest, with every
// event-chosen string unable to become Slack or Teams markup, a mention or a link.
import { renderAlert, renderDigest } from '../../lambda/core/alert';
import {
  burstNotification,
  CHAT_BURST,
  CHAT_LIMITS,
  type ChatNotification,
  chatLink,
  chatMessages,
  chatNotification,
  chatText,
  ruleIdText,
} from '../../lambda/core/outputs/chat';
import { type AlertDocument, parseDocument } from '../../lambda/core/outputs/document';
import type { RenderedAlert } from '../../lambda/core/types';
import { hostileStopLogging } from '../support/hostile';
import { documentOf, stopLoggingFinding as finding } from '../support/output-fixtures';

const ACCOUNT = '111122223333';
const CONSOLE = 'https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/ev-1';

function notify(rendered: RenderedAlert): ChatNotification {
  return chatNotification(parseDocument(documentOf(rendered)));
}

/** Every string in the notification, as a chat client would receive them. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** Our own console links removed: what is left came through `chatText`. */
function withoutConsoleLinks(text: string): string {
  return text.replace(/https:\/\/([a-z0-9-]+\.)?console\.aws\.amazon\.com\/cloudtrailv2\/\S*/g, '');
}

describe('the custom notification for an alert', () => {
  const n = notify(
    renderAlert(finding('ev-1'), { account: { id: ACCOUNT, name: 'Payments', ouPath: 'Root/Workloads' } }),
  );

  it('follows the Chatbot custom notification schema', () => {
    expect(Object.keys(n).sort()).toEqual(['content', 'id', 'metadata', 'source', 'version']);
    expect(n.version).toBe('1.0');
    expect(n.source).toBe('custom');
    expect(Object.keys(n.content).sort()).toEqual([
      'description',
      'keywords',
      'nextSteps',
      'textType',
      'title',
    ]);
    expect(n.content.textType).toBe('client-markdown');
    expect(Object.keys(n.metadata).sort()).toEqual([
      'additionalContext',
      'eventType',
      'relatedResources',
      'summary',
      'threadId',
    ]);
    for (const value of Object.values(n.metadata.additionalContext)) expect(typeof value).toBe('string');
  });

  it('titles the severity and rule, and describes actor, account, region, source, event and time', () => {
    expect(n.content.title).toMatch(/CRITICAL: CloudTrail logging stopped$/);
    const lines = n.content.description.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'Actor: alice (IAMUser)',
        `Account: ${ACCOUNT} (Payments, Root/Workloads)`,
        'Region: us-east-1',
        'Source: 203.0.113.9',
        'Event: StopLogging at 2026-03-01 10:00:00 UTC',
        'Event id: ev-1',
        `Console: ${CONSOLE}`,
      ]),
    );
  });

  it('turns the runbook into next steps, ending with the console link', () => {
    expect(n.content.nextSteps).toEqual([
      'Confirm with the caller',
      'StartLogging',
      'review what the caller did next.',
      `Open the event in the CloudTrail console: ${CONSOLE}`,
    ]);
  });

  it('threads by alert id and names the actor among the related resources', () => {
    const doc = parseDocument(documentOf(renderAlert(finding('ev-1'))));
    expect(n.id).toBe(doc.id);
    expect(n.metadata.threadId).toBe(`trailwatch-${doc.id}`);
    expect(n.metadata.eventType).toBe('trailwatch-alert');
    expect(n.metadata.relatedResources).toEqual([`arn:aws:iam::${ACCOUNT}:user/alice`]);
    expect(n.content.keywords).toContain('CRITICAL');
  });
});

describe('hostile text', () => {
  const attack =
    '<!channel> <!here> @channel @here @everyone <@U012AB3CD> <at>Boss</at> *bold* _italic_ ~strike~ `code` ```block``` ' +
    '[click me](https://evil.example/phish) <https://evil.example|Open console> &lt;!channel&gt; www.evil.example evil.com';
  const hostile = finding(
    'ev-1',
    {
      sourceIPAddress: `${attack}\n\n*Actor:* root`,
      userAgent: attack,
      awsRegion: `us-east-1\r\n> quoted ${attack}`,
      userIdentity: {
        type: `IAMUser\n# Heading`,
        userName: `mallory\n\nConsole: https://evil.example ${attack}\u0000\u001b[2J\u202e`,
        arn: `arn:aws:iam::${ACCOUNT}:user/${attack}`,
        accountId: ACCOUNT,
      },
    },
    { summary: `mallory stopped trail ${attack}` },
  );
  const n = notify(renderAlert(hostile));
  const text = strings(n).map(withoutConsoleLinks);

  it('leaves no character chat markdown reads as markup or a mention', () => {
    for (const value of text) expect(value).not.toMatch(/[<>&`*_~[\]@|]/);
  });

  it('leaves no link, scheme or domain to auto-link', () => {
    for (const value of text) {
      expect(value).not.toContain('://');
      expect(value).not.toMatch(/evil\.(example|com)/);
      expect(value).not.toMatch(/www\./);
    }
  });

  it('keeps hostile line breaks out: each field stays on its own line', () => {
    const plain = notify(renderAlert(finding('ev-1')));
    expect(n.content.description.split('\n')).toHaveLength(plain.content.description.split('\n').length);
    for (const line of n.content.description.split('\n')) {
      expect(line).toMatch(/^(mallory|Actor|ARN|Account|Region|Source|Event|Rule|Console)/);
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
    for (const value of strings(n)) expect(value).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
  });

  it('keeps the real console link a link, and the only one', () => {
    const all = JSON.stringify(n);
    const links = all.match(/https:\/\/[^\s"]+/g) ?? [];
    // The hostile region is not a region: the link falls back to the global console host.
    expect(new Set(links)).toEqual(
      new Set(['https://console.aws.amazon.com/cloudtrailv2/home#/events/ev-1']),
    );
  });

  it('stays within the chat limits even for the costliest event', () => {
    const worst = notify(renderAlert(hostileStopLogging('evil-2', Date.parse('2026-03-01T10:00:00Z'))));
    expect([...worst.content.title].length).toBeLessThanOrEqual(CHAT_LIMITS.title);
    expect(worst.content.description.length).toBeLessThanOrEqual(CHAT_LIMITS.description);
    expect(worst.content.nextSteps.length).toBeLessThanOrEqual(CHAT_LIMITS.nextSteps);
    for (const step of worst.content.nextSteps)
      expect(step.length).toBeLessThanOrEqual(CHAT_LIMITS.nextStep + 200);
    expect(worst.content.keywords.length).toBeLessThanOrEqual(CHAT_LIMITS.keywords);
    for (const keyword of worst.content.keywords)
      expect(keyword.length).toBeLessThanOrEqual(CHAT_LIMITS.keyword);
    expect(worst.metadata.summary.length).toBeLessThanOrEqual(CHAT_LIMITS.summary);
    for (const value of Object.values(worst.metadata.additionalContext)) {
      expect(value.length).toBeLessThanOrEqual(CHAT_LIMITS.context);
    }
    const bytes = Buffer.byteLength(
      chatMessages([parseDocument(documentOf(renderAlert(hostileStopLogging('evil-3', 0))))])[0] as string,
    );
    expect(bytes).toBeLessThan(32 * 1024);
  });
});

describe('chatText and chatLink', () => {
  it('replaces markup with look-alikes that read the same', () => {
    expect(chatText('<!channel> @here *a* _b_ ~c~ `d` [e](f) x|y &amp;', 200)).toBe(
      '\u2039!channel\u203a \uff20here \u2217a\u2217 \uff3fb\uff3f \u223cc\u223c \u02cbd\u02cb \uff3be\uff3d(f) x\u2223y \uff06amp;',
    );
  });

  it('defangs schemes and domains but leaves versions, addresses and ARNs readable', () => {
    expect(chatText('see https://evil.example/a and www.x.io', 200)).toBe(
      'see https:\u2215\u2215evil\u2024example/a and www\u2024x\u2024io',
    );
    expect(chatText('aws-cli/2.15.0 Python/3.11.6 from 203.0.113.9', 200)).toBe(
      'aws-cli/2.15.0 Python/3.11.6 from 203.0.113.9',
    );
    expect(chatText(`arn:aws:iam::${ACCOUNT}:role/Admin`, 200)).toBe(`arn:aws:iam::${ACCOUNT}:role/Admin`);
  });

  it('clips to the limit with a visible ellipsis and flattens line breaks', () => {
    expect(chatText('a\nb\r\nc', 20)).toBe('a b c');
    const long = chatText('x'.repeat(500), 40);
    expect(long).toHaveLength(40);
    expect(long.endsWith('…')).toBe(true);
  });

  it('keeps only console links, with markup characters percent-encoded', () => {
    expect(chatLink('https://evil.example/cloudtrailv2/')).toBe('');
    expect(chatLink("https://console.aws.amazon.com/cloudtrailv2/home#/events/a_b*c~d(e)!'")).toBe(
      'https://console.aws.amazon.com/cloudtrailv2/home#/events/a%5Fb%2Ac%7Ed%28e%29%21%27',
    );
  });
});

describe('the custom notification for a digest', () => {
  const many = Array.from({ length: 9 }, (_, i) =>
    finding(`d-${i}`, {}, { severity: i === 4 ? 'high' : 'medium', title: `Rule ${i}` }),
  );

  it('lists the first five findings, the most severe first, and counts the rest', () => {
    const n = notify(renderDigest(many));
    const bullets = n.content.description.split('\n').filter((line) => line.startsWith('\u2022'));
    expect(bullets).toHaveLength(CHAT_LIMITS.digestListed);
    expect(bullets[0]).toMatch(
      /^\u2022 HIGH StopLogging by alice from 203\.0\.113\.9 in 111122223333 us-east-1/,
    );
    expect(n.content.description).toContain('and 4 more');
    expect(n.content.description).toContain('9 findings in one run (1 high, 8 medium)');
    expect(n.content.title).toMatch(/HIGH: trailwatch digest, 9 findings$/);
    expect(n.metadata.eventType).toBe('trailwatch-digest');
  });

  it('threads a repeat summary under the alert it repeats', () => {
    const lead = finding('lead-1');
    const alert = notify(renderAlert(lead));
    const summary = notify(
      renderDigest([finding('rep-1'), finding('rep-2')], {
        repeatsOf: {
          leadAlertKey: 'lead-1#cloudtrail.logging-stopped',
          windowStartMs: Date.parse('2026-03-01T10:00:00Z'),
          windowEndMs: Date.parse('2026-03-01T11:00:00Z'),
        },
      }),
    );
    expect(summary.metadata.threadId).toBe(alert.metadata.threadId);
    expect(summary.metadata.eventType).toBe('trailwatch-repeats');
    expect(summary.content.title).toMatch(/CRITICAL: 2 repeats of CloudTrail logging stopped$/);
    expect(summary.content.description).toContain(
      'They repeat alert lead-1#cloudtrail\u2024logging-stopped between 2026-03-01 10:00:00 UTC and 2026-03-01 11:00:00 UTC.',
    );
  });

  it('neutralises hostile text in the listed findings too', () => {
    const n = notify(
      renderDigest([
        finding('h-1', {
          userIdentity: {
            type: 'IAMUser',
            userName: '<!channel> [x](https://evil.example)',
            accountId: ACCOUNT,
          },
        }),
        finding('h-2'),
      ]),
    );
    for (const value of strings(n).map(withoutConsoleLinks)) {
      expect(value).not.toMatch(/[<>&`*_~[\]@|]/);
      expect(value).not.toContain('://');
    }
  });
});

describe('rule ids in chat', () => {
  it('keeps a catalogue rule id as it is, so it can be copied into a suppression, and neutralises any other', () => {
    expect(ruleIdText('cloudtrail.logging-stopped')).toBe('cloudtrail.logging-stopped');
    expect(ruleIdText('<!channel> see evil.example')).not.toMatch(/[<>]|evil\.example/);
    expect(ruleIdText('a'.repeat(200))).not.toBe('a'.repeat(200));
  });
});

describe('a burst of alerts in one notification', () => {
  it('carries a send of more than CHAT_BURST alerts in the first one, and sends a summary or an unreadable item apart', () => {
    const alert = (id: string) => parseDocument(documentOf(renderAlert(hostileStopLogging(id, 0))));
    const summary = parseDocument(
      documentOf(
        renderDigest([hostileStopLogging('rep-1', 0)], {
          repeatsOf: {
            leadAlertKey: 'lead#cloudtrail.logging-stopped',
            windowStartMs: 0,
            windowEndMs: 3_600_000,
          },
        }),
      ),
    );
    const few = chatMessages([alert('f1'), alert('f2'), alert('f3')]);
    expect(few.every((m) => typeof m === 'string')).toBe(true);
    const many = chatMessages([undefined, alert('b1'), summary, alert('b2'), alert('b3'), alert('b4')]);
    expect(many[0]).toBeUndefined();
    expect(JSON.parse(many[1] as string).metadata.additionalContext.count).toBe('4');
    expect(JSON.parse(many[2] as string).metadata.eventType).toBe('trailwatch-repeats');
    expect([many[3], many[4], many[5]]).toEqual([1, 1, 1]);
  });

  it('lists the most severe first, counts them all, and keeps the hostile text inert', () => {
    const high = { ...hostileStopLogging('burst-high', 0), severity: 'high' as const };
    const docs = [high, hostileStopLogging('burst-crit', 0)].map(
      (f) => parseDocument(documentOf(renderAlert(f))) as AlertDocument,
    );
    const n = burstNotification([...docs, ...docs.map((d) => ({ ...d, id: `${d.id}x` }))]);
    expect(n.metadata).toMatchObject({ eventType: 'trailwatch-digest', additionalContext: { count: '4' } });
    expect(n.content.title).toMatch(/CRITICAL/);
    expect(n.content.description.indexOf('burst-crit')).toBeLessThan(
      n.content.description.indexOf('burst-high'),
    );
    expect(JSON.stringify(n)).not.toMatch(/<!channel>|<@|\]\(http/);
    expect(CHAT_BURST).toBe(3);
  });
});
