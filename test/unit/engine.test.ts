import fc from 'fast-check';
import { Engine } from '../../lambda/core/engine';
import { normalizeRecord, parseCloudTrailEvent } from '../../lambda/core/event';
import { defineRule } from '../../lambda/core/rule';
import { RULES } from '../../lambda/rules';
import { TEST_CONTEXT } from '../support/rule-context';

const OWN_KEY = TEST_CONTEXT.ownResources.keyArn!;

function disableKey(keyId: string) {
  const result = normalizeRecord({
    eventID: `disable-${keyId.slice(-4)}`,
    eventName: 'DisableKey',
    eventSource: 'kms.amazonaws.com',
    eventTime: '2026-11-27T10:00:00Z',
    awsRegion: 'us-east-1',
    recipientAccountId: '111122223333',
    sourceIPAddress: '203.0.113.10',
    userIdentity: { type: 'IAMUser', userName: 'mallory', arn: 'arn:aws:iam::111122223333:user/mallory' },
    requestParameters: { keyId },
  });
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

describe('Engine with the whole catalogue', () => {
  const engine = new Engine(RULES, TEST_CONTEXT);

  it('pages once, as self-tamper, when trailwatch’s own key is disabled', () => {
    const { findings } = engine.evaluate(disableKey(OWN_KEY));
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['trailwatch.self-tamper', 'critical']]);
  });

  it('leaves the general KMS rule to report any other key', () => {
    const other = 'arn:aws:kms:us-east-1:111122223333:key/99999999-aaaa-bbbb-cccc-000000000000';
    expect(engine.evaluate(disableKey(other)).findings.map((f) => f.ruleId)).toEqual([
      'kms.key-disabled-or-scheduled-for-deletion',
    ]);
  });

  it('only runs the rules indexed under the event name', () => {
    const event = disableKey(OWN_KEY);
    expect(engine.evaluate({ ...event, eventName: 'DescribeInstances' })).toEqual({
      findings: [],
      failures: [],
    });
  });
});

function rootCall(eventName: string, eventSource: string, readOnly: boolean) {
  const record = {
    eventID: `root-${eventName}`,
    eventName,
    eventSource,
    eventTime: '2026-11-27T10:05:00Z',
    awsRegion: 'us-east-1',
    recipientAccountId: '111122223333',
    sourceIPAddress: '198.51.100.7',
    readOnly,
    eventType: 'AwsApiCall',
    userIdentity: { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root' },
    requestParameters: { name: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main' },
  };
  const result = normalizeRecord(record);
  if (!result.ok) throw new Error(result.reason);
  return { event: result.event, body: JSON.stringify(record) };
}

describe('every-event rules and unparsed events', () => {
  const engine = new Engine(RULES, TEST_CONTEXT);

  it('sees a root call whatever its name', () => {
    const { event, body } = rootCall('GetBucketAcl', 's3.amazonaws.com', true);
    expect(engine.watches(event.eventName, body)).toBe(true);
    expect(engine.evaluate(event).findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['account.root-activity', 'medium'],
    ]);
  });

  it('pages once when a named rule already fired on root’s call at that severity or higher', () => {
    const { event } = rootCall('StopLogging', 'cloudtrail.amazonaws.com', false);
    expect(engine.evaluate(event).findings.map((f) => f.ruleId)).toEqual(['cloudtrail.logging-stopped']);
    // The same for the calls whose rules rate root themselves: one finding each, theirs.
    const login = rootCall('CreateUser', 'iam.amazonaws.com', false).event;
    expect(engine.evaluate(login).findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['iam.user-created', 'high'],
    ]);
  });

  it('leaves an unwatched event unparsed, and watches what it cannot tell', () => {
    const body = JSON.stringify({ eventName: 'DescribeInstances', userIdentity: { type: 'IAMUser' } });
    expect(engine.watches('DescribeInstances', body)).toBe(false);
    expect(engine.watches('DescribeInstances', '{"userIdentity":{"type":"Root"}}')).toBe(true);
    expect(engine.watches('StopLogging', '{not json')).toBe(true);
    // A named rule with a pre-filter: only the bodies that carry one of its texts are parsed.
    expect(engine.watches('GetCallerIdentity', '{"userAgent":"aws-cli/2.17.40"}')).toBe(false);
    expect(engine.watches('GetCallerIdentity', '{"userAgent":"TruffleHog"}')).toBe(true);
    expect(engine.watches(undefined, body)).toBe(true);
    expect(engine.watches('DescribeInstances', undefined)).toBe(true);
  });
});

/** Metadata for the test rules below; each test adds what it is about. */
const TEST_RULE = {
  id: 'test.rule',
  title: 'Test rule',
  description: 't',
  whyItMatters: 't',
  runbook: 't',
  reference: 'https://example.com',
  mitre: ['TA0001:T1078'],
  severity: 'high' as const,
  matches: () => true,
  explain: () => 't',
};

describe('every-event rule definitions', () => {
  const base = { ...TEST_RULE, id: 'test.every' };

  it('needs either event names or a pre-filter, not both, and a pre-filter that filters', () => {
    expect(() => defineRule({ ...base, eventNames: ['X'], prefilter: ['ok!', 'no'] })).toThrow(/at least 3/);
    expect(() => defineRule({ ...base, eventNames: [] })).toThrow(/not an every-event rule/);
    expect(() => defineRule({ ...base, eventNames: ['X'], everyEvent: { bodyIncludes: '"Root"' } })).toThrow(
      /lists no eventNames/,
    );
    expect(() => defineRule({ ...base, eventNames: [], everyEvent: { bodyIncludes: '"' } })).toThrow(
      /at least 3 characters/,
    );
    expect(defineRule({ ...base, eventNames: [], everyEvent: { bodyIncludes: '"Root"' } }).id).toBe(
      'test.every',
    );
  });
});

describe('finding summaries and dedup keys', () => {
  const base = {
    ...TEST_RULE,
    id: 'test.lazy',
    title: 'Lazy',
    eventNames: ['DisableKey'],
    severity: 'low' as const,
  };

  it('explains a finding only when its summary is read, once', () => {
    let calls = 0;
    const rule = defineRule({ ...base, explain: () => `explained ${++calls}` });
    const [finding] = new Engine([rule]).evaluate(disableKey('k1')).findings;
    expect(calls).toBe(0);
    expect(finding!.summary).toBe('explained 1');
    expect(finding!.summary).toBe('explained 1');
    expect(calls).toBe(1);
  });

  it('gives a finding whose rule cannot explain it a safe fallback text and the default dedup key', () => {
    const rule = defineRule({
      ...base,
      explain: () => {
        throw new TypeError('odd \u001b[31mevent');
      },
      dedupKey: () => {
        throw new Error('no key');
      },
    });
    const evaluation = new Engine([rule]).evaluate(disableKey('k2'));
    expect(evaluation.failures).toEqual([]);
    const [finding] = evaluation.findings;
    expect(finding!.summary).toBe('Lazy (the rule could not describe this event: TypeError: odd [31mevent)');
    expect(finding!.dedupKey).toBe('test.lazy|arn:aws:iam::111122223333:user/mallory');
  });
});

describe('named pre-filters', () => {
  it('watches exactly the bodies holding one of the texts, however many and whatever they contain', () => {
    const texts = (count: number) =>
      fc.uniqueArray(
        fc.string({
          minLength: 3,
          maxLength: 8,
          unit: fc.constantFrom('a', 'b', '.', '*', '(', '|', '\\', '$'),
        }),
        {
          minLength: count,
          maxLength: count + 4,
        },
      );
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '.', '*', '(', '|', '\\', '$', 'x') });
    let holding = 0;
    fc.assert(
      fc.property(fc.oneof(texts(1), texts(5)), text, text, fc.nat(20), (needles, before, after, pick) => {
        // Half the bodies hold one of the texts, so both answers are exercised.
        const body = pick % 2 === 0 ? `${before}${needles[pick % needles.length]}${after}` : before;
        const holds = needles.some((n) => body.includes(n));
        if (holds) holding += 1;
        const engine = new Engine([defineRule({ ...TEST_RULE, eventNames: ['X'], prefilter: needles })]);
        expect(engine.watches('X', body)).toBe(holds);
      }),
      { numRuns: 1500 },
    );
    expect(holding).toBeGreaterThan(500);
  });
});

describe('broad rules', () => {
  const base = { ...TEST_RULE, eventNames: ['CreateAccessKey'], matches: () => true };
  const specific = defineRule({ ...base, id: 'test.specific', severity: 'high' });
  const broad = defineRule({ ...base, id: 'test.broad', severity: 'high', broad: true });
  const louder = defineRule({ ...base, id: 'test.broad-louder', severity: 'critical', broad: true });
  const event = (() => {
    const parsed = parseCloudTrailEvent(
      JSON.stringify({ eventID: 'e1', eventName: 'CreateAccessKey', eventSource: 'iam.amazonaws.com' }),
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.event;
  })();

  it('yield to a specific rule as severe on the same event, and stand when they are more severe', () => {
    expect(new Engine([specific, broad]).evaluate(event).findings.map((f) => f.ruleId)).toEqual([
      'test.specific',
    ]);
    expect(new Engine([broad]).evaluate(event).findings.map((f) => f.ruleId)).toEqual(['test.broad']);
    expect(
      new Engine([specific, louder])
        .evaluate(event)
        .findings.map((f) => f.ruleId)
        .sort(),
    ).toEqual(['test.broad-louder', 'test.specific']);
  });
});
