import Ajv from 'ajv';
import fc from 'fast-check';
import {
  consoleEventUrl,
  MAX_MESSAGE_BYTES,
  MAX_SMS_BYTES,
  MAX_SUBJECT_CHARS,
  renderAlert,
  renderDigest,
  renderedBytes,
  shortAccount,
  toGsm7,
  toPrintableAscii,
  utf8Bytes,
} from '../../lambda/core/alert';
import { normalizeRecord } from '../../lambda/core/event';
import { TRUNCATION_MARKER } from '../../lambda/core/sanitize';
import type { Finding, JsonObject, RenderedAlert, Severity } from '../../lambda/core/types';
import alertSchema from '../../schema/alert-v1.schema.json';
import digestSchema from '../../schema/digest-v1.schema.json';

// ---------------------------------------------------------------------------------------------
// Fixtures

const EVENT_ID = 'a1b2c3d4-5678-90ab-cdef-111122223333';
const CONSOLE = `https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/${EVENT_ID}`;

function stopLoggingRecord(overrides: JsonObject = {}): JsonObject {
  return {
    eventVersion: '1.09',
    eventID: EVENT_ID,
    eventName: 'StopLogging',
    eventSource: 'cloudtrail.amazonaws.com',
    eventTime: '2024-05-01T03:12:45Z',
    eventType: 'AwsApiCall',
    awsRegion: 'us-east-1',
    recipientAccountId: '111122223333',
    sourceIPAddress: '203.0.113.9',
    userAgent: 'aws-cli/2.15.0 Python/3.11.6',
    requestParameters: { name: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main' },
    responseElements: null,
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEID:alice',
      arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice',
      accountId: '111122223333',
      accessKeyId: 'ASIAEXAMPLEKEY123',
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/Admin' },
        attributes: { mfaAuthenticated: 'false' },
      },
    },
    ...overrides,
  };
}

interface FindingMeta {
  readonly ruleId?: string;
  readonly title?: string;
  readonly severity?: Severity;
  readonly summary?: string;
}

function findingOf(record: JsonObject, meta: FindingMeta = {}): Finding {
  const parsed = normalizeRecord(record);
  if (!parsed.ok) throw new Error(`fixture does not parse: ${parsed.reason}`);
  return {
    ruleId: meta.ruleId ?? 'cloudtrail.logging-stopped',
    title: meta.title ?? 'CloudTrail logging stopped',
    severity: meta.severity ?? 'critical',
    mitre: ['TA0005:T1562.008'],
    summary: meta.summary ?? 'alice stopped trail main.',
    runbook: 'Confirm with the caller; StartLogging; review what the caller did next.',
    reference: 'https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html',
    dedupKey: 'cloudtrail.logging-stopped:main',
    event: parsed.event,
  };
}

const relatedFinding = findingOf(
  stopLoggingRecord({
    eventID: 'ffff0000-1111-2222-3333-444455556666',
    eventName: 'CreateAccessKey',
    eventSource: 'iam.amazonaws.com',
    eventTime: '2024-05-01T03:14:00Z',
  }),
  { ruleId: 'iam.access-key-created', severity: 'high', summary: 'alice created an access key for bob.' },
);

// ---------------------------------------------------------------------------------------------
// Independent checks (not the module's own code)

/** GSM 03.38 basic character set; 0x1B (escape to the extension table) deliberately left out. */
const GSM7_BASIC = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const PROTOCOLS = ['default', 'email', 'sms', 'https', 'http', 'sqs', 'lambda', 'email-json'];

function channels(alert: RenderedAlert): Record<string, string> {
  const parsed: unknown = JSON.parse(alert.message);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('message is not a JSON object');
  return parsed as Record<string, string>;
}

function channel(alert: RenderedAlert, key: string): string {
  const value = channels(alert)[key];
  if (typeof value !== 'string') throw new Error(`no ${key} rendering`);
  return value;
}

function documentOf(alert: RenderedAlert): JsonObject {
  return JSON.parse(channel(alert, 'https')) as JsonObject;
}

function expectSmsSafe(sms: string): void {
  expect(Buffer.byteLength(sms, 'utf8')).toBeLessThanOrEqual(MAX_SMS_BYTES);
  const outside = Array.from(sms).filter((ch) => !GSM7_BASIC.has(ch));
  expect(outside).toEqual([]);
}

function expectSubjectSafe(subject: string): void {
  expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_CHARS);
  expect(subject).toMatch(/^[A-Za-z][\x20-\x7e]*$/);
}

function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) allStrings(item, out);
  else if (typeof value === 'object' && value !== null)
    for (const item of Object.values(value)) allStrings(item, out);
  return out;
}

/** Our own line breaks are allowed in the text renderings; nothing else from the control range. */
function expectNoUnsafeCharacters(alert: RenderedAlert): void {
  expect(alert.subject).not.toMatch(UNSAFE);
  const rendered = channels(alert);
  for (const key of PROTOCOLS) {
    const text = rendered[key];
    if (text === undefined) throw new Error(`no ${key} rendering`);
    if (key === 'default' || key === 'email') {
      for (const line of text.split('\n')) expect(line).not.toMatch(UNSAFE);
    } else if (key === 'sms') {
      expect(text).not.toMatch(UNSAFE);
    } else {
      for (const s of allStrings(JSON.parse(text))) expect(s).not.toMatch(UNSAFE);
    }
  }
  for (const attribute of Object.values(alert.attributes)) expect(attribute.value).not.toMatch(UNSAFE);
  expect(alert.message).not.toMatch(LONE_SURROGATE);
}

const ajv = new Ajv({ allErrors: true });
const validateAlert = ajv.compile(alertSchema);
const validateDigest = ajv.compile(digestSchema);

/** Hostile text: controls, bidi overrides, zero-width, lone surrogates, emoji, RTL, markup. */
const NASTY_PIECES = [
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\r\n',
  '\t',
  '\u0085',
  '\u009b',
  '\u2028',
  '\u202e',
  '\u200b',
  '\ufeff',
  '\ud83d',
  '\udc00',
  '😀',
  '👩‍👩‍👧',
  'مرحبا',
  'שלום',
  '€',
  '[]{}\\^~|`',
  '<script>alert(1)</script>',
  '"\'',
  'éß Ω ﬁ…',
  'ａｄｍｉｎ',
];
const nastyString = fc
  .array(
    fc.oneof(
      fc.constantFrom(...NASTY_PIECES),
      fc.string({ unit: 'binary', maxLength: 24 }),
      fc.string({
        unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
        maxLength: 24,
      }),
    ),
    { maxLength: 24 },
  )
  .map((pieces) => pieces.join(''));

function hostileRecord(text: {
  name: string;
  user: string;
  ip: string;
  account: string;
  region: string;
  error: string;
}): JsonObject {
  return stopLoggingRecord({
    eventID: `${EVENT_ID}${text.name}`,
    eventName: `Stop${text.name}`,
    sourceIPAddress: text.ip,
    awsRegion: text.region,
    recipientAccountId: text.account,
    errorCode: text.error,
    errorMessage: text.error,
    userAgent: text.user,
    requestParameters: { name: text.user },
    userIdentity: { type: 'IAMUser', userName: text.user, arn: text.user, accountId: text.account },
  });
}

const hostileFields = fc.record({
  name: nastyString,
  user: nastyString,
  ip: nastyString,
  account: nastyString,
  region: nastyString,
  error: nastyString,
});

// ---------------------------------------------------------------------------------------------

describe('renderAlert for a StopLogging finding', () => {
  const finding = findingOf(stopLoggingRecord());
  const alert = renderAlert(finding, {
    related: [relatedFinding, finding],
    generatedAtMs: Date.UTC(2024, 4, 1, 3, 15),
    details: { whyItMatters: 'Without logging, what the caller does next is invisible.' },
  });

  it('says severity, rule and actor in the subject', () => {
    expect(alert.subject).toBe('CRITICAL: CloudTrail logging stopped by alice (111122223333 us-east-1)');
    expectSubjectSafe(alert.subject);
  });

  it('fits the SMS into one segment with the event reference', () => {
    const sms = channel(alert, 'sms');
    expect(sms).toBe('CRIT StopLogging by alice 203.0.113.9 acct 1111..3333 us-east-1 #a1b2c3');
    expectSmsSafe(sms);
  });

  it('renders every protocol key as a string', () => {
    const rendered = channels(alert);
    expect(Object.keys(rendered).sort()).toEqual([...PROTOCOLS].sort());
    for (const key of PROTOCOLS) expect(typeof rendered[key]).toBe('string');
  });

  it('puts every field an on-call engineer needs in the email body', () => {
    const email = channel(alert, 'email');
    const required = [
      'alice stopped trail main.',
      'Without logging, what the caller does next is invisible.',
      'Confirm with the caller; StartLogging',
      'AssumedRole',
      'arn:aws:sts::111122223333:assumed-role/Admin/alice',
      'arn:aws:iam::111122223333:role/Admin',
      'ASIAEXAMPLEKEY123',
      'MFA:                no',
      '203.0.113.9',
      'aws-cli/2.15.0 Python/3.11.6',
      'us-east-1',
      '111122223333',
      '2024-05-01 03:12:45 UTC',
      'StopLogging',
      'cloudtrail.amazonaws.com',
      '{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/main"}',
      EVENT_ID,
      CONSOLE,
      'Other findings of the same actor in this run: 1',
      'alice created an access key for bob.',
      'ffff0000-1111-2222-3333-444455556666',
    ];
    for (const text of required) expect(email).toContain(text);
    expect(email).not.toMatch(/<[a-z]/i);
  });

  it('shows the error of a failed call', () => {
    const failed = findingOf(
      stopLoggingRecord({ errorCode: 'AccessDenied', errorMessage: 'not authorized' }),
    );
    const rendered = renderAlert(failed);
    expect(channel(rendered, 'email')).toContain('Error code:         AccessDenied');
    expect(channel(rendered, 'email')).toContain('not authorized');
    expect(channel(rendered, 'sms')).toContain('ERR AccessDenied');
    expect(rendered.subject).toContain('AccessDenied');
    expect(documentOf(rendered)).toMatchObject({ event: { errorCode: 'AccessDenied' } });
  });

  it('gives the default subscriber a readable text with the event id and link', () => {
    const text = channel(alert, 'default');
    expect(text).toContain(EVENT_ID);
    expect(text).toContain(CONSOLE);
    expect(text.startsWith('CRITICAL: CloudTrail logging stopped')).toBe(true);
  });

  it('publishes a JSON document that validates against alert-v1', () => {
    const document = documentOf(alert);
    const valid = validateAlert(document);
    expect(validateAlert.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(document).toMatchObject({
      schema: 'trailwatch.alert/1',
      severity: 'critical',
      ruleId: 'cloudtrail.logging-stopped',
      eventIds: [EVENT_ID],
      relatedEventIds: ['ffff0000-1111-2222-3333-444455556666'],
      links: { console: CONSOLE },
      generatedAt: '2024-05-01T03:15:00.000Z',
      event: { time: '2024-05-01T03:12:45.000Z', region: 'us-east-1', account: '111122223333' },
      actor: {
        name: 'alice',
        sessionIssuerArn: 'arn:aws:iam::111122223333:role/Admin',
        mfaAuthenticated: false,
      },
    });
    for (const key of ['http', 'sqs', 'lambda', 'email-json'])
      expect(channel(alert, key)).toBe(channel(alert, 'https'));
  });

  it('rejects a broken document, so the schema check can fail', () => {
    const document = documentOf(alert);
    const missingActorArn = { ...document, actor: { ...(document.actor as JsonObject), arn: undefined } };
    const extraField = { ...document, surprise: 1 };
    const badSeverity = { ...document, severity: 'urgent' };
    const noEventIds = { ...document, eventIds: [] };
    for (const broken of [missingActorArn, extraField, badSeverity, noEventIds]) {
      expect(validateAlert(JSON.parse(JSON.stringify(broken)))).toBe(false);
    }
  });

  it('gives the same finding the same id, and another rule another id', () => {
    const again = documentOf(renderAlert(finding));
    const other = documentOf(renderAlert({ ...finding, ruleId: 'other.rule' }));
    expect(again.id).toBe(documentOf(alert).id);
    expect(other.id).not.toBe(again.id);
  });

  it('sets the routing attributes, with only the alerted event in eventIds', () => {
    expect(alert.attributes).toEqual({
      severity: { type: 'String', value: 'critical' },
      ruleId: { type: 'String', value: 'cloudtrail.logging-stopped' },
      eventName: { type: 'String', value: 'StopLogging' },
      account: { type: 'String', value: '111122223333' },
      region: { type: 'String', value: 'us-east-1' },
      eventIds: { type: 'String.Array', value: JSON.stringify([EVENT_ID]) },
    });
    const ids: unknown = JSON.parse(alert.attributes.eventIds?.value ?? 'null');
    expect(Array.isArray(ids)).toBe(true);
    expect(ids).toContain(EVENT_ID);
    expect(ids).not.toContain('ffff0000-1111-2222-3333-444455556666');
  });

  it('leaves generatedAt out when no time is given (the module has no clock)', () => {
    expect(documentOf(renderAlert(finding))).not.toHaveProperty('generatedAt');
  });
});

describe('renderAlert on hostile input', () => {
  it('keeps the subject short, printable ASCII and starting with a letter', () => {
    fc.assert(
      fc.property(hostileFields, (text) => {
        const finding = findingOf(hostileRecord(text), { title: text.name });
        expectSubjectSafe(renderAlert(finding).subject);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the SMS within 140 bytes of GSM-7 basic characters', () => {
    fc.assert(
      fc.property(hostileFields, (text) => {
        expectSmsSafe(channel(renderAlert(findingOf(hostileRecord(text))), 'sms'));
      }),
      { numRuns: 300 },
    );
  });

  it('lets no control, bidi or zero-width character or lone surrogate into any rendering', () => {
    fc.assert(
      fc.property(hostileFields, (text) => {
        const finding = findingOf(hostileRecord(text), { summary: text.user });
        const alert = renderAlert(finding, { related: [findingOf(hostileRecord(text), { ruleId: 'x.y' })] });
        expectNoUnsafeCharacters(alert);
        expect(validateAlert(documentOf(alert))).toBe(true);
      }),
      { numRuns: 120 },
    );
  });

  it('renders emoji, RTL and control-character actors readably', () => {
    const user = '\u202eadmin\u0000😀مرحبا\r\nFORGED: all clear';
    const alert = renderAlert(
      findingOf(hostileRecord({ name: '', user, ip: '::1', account: '1', region: 'x', error: '' })),
    );
    expectSubjectSafe(alert.subject);
    expect(alert.subject).toContain('admin ?');
    expectSmsSafe(channel(alert, 'sms'));
    // A newline in event text must not let the attacker start a line of their own.
    for (const key of ['email', 'default']) {
      for (const line of channel(alert, key).split('\n')) expect(line.startsWith('FORGED')).toBe(false);
    }
    expectNoUnsafeCharacters(alert);
  });

  it('stays under 256 KB with 1 MB request parameters and a 300 KB user agent', () => {
    const record = stopLoggingRecord({
      requestParameters: { name: 'trail', policy: 'x'.repeat(1024 * 1024) },
      userAgent: 'Mozilla/5.0 '.repeat(25_600),
    });
    const alert = renderAlert(findingOf(record));
    expect(renderedBytes(alert)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(utf8Bytes(alert.message)).toBeLessThan(MAX_MESSAGE_BYTES);
    const document = documentOf(alert);
    const event = document.event as JsonObject;
    const source = document.source as JsonObject;
    expect(String(event.requestParameters).endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(String(source.userAgent).endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(channel(alert, 'email')).toContain(TRUNCATION_MARKER);
    expect(channel(alert, 'email')).toContain(EVENT_ID);
    expect(validateAlert(document)).toBe(true);
  });

  it('shrinks every field until the publish fits when all of them are huge and escape-heavy', () => {
    // Quotes cost 4 bytes once escaped twice; emoji 4 bytes; every field at its cap would not fit.
    const heavy = '"\\😀'.repeat(100_000);
    const record = stopLoggingRecord({
      sourceIPAddress: heavy,
      userAgent: heavy,
      errorCode: heavy,
      errorMessage: heavy,
      awsRegion: heavy,
      requestParameters: { a: heavy },
      userIdentity: {
        type: heavy,
        userName: heavy,
        arn: heavy,
        accountId: heavy,
        accessKeyId: heavy,
        invokedBy: heavy,
        sessionContext: { sessionIssuer: { arn: heavy } },
      },
    });
    const finding: Finding = {
      ...findingOf(record),
      title: heavy,
      summary: heavy,
      runbook: heavy,
      reference: heavy,
      dedupKey: heavy,
    };
    const related = Array.from({ length: 3000 }, (_, i) =>
      findingOf(stopLoggingRecord({ eventID: `rel-${i}-${heavy.slice(0, 400)}` }), { summary: heavy }),
    );
    const alert = renderAlert(finding, { related, details: { whyItMatters: heavy, description: heavy } });
    expect(renderedBytes(alert)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(channel(alert, 'email')).toMatch(/and \d+ more/);
    expect(validateAlert(documentOf(alert))).toBe(true);
    expectSubjectSafe(alert.subject);
    expectSmsSafe(channel(alert, 'sms'));
  });

  it("renders 'unknown' for missing identity, source IP, region and account without throwing", () => {
    const record = stopLoggingRecord();
    for (const key of [
      'userIdentity',
      'sourceIPAddress',
      'awsRegion',
      'recipientAccountId',
      'userAgent',
      'eventTime',
    ]) {
      delete record[key];
    }
    const alert = renderAlert(findingOf(record));
    const email = channel(alert, 'email');
    expect(email).toContain('User / session:     unknown');
    expect(email).toContain('Source IP:          unknown');
    expect(email).toContain('Event time:         unknown');
    expect(channel(alert, 'sms')).toBe('CRIT StopLogging by unknown unknown acct unknown unknown #a1b2c3');
    expect(alert.subject).toBe('CRITICAL: CloudTrail logging stopped by unknown (unknown unknown)');
    for (const attribute of Object.values(alert.attributes)) expect(attribute.value).not.toBe('');
    expect(alert.attributes.region?.value).toBe('unknown');
    const document = documentOf(alert);
    expect(validateAlert(document)).toBe(true);
    expect(document.source).toEqual({ ipAddress: '', userAgent: '' });
    // No region to trust: the link uses the global console host.
    expect(document.links).toEqual({
      console: `https://console.aws.amazon.com/cloudtrailv2/home#/events/${EVENT_ID}`,
    });
  });
});

describe('helpers', () => {
  it('builds a console link that encodes the event id and never lets the region pick the host', () => {
    expect(consoleEventUrl('eu-west-1', 'a b/c#d')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/a%20b%2Fc%23d',
    );
    expect(consoleEventUrl('evil.example/x?', 'id')).toBe(
      'https://console.aws.amazon.com/cloudtrailv2/home#/events/id',
    );
    expect(consoleEventUrl('us-gov-west-1', 'id')).toContain('https://us-gov-west-1.console.aws.amazon.com/');
    expect(() => consoleEventUrl('us-east-1', '\ud800')).not.toThrow();
  });

  it('shortens account ids', () => {
    expect(shortAccount('111122223333')).toBe('1111..3333');
    expect(shortAccount('12345')).toBe('12345');
    expect(shortAccount('')).toBe('unknown');
  });

  it('transliterates to GSM-7 and ASCII', () => {
    expect(toGsm7('Zoë’s “café” [x] {y} a|b ~ ^ ` € ß')).toBe(`Zoe's "cafe" (x) (y) a/b - ' ' EUR ss`);
    expect(toGsm7('😀😀 مرحبا\u0000\u202eok')).toBe('? ? ok');
    expect(toPrintableAscii('[ok] ｆｕｌｌ ﬁ…')).toBe('[ok] full fi...');
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(utf8Bytes('a')).toBe(1);
    expect(utf8Bytes('é')).toBe(2);
    expect(utf8Bytes('😀')).toBe(4);
  });
});

describe('renderDigest', () => {
  const severities: Severity[] = ['medium', 'critical', 'low', 'high', 'critical'];
  const findings = severities.map((severity, i) =>
    findingOf(
      stopLoggingRecord({
        eventID: `evt-${i}`,
        eventName: `Call${i}`,
        eventTime: `2024-05-01T03:1${i}:00Z`,
        userIdentity: { type: 'IAMUser', userName: `user${i}`, accountId: '111122223333' },
      }),
      { severity, ruleId: `rule.r${i}` },
    ),
  );
  const digest = renderDigest(findings, { generatedAtMs: Date.UTC(2024, 4, 1, 4) });

  it('says when the findings repeat an alert already sent, and for which window', () => {
    const repeats = renderDigest(findings.slice(0, 3), {
      repeatsOf: {
        leadAlertKey: 'evt-lead#rule.r0',
        windowStartMs: Date.UTC(2024, 4, 1, 3),
        windowEndMs: Date.UTC(2024, 4, 1, 4),
      },
    });
    expect(repeats.subject).toMatch(/^CRITICAL: 3 repeats of an alert sent \(/);
    expectSubjectSafe(repeats.subject);
    expect(channel(repeats, 'sms')).toMatch(/^CRIT 3 repeats: /);
    expectSmsSafe(channel(repeats, 'sms'));
    expect(channel(repeats, 'email')).toContain('alerted on its own (evt-lead#rule.r0)');
    const document = documentOf(repeats);
    expect(validateDigest(document)).toBe(true);
    expect(document.repeatsOf).toEqual({
      alert: 'evt-lead#rule.r0',
      windowStart: '2024-05-01T03:00:00.000Z',
      windowEnd: '2024-05-01T04:00:00.000Z',
    });
    expect(JSON.parse(repeats.attributes.eventIds?.value ?? '[]')).toHaveLength(3);
  });

  it('counts the findings by severity', () => {
    expect(digest.subject).toMatch(/^CRITICAL: 5 findings \(2 critical, 1 high, 1 medium, 1 low\)/);
    expect(channel(digest, 'sms')).toMatch(/^CRIT 5 alerts: 2 CRIT 1 HIGH 1 MED 1 LOW\. /);
    expect(documentOf(digest)).toMatchObject({
      count: 5,
      countsBySeverity: { critical: 2, high: 1, medium: 1, low: 1, info: 0 },
    });
  });

  it('lists the highest severity first, oldest first within a severity', () => {
    const order = ['evt-1', 'evt-4', 'evt-3', 'evt-0', 'evt-2'];
    expect(documentOf(digest).eventIds).toEqual(order);
    expect(channel(digest, 'sms')).toContain('Call1 by user1; Call4 by user4; Call3 by user3');
    const email = channel(digest, 'email');
    const positions = order.map((id) => email.indexOf(`event id ${id} `));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expectSubjectSafe(digest.subject);
    expectSmsSafe(channel(digest, 'sms'));
  });

  it('sets the attributes: highest severity, ruleId digest, every event id', () => {
    expect(digest.attributes.severity?.value).toBe('critical');
    expect(digest.attributes.ruleId?.value).toBe('digest');
    expect(digest.attributes.eventName?.value).toBe('multiple');
    expect(digest.attributes.account?.value).toBe('111122223333');
    expect(JSON.parse(digest.attributes.eventIds?.value ?? '[]')).toEqual([
      'evt-1',
      'evt-4',
      'evt-3',
      'evt-0',
      'evt-2',
    ]);
  });

  it('publishes a document that validates against digest-v1, and a broken one does not', () => {
    const document = documentOf(digest);
    expect(validateDigest(document)).toBe(true);
    expect(document).toMatchObject({ schema: 'trailwatch.digest/1', findingsOmitted: 0, eventIdsOmitted: 0 });
    expect(validateDigest({ ...document, count: 0 })).toBe(false);
    expect(validateDigest({ ...document, schema: 'trailwatch.alert/1' })).toBe(false);
  });

  it('gets the same id whatever order the findings arrive in', () => {
    expect(documentOf(renderDigest([...findings].reverse())).id).toBe(documentOf(digest).id);
  });

  it('stays under 256 KB with 5,000 findings and says how many it left out', () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      findingOf(
        stopLoggingRecord({
          eventID: `bulk-${String(i).padStart(5, '0')}-7c9e6679-7425-40de-944b`,
          userAgent: '😀'.repeat(2000),
        }),
        { severity: i % 7 === 0 ? 'critical' : 'medium', summary: `bulk finding ${i} ${'"'.repeat(300)}` },
      ),
    );
    const big = renderDigest(many);
    expect(renderedBytes(big)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const document = documentOf(big);
    expect(validateDigest(document)).toBe(true);
    const ids = document.eventIds as string[];
    expect(ids.length).toBeGreaterThan(100);
    expect(ids.length + Number(document.eventIdsOmitted)).toBe(5000);
    expect(JSON.parse(big.attributes.eventIds?.value ?? '[]')).toEqual(ids);
    expect(document.count).toBe(5000);
    const email = channel(big, 'email');
    const match = /and (\d+) more/.exec(email);
    expect(match).not.toBeNull();
    const listed = (email.match(/^\d+\. /gm) ?? []).length;
    expect(listed).toBeGreaterThan(0);
    expect(listed + Number(match?.[1])).toBe(5000);
    // Critical findings come first even though they were spread through the input.
    expect(email.match(/^1\. (\w+)/m)?.[1]).toBe('CRITICAL');
    expectSubjectSafe(big.subject);
    expectSmsSafe(channel(big, 'sms'));
    expectNoUnsafeCharacters(big);
  });

  it('refuses an empty list', () => {
    expect(() => renderDigest([])).toThrow(/at least one finding/);
  });
});

describe('the account named in organization mode', () => {
  const label = { id: '111122223333', name: 'payments-prod\u202e<b>', ouPath: 'Root/Workloads/Payments' };

  it("prints the account's name and OU path beside its id, sanitised, in text, email and the document", () => {
    const alert = renderAlert(findingOf(stopLoggingRecord()), { account: label });
    expect(channel(alert, 'default')).toMatch(
      /Where: account 111122223333 \(payments-prod.*, Root\/Workloads\/Payments\)/,
    );
    expect(channel(alert, 'email')).toMatch(/Account\s*:?\s*111122223333 \(payments-prod/);
    expect(channel(alert, 'default')).not.toContain('\u202e');
    const document = documentOf(alert) as { event: JsonObject };
    expect(document.event).toMatchObject({ account: '111122223333', ouPath: 'Root/Workloads/Payments' });
    expect(String(document.event.accountName)).toMatch(/^payments-prod/);
    expect(String(document.event.accountName)).not.toContain('\u202e');
    expect(validateAlert(document)).toBe(true);
  });

  it('labels only an event recorded for that account, and nothing outside organization mode', () => {
    const other = renderAlert(findingOf(stopLoggingRecord({ recipientAccountId: '444455556666' })), {
      account: label,
    });
    expect(channel(other, 'default')).toContain('Where: account 444455556666, region');
    expect((documentOf(other) as { event: JsonObject }).event.accountName).toBeUndefined();
    const plain = renderAlert(findingOf(stopLoggingRecord()));
    expect(channel(plain, 'default')).toContain('Where: account 111122223333, region');
  });
});
