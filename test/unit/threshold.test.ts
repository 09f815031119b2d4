import { countInMemory, MemoryStateStore } from '../../lambda/adapters/memory-state';
import { normalizeRecord } from '../../lambda/core/event';
import { MITRE_PATTERN, RULE_ID_PATTERN } from '../../lambda/core/rule';
import { emptyPage, settlePage } from '../../lambda/core/run';
import {
  bucketStart,
  defineThresholdRule,
  MAX_MEMBERS_PER_EVENT,
  ThresholdEngine,
} from '../../lambda/core/threshold';
import { isSeverity, type JsonObject } from '../../lambda/core/types';
import { RULES } from '../../lambda/rules';
import { THRESHOLD_RULES } from '../../lambda/rules/thresholds';

const T0 = Date.parse('2026-11-27T12:00:00Z');
const MIN = 60_000;

function event(id: string, overrides: JsonObject = {}, timeMs = T0 + MIN) {
  const result = normalizeRecord({
    eventID: id,
    eventName: 'ConsoleLogin',
    eventSource: 'signin.amazonaws.com',
    eventTime: new Date(timeMs).toISOString(),
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.9',
    recipientAccountId: '111122223333',
    userIdentity: { type: 'IAMUser', userName: 'alice', arn: 'arn:aws:iam::111122223333:user/alice' },
    responseElements: { ConsoleLogin: 'Failure' },
    errorMessage: 'Failed authentication',
    ...overrides,
  });
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

const deniedFields: JsonObject = {
  eventName: 'ListBuckets',
  eventSource: 's3.amazonaws.com',
  errorCode: 'AccessDenied',
  responseElements: null,
  userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/ci/bot' },
};

const denied = (id: string, name = 'ListBuckets', code = 'AccessDenied', timeMs = T0 + MIN) =>
  event(id, { ...deniedFields, eventName: name, errorCode: code }, timeMs);

const engine = new ThresholdEngine(THRESHOLD_RULES);
const ruleIds = (e: ReturnType<typeof event>) => engine.candidates(e).hits.map((h) => h.rule.id);

describe('threshold rule matching', () => {
  it('counts a failed console sign-in per source IP and per user name', () => {
    const { hits } = engine.candidates(event('f1'));
    expect(hits.map((h) => h.counter.key).sort()).toEqual([
      'signin.failed-console-logins-per-user|111122223333|alice',
      'signin.failed-console-logins|111122223333|203.0.113.9',
    ]);
    for (const hit of hits)
      expect(hit.counter).toMatchObject({ bucketStartMs: T0, bucketEndMs: T0 + 15 * MIN });
  });

  it('does not count a successful sign-in, nor a same-named call of another service', () => {
    expect(
      ruleIds(event('ok', { responseElements: { ConsoleLogin: 'Success' }, errorMessage: null })),
    ).toEqual([]);
    expect(ruleIds(event('other', { eventSource: 'example.amazonaws.com' }))).toEqual([]);
  });

  it('counts refused calls of any event name per principal, at both levels', () => {
    for (const [name, code] of [
      ['ListBuckets', 'AccessDenied'],
      ['DescribeInstances', 'Client.UnauthorizedOperation'],
      ['GetSecretValue', 'AccessDeniedException'],
    ] as const) {
      const { hits } = engine.candidates(denied(`d-${name}`, name, code));
      expect(hits.map((h) => [h.rule.id, h.counter.key, h.counter.limit])).toEqual([
        // A role session recorded without its issuer counts for the role its ARN names.
        [
          'iam.access-denied-burst',
          'iam.access-denied-burst|111122223333|arn:aws:iam::111122223333:role/ci',
          10,
        ],
        [
          'iam.access-denied-flood',
          'iam.access-denied-flood|111122223333|arn:aws:iam::111122223333:role/ci',
          50,
        ],
      ]);
    }
    expect(ruleIds(denied('n1', 'ListBuckets', 'NoSuchBucket'))).toEqual([]);
    expect(ruleIds(denied('n2', 'ListBuckets', ''))).toEqual([]);
  });

  it('counts the same principal separately in each account it acts in', () => {
    const here = engine.candidates(denied('a1')).hits.map((h) => h.counter.key);
    const there = engine
      .candidates(event('a2', { ...deniedFields, recipientAccountId: '444455556666' }))
      .hits.map((h) => h.counter.key);
    expect(here).toHaveLength(2);
    expect(there).toHaveLength(2);
    for (const key of there) expect(here).not.toContain(key);
  });

  it('asks for parsing only events it could count', () => {
    const thresholds = new ThresholdEngine(THRESHOLD_RULES);
    expect(thresholds.watches('ConsoleLogin', '{}')).toBe(true);
    expect(thresholds.watches('DescribeInstances', '{"errorCode":"UnauthorizedOperation"}')).toBe(true);
    expect(thresholds.watches('DescribeInstances', '{"eventName":"DescribeInstances"}')).toBe(false);
    expect(thresholds.watches(undefined, '{}')).toBe(true);
  });

  it('counts secret values read in clear, per principal (a role whatever its session), not by services', () => {
    const role = {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::111122223333:assumed-role/deploy/session-7',
      principalId: 'AROAEXAMPLE:session-7',
      sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/deploy' } },
    };
    const read = (id: string, overrides: JsonObject) =>
      event(id, {
        eventName: 'GetSecretValue',
        eventSource: 'secretsmanager.amazonaws.com',
        userIdentity: role,
        ...overrides,
      });
    const counted = (e: ReturnType<typeof event>) =>
      engine
        .candidates(e)
        .hits.filter((h) => h.rule.id === 'credentials.read-burst')
        .map((h) => h.subject);
    expect(counted(read('s1', { requestParameters: { secretId: 'db' } }))).toEqual([
      'arn:aws:iam::111122223333:role/deploy',
    ]);
    expect(
      counted(
        read('s2', {
          eventName: 'GetParameter',
          eventSource: 'ssm.amazonaws.com',
          requestParameters: { name: '/db/password', withDecryption: true },
        }),
      ),
    ).toHaveLength(1);
    expect(
      counted(
        read('s3', {
          eventName: 'GetParameter',
          eventSource: 'ssm.amazonaws.com',
          requestParameters: { name: '/app/flag' },
        }),
      ),
    ).toEqual([]);
    // A refused read counts: a sweep refused on most secrets is the same intrusion.
    expect(
      counted(read('s4', { errorCode: 'AccessDeniedException', requestParameters: { secretId: 'x' } })),
    ).toHaveLength(1);
    // A user-data read counts as the instance's user data; other attributes do not count.
    const attribute = (id: string, name: string) =>
      read(id, {
        eventName: 'DescribeInstanceAttribute',
        eventSource: 'ec2.amazonaws.com',
        requestParameters: { instanceId: 'i-0a1b2c3d4e5f67890', attribute: name },
      });
    expect(counted(attribute('u1', 'userData'))).toHaveLength(1);
    expect(counted(attribute('u2', 'instanceType'))).toEqual([]);
    // Each read counts as the secret it returned: the same secret read twice counts once.
    const members = (e: ReturnType<typeof event>) =>
      engine
        .candidates(e)
        .hits.filter((h) => h.rule.id === 'credentials.read-burst')
        .map((h) => h.member);
    expect(members(read('s6', { requestParameters: { secretId: 'db' } }))).toEqual([
      '=secretsmanager.amazonaws.com:db',
    ]);
    expect(
      members(
        read('s7', {
          eventName: 'BatchGetSecretValue',
          requestParameters: { secretIdList: ['b', 'a'] },
        }),
      ),
    ).toEqual(['=secretsmanager.amazonaws.com:b', '=secretsmanager.amazonaws.com:a']);
    // Each name of a batch counts on its own: GetParameters of 3 names is 3 reads.
    expect(
      members(
        read('s9', {
          eventName: 'GetParameters',
          eventSource: 'ssm.amazonaws.com',
          requestParameters: { names: ['/a', '/b', '/a', ''], withDecryption: true },
        }),
      ),
    ).toEqual(['=ssm.amazonaws.com:/a', '=ssm.amazonaws.com:/b']);
    // A read that names no secret counts as itself.
    expect(members(read('s8', { requestParameters: null }))).toEqual(['s8']);
    expect(
      counted(read('s5', { userIdentity: { ...role, invokedBy: 'cloudformation.amazonaws.com' } })),
    ).toEqual([]);
  });

  it('skips an event without a time or a subject', () => {
    expect(ruleIds(event('no-time', { eventTime: 'garbage' }))).toEqual([]);
    expect(ruleIds(event('anon', { sourceIPAddress: '', userIdentity: { type: 'IAMUser' } }))).toEqual([]);
  });

  it('reports a rule that throws, and keeps the others', () => {
    const broken = defineThresholdRule({
      ...THRESHOLD_RULES.find((rule) => rule.id === 'signin.failed-console-logins')!,
      id: 'test.broken',
      eventNames: ['ConsoleLogin'],
      errorCodes: [],
      matches: () => {
        throw new TypeError('odd');
      },
    });
    const result = new ThresholdEngine([broken, ...THRESHOLD_RULES]).candidates(event('f1'));
    expect(result.failures).toEqual([expect.objectContaining({ ruleId: 'test.broken', eventId: 'f1' })]);
    expect(result.hits).toHaveLength(2);
  });
});

describe('fixed buckets', () => {
  it('aligns buckets to the window', () => {
    const w = 15 * MIN;
    expect(bucketStart(T0, w)).toBe(T0);
    expect(bucketStart(T0 + w - 1, w)).toBe(T0);
    expect(bucketStart(T0 + w, w)).toBe(T0 + w);
    expect(bucketStart(T0 - 1, w)).toBe(T0 - w);
  });

  it('puts events either side of a bucket boundary in different counters', () => {
    const [a] = engine.candidates(event('a', {}, T0 + 15 * MIN - 1000)).hits;
    const [b] = engine.candidates(event('b', {}, T0 + 15 * MIN)).hits;
    expect(a!.counter.key).toBe(b!.counter.key);
    expect(a!.counter.bucketStartMs).not.toBe(b!.counter.bucketStartMs);
  });
});

describe('crossing the threshold', () => {
  const byIp = (e: ReturnType<typeof event>) =>
    engine.candidates(e).hits.find((h) => h.rule.id === 'signin.failed-console-logins')!;

  it('fires once, on the event that reached the threshold, however often events are re-read', () => {
    const counters = new Map();
    const events = Array.from({ length: 8 }, (_, i) => event(`f${i}`, {}, T0 + i * 1000));
    const fired: string[] = [];
    for (let pass = 0; pass < 3; pass++) {
      for (const e of events) {
        const hit = byIp(e);
        const finding = engine.verdict(hit, countInMemory(counters, hit.counter, e.eventId));
        if (finding) fired.push(finding.event.eventId);
      }
    }
    // The crossing event fires on each re-read; its alert key (eventId#ruleId) makes that one alert.
    expect(fired).toEqual(['f4', 'f4', 'f4']);
  });

  it('describes the count, the subject and the window, with a per-bucket dedup key', () => {
    const hit = byIp(event('f5'));
    const finding = engine.verdict(hit, { count: 5, crossedBy: 'f5' })!;
    expect(finding).toMatchObject({
      ruleId: 'signin.failed-console-logins',
      severity: 'high',
      dedupKey: `signin.failed-console-logins|203.0.113.9|${T0}`,
    });
    expect(finding.summary).toBe(
      '5 failed console sign-ins from source IP 203.0.113.9 within 15 minutes (window from 2026-11-27T12:00:00.000Z).',
    );
    expect(engine.verdict(hit, { count: 4 })).toBeUndefined();
    expect(engine.verdict(hit, { count: 5, crossedBy: 'other' })).toBeUndefined();
  });

  it('counts distinct secrets, not reads, and fires on the read of the twentieth secret', () => {
    const counters = new Map();
    const reader = {
      type: 'IAMUser',
      userName: 'mallory',
      arn: 'arn:aws:iam::111122223333:user/mallory',
    };
    const read = (id: string, secret: string) =>
      event(id, {
        eventName: 'GetSecretValue',
        eventSource: 'secretsmanager.amazonaws.com',
        userIdentity: reader,
        requestParameters: { secretId: secret },
        responseElements: null,
      });
    const fired: string[] = [];
    const score = (e: ReturnType<typeof event>) => {
      for (const hit of engine.candidates(e).hits.filter((h) => h.rule.id === 'credentials.read-burst')) {
        const finding = engine.verdict(hit, countInMemory(counters, hit.counter, e.eventId, hit.member));
        if (finding) fired.push(finding.event.eventId);
      }
    };
    // An application reading its own secret 50 times: nothing.
    for (let i = 0; i < 50; i++) score(read(`same-${i}`, 'app/db'));
    expect(fired).toEqual([]);
    // 19 more distinct secrets (20 in all), each read twice, then everything read again.
    const sweep = Array.from({ length: 19 }, (_, i) => read(`sweep-${i}`, `secret-${i}`));
    const again = Array.from({ length: 19 }, (_, i) => read(`again-${i}`, `secret-${i}`));
    for (const e of [...sweep, ...again, ...sweep]) score(e);
    expect(fired).toEqual(['sweep-18', 'sweep-18']);
  });

  it('keeps the id set bounded by the threshold', () => {
    const counters = new Map<string, { ids: Set<string>; lastId: string }>();
    const hit = byIp(event('x'));
    for (let i = 0; i < 20; i++) countInMemory(counters, hit.counter, `id${i}`);
    const [entry] = counters.values();
    expect(entry!.ids.size).toBe(5);
    expect(entry!.lastId).toBe('id4');
  });
});

describe('threshold rule registry', () => {
  const ids = THRESHOLD_RULES.map((r) => r.id);

  it('has unique ids, in order, distinct from the per-event rules', () => {
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const eventRuleIds = new Set(RULES.map((r) => r.id));
    for (const id of ids) expect(eventRuleIds.has(id)).toBe(false);
  });

  describe.each(THRESHOLD_RULES.map((r) => [r.id, r] as const))('%s', (id, rule) => {
    it('has complete metadata', () => {
      expect(id).toMatch(RULE_ID_PATTERN);
      for (const field of [
        'title',
        'description',
        'whyItMatters',
        'runbook',
        'counting',
        'keyLabel',
      ] as const) {
        expect(rule[field].trim()).not.toBe('');
      }
      expect(new URL(rule.reference).protocol).toBe('https:');
      expect(rule.mitre.length).toBeGreaterThan(0);
      for (const m of rule.mitre) expect(m).toMatch(MITRE_PATTERN);
      expect(isSeverity(rule.severity)).toBe(true);
      expect(rule.eventNames.length + (rule.errorCodes ?? []).length).toBeGreaterThan(0);
      for (const source of rule.eventSources ?? []) expect(source).toMatch(/^[a-z0-9.-]+\.amazonaws\.com$/);
      expect(rule.threshold).toBeGreaterThanOrEqual(2);
      // Fixed windows of minutes to a day: the counter item lives a day past its window.
      expect(rule.windowMs).toBeGreaterThanOrEqual(MIN);
      expect(rule.windowMs).toBeLessThanOrEqual(24 * 60 * MIN);
    });
  });

  it('rejects malformed definitions at load', () => {
    const base = THRESHOLD_RULES[0]!;
    expect(() => defineThresholdRule({ ...base, id: 'Bad Id' })).toThrow(/dotted lower-case/);
    expect(() => defineThresholdRule({ ...base, threshold: 1 })).toThrow(/threshold/);
    expect(() => defineThresholdRule({ ...base, eventNames: [], errorCodes: [] })).toThrow(/neither/);
  });
});

describe('batch reads', () => {
  const batch = (id: string, ids: string[], timeMs = T0 + MIN) =>
    event(
      id,
      {
        eventName: 'BatchGetSecretValue',
        eventSource: 'secretsmanager.amazonaws.com',
        userIdentity: { type: 'IAMUser', userName: 'mallory', arn: 'arn:aws:iam::111122223333:user/mallory' },
        requestParameters: { secretIdList: ids },
        responseElements: null,
        errorMessage: null,
      },
      timeMs,
    );
  const tenIds = (from: number) => Array.from({ length: 10 }, (_, i) => `prod/secret-${from + i}`);

  it('counts each name of a batch, and reports the crossing batch once', async () => {
    const thresholds = new ThresholdEngine(THRESHOLD_RULES);
    const state = new MemoryStateStore();
    const settle = async (e: ReturnType<typeof event>) => {
      const hits = thresholds.candidates(e).hits;
      const page = { ...emptyPage(), hits };
      return (await settlePage(page, thresholds, state, undefined, () => T0 + 10 * MIN)).filter(
        (f) => f.ruleId === 'credentials.read-burst',
      );
    };
    expect(await settle(batch('b1', tenIds(0)))).toEqual([]);
    const crossing = await settle(batch('b2', tenIds(10)));
    expect(crossing.map((f) => f.event.eventId)).toEqual(['b2']);
    expect(crossing[0]!.summary).toMatch(/^20 distinct secrets/);
    // Read again (the next run's overlap): the same one event is reported, never a second.
    expect((await settle(batch('b2', tenIds(10)))).map((f) => f.event.eventId)).toEqual(['b2']);
    expect(await settle(batch('b3', tenIds(20)))).toEqual([]);
  });

  it('bounds what one record can count, whatever it claims', () => {
    const thresholds = new ThresholdEngine(THRESHOLD_RULES);
    const huge = batch('big', tenIds(0).concat(Array.from({ length: 5000 }, (_, i) => `x-${i}`)));
    const hits = thresholds.candidates(huge).hits.filter((h) => h.rule.id === 'credentials.read-burst');
    expect(hits).toHaveLength(MAX_MEMBERS_PER_EVENT);
  });
});

describe('instance credentials from two networks', () => {
  const session = (address: string, id: string, sessionName = 'i-0a1b2c3d4e5f67890') =>
    event(id, {
      eventName: 'ListBuckets',
      eventSource: 's3.amazonaws.com',
      sourceIPAddress: address,
      responseElements: null,
      errorMessage: null,
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::111122223333:assumed-role/web-server-role/${sessionName}`,
        sessionContext: {
          sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/web-server-role' },
          ec2RoleDelivery: '2.0',
        },
      },
    });
  const fired = async (events: ReturnType<typeof event>[]) => {
    const thresholds = new ThresholdEngine(THRESHOLD_RULES);
    const state = new MemoryStateStore();
    const out: string[] = [];
    for (const e of events) {
      const page = { ...emptyPage(), hits: thresholds.candidates(e).hits };
      for (const f of await settlePage(page, thresholds, state, undefined, () => T0 + 10 * MIN))
        if (f.ruleId === 'ec2.instance-credentials-many-networks') out.push(f.event.eventId);
    }
    return out;
  };

  it('fires when one session calls from a second public network', async () => {
    expect(
      await fired([session('203.0.113.10', 'a'), session('203.0.113.99', 'b'), session('198.51.100.7', 'c')]),
    ).toEqual(['c']);
  });

  it('leaves the listed calls of other principals unparsed (pre-filter)', () => {
    const thresholds = new ThresholdEngine(THRESHOLD_RULES);
    const app = '{"userIdentity":{"arn":"arn:aws:sts::111122223333:assumed-role/app/worker-7"}}';
    const instance =
      '{"userIdentity":{"arn":"arn:aws:sts::111122223333:assumed-role/app/i-0a1b2c3d4e5f67890"}}';
    expect(thresholds.watches('ListBuckets', app)).toBe(false);
    expect(thresholds.watches('ListBuckets', instance)).toBe(true);
    expect(() => defineThresholdRule({ ...THRESHOLD_RULES[0]!, prefilter: ['ab'] })).toThrow(/prefilter/);
  });

  it('ignores private addresses (VPC endpoints), service names and other sessions', async () => {
    expect(
      await fired([
        session('203.0.113.10', 'a'),
        session('10.0.3.17', 'b'),
        session('AWS Internal', 'c'),
        session('198.51.100.7', 'd', 'i-0fedcba9876543210'),
      ]),
    ).toEqual([]);
  });
});
