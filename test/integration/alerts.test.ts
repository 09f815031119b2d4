// What subscribers receive: the real handler publishes through the real SNS client, and the
// local SNS server hands each protocol the rendering it would deliver.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { MAX_SMS_BYTES, MAX_SUBJECT_CHARS } from '../../lambda/core/alert';
import { createRecordFactory } from '../../local/cloudtrail';
import { type DetectorHarness, HOME, MINUTE, startDetectorHarness } from '../support/detector-harness';

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const schema = JSON.parse(readFileSync(join(__dirname, '../../schema/alert-v1.schema.json'), 'utf8'));
const digestSchema = JSON.parse(readFileSync(join(__dirname, '../../schema/digest-v1.schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true });
const validAlert = ajv.compile(schema);
const validDigest = ajv.compile(digestSchema);

let h: DetectorHarness;
const makeRecord = createRecordFactory(11);
beforeAll(async () => {
  h = await startDetectorHarness();
});
afterAll(() => h.close());

/** A StopLogging whose attacker-chosen fields are as hostile as CloudTrail lets them be. */
function hostileStopLogging(timeMs: number) {
  return makeRecord({
    eventName: 'StopLogging',
    eventSource: 'cloudtrail.amazonaws.com',
    eventTime: new Date(timeMs).toISOString(),
    awsRegion: HOME,
    readOnly: false,
    userName: 'mal\u001b[31mlory\u202e\u0000',
    userAgent: `curl/8.0 ${'\u200b'.repeat(10)}\r\nX-Injected: yes ${'A'.repeat(300_000)}`,
    requestParameters: { name: `trail-${'😈'.repeat(5000)}`, blob: 'x'.repeat(500_000) },
  });
}

describe('alerts as each subscriber receives them', () => {
  beforeEach(() => h.reset());

  it('gives SMS, email and HTTPS subscribers each a fitting, safe message', async () => {
    const record = hostileStopLogging(h.t0 - 5 * MINUTE);
    h.cloudtrail.addEvent(HOME, record);

    await h.tick(h.t0);

    expect(h.sns.published).toHaveLength(1);
    const [message] = h.sns.published;
    const sms = h.sns.deliveries('sms')[0]!;
    expect(Buffer.byteLength(sms.body, 'utf8')).toBeLessThanOrEqual(MAX_SMS_BYTES);
    expect([...sms.body].every((c) => GSM7_BASIC.includes(c))).toBe(true);
    expect(sms.body).toMatch(/^CRIT StopLogging/);

    const email = h.sns.deliveries('email')[0]!;
    expect(email.subject!.length).toBeLessThanOrEqual(MAX_SUBJECT_CHARS);
    expect(email.subject).toMatch(/^[A-Za-z][\x20-\x7e]*$/);
    expect(email.body).toContain(record.eventID);
    expect(email.body).toContain(`#/events/${record.eventID}`);
    expect(email.body).toContain('…[truncated]');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion is about control characters.
    expect(email.body.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f\u202e\u200b]/);
    expect(email.body).not.toContain('\nX-Injected');

    const doc = JSON.parse(h.sns.deliveries('https')[0]!.body);
    expect(validAlert(doc)).toBe(true);
    expect(doc).toMatchObject({
      schema: 'trailwatch.alert/1',
      severity: 'critical',
      eventIds: [record.eventID],
    });

    expect(Object.fromEntries(Object.entries(message!.attributes).map(([k, v]) => [k, v.value]))).toEqual({
      severity: 'critical',
      ruleId: 'cloudtrail.logging-stopped',
      eventName: 'StopLogging',
      account: record.recipientAccountId,
      region: HOME,
      eventIds: JSON.stringify([record.eventID]),
    });
  });

  it('turns a burst into individual alerts up to the budget and one digest for the rest', async () => {
    // The same actor stops logging seven times: with folding off, the budget is what limits the burst.
    await h.reset({ TRAILWATCH_MAX_ALERTS_PER_RUN: '2', TRAILWATCH_REPEAT_WINDOW_MINUTES: '0' });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const record = hostileStopLogging(h.t0 - 10 * MINUTE + i * 1000);
      ids.push(record.eventID);
      h.cloudtrail.addEvent(HOME, record);
    }

    const summary = await h.tick(h.t0);

    expect(summary).toMatchObject({ alertsSent: 7, digestsSent: 1 });
    expect(h.sns.published).toHaveLength(3);
    const digest = h.sns.published[2]!;
    const digestIds = JSON.parse(digest.attributes.eventIds!.value) as string[];
    const individualIds = h.sns.published
      .slice(0, 2)
      .flatMap((m) => JSON.parse(m.attributes.eventIds!.value));
    expect([...individualIds, ...digestIds].sort()).toEqual([...ids].sort());
    expect(validDigest(JSON.parse(h.sns.deliveries('https')[2]!.body))).toBe(true);
    expect(Buffer.byteLength(h.sns.deliveries('sms')[2]!.body, 'utf8')).toBeLessThanOrEqual(MAX_SMS_BYTES);

    // Nothing of the burst comes again in the next, overlapping window.
    await h.tick(h.t0 + 5 * MINUTE);
    expect(h.sns.published).toHaveLength(3);
  });

  it('folds repeats of one finding into one safe summary, sent once at the first run after the window', async () => {
    const HOUR = 60 * MINUTE;
    // Four in one fixed hour, all within the first run's lookback (60 minutes).
    const windowStart = Math.floor((h.t0 - 30 * MINUTE) / HOUR) * HOUR;
    const from = Math.max(windowStart, h.t0 - 60 * MINUTE);
    const records = [0, 1, 2, 3].map((i) => hostileStopLogging(from + i * 60_000));
    for (const record of records) h.cloudtrail.addEvent(HOME, record);

    const first = await h.tick(h.t0);
    expect(first).toMatchObject({ alertsSent: 1, alertsFolded: 3 });
    expect(JSON.parse(h.sns.published[0]!.attributes.eventIds!.value)).toEqual([records[0]!.eventID]);

    // The summary goes out on the first run at or after the window's end.
    const due = windowStart + HOUR;
    let t = h.t0;
    while (t + 5 * MINUTE < due) {
      t += 5 * MINUTE;
      await h.tick(t);
    }
    expect(h.sns.published).toHaveLength(1);
    await h.tick(t + 5 * MINUTE);
    expect(h.sns.published).toHaveLength(2);
    const summary = h.sns.published[1]!;
    expect(JSON.parse(summary.attributes.eventIds!.value).sort()).toEqual(
      records
        .slice(1)
        .map((r) => r.eventID)
        .sort(),
    );
    const doc = JSON.parse(h.sns.deliveries('https')[1]!.body);
    expect(validDigest(doc)).toBe(true);
    expect(doc.repeatsOf).toMatchObject({ alert: `${records[0]!.eventID}#cloudtrail.logging-stopped` });
    const sms = h.sns.deliveries('sms')[1]!.body;
    expect(Buffer.byteLength(sms, 'utf8')).toBeLessThanOrEqual(MAX_SMS_BYTES);
    expect(sms).toMatch(/^CRIT 3 repeats: /);
    const email = h.sns.deliveries('email')[1]!;
    expect(email.subject!.length).toBeLessThanOrEqual(MAX_SUBJECT_CHARS);
    expect(email.subject).toMatch(/^[A-Za-z][\x20-\x7e]*$/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion is about control characters.
    expect(email.body.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f\u202e\u200b]/);

    for (let later = t + 10 * MINUTE; later <= t + 30 * MINUTE; later += 5 * MINUTE) await h.tick(later);
    expect(h.sns.published).toHaveLength(2);
  });
});
