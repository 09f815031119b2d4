// Every rule against its own fixtures, a few behaviours spelled out, and hostile input.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isObject, normalizeRecord } from '../../lambda/core/event';
import { agentTexts, bodyTexts, identityTexts, type Rule } from '../../lambda/core/rule';
import {
  isSeverity,
  type JsonObject,
  type JsonValue,
  type Severity,
  type TrailEvent,
} from '../../lambda/core/types';
import { parsePolicyDocument, policyGrantsPublicPrincipal } from '../../lambda/rules/common/policy-documents';
import { RULES } from '../../lambda/rules/index';
import { TEST_CONTEXT } from '../support/rule-context';

const FIXTURES = join(__dirname, '..', 'fixtures', 'rules');

interface Case {
  readonly name: string;
  readonly severity?: Severity;
  readonly record: JsonObject;
}

function readCases(value: unknown, withSeverity: boolean): Case[] {
  if (!Array.isArray(value)) throw new Error('expected an array of cases');
  return value.map((item: unknown) => {
    if (!isObject(item) || typeof item.name !== 'string' || !isObject(item.record)) {
      throw new Error(`malformed case: ${JSON.stringify(item).slice(0, 80)}`);
    }
    if (withSeverity && !isSeverity(item.severity))
      throw new Error(`case "${item.name}" has no valid severity`);
    return {
      name: item.name,
      severity: isSeverity(item.severity) ? item.severity : undefined,
      record: item.record,
    };
  });
}

function loadFixture(ruleId: string): { positive: Case[]; negative: Case[] } {
  const parsed: unknown = JSON.parse(readFileSync(join(FIXTURES, `${ruleId}.json`), 'utf8'));
  if (!isObject(parsed)) throw new Error(`${ruleId}.json is not an object`);
  return { positive: readCases(parsed.positive, true), negative: readCases(parsed.negative, false) };
}

function toEvent(record: JsonObject): TrailEvent {
  const result = normalizeRecord(record);
  if (!result.ok) throw new Error(`fixture does not normalise: ${result.reason}`);
  return result.event;
}

/**
 * The engine's contract: a rule only sees its event names (and event sources, when declared); an
 * every-event rule sees the events whose raw JSON contains its pre-filter text.
 */
function applies(rule: Rule, e: TrailEvent): boolean {
  const body = JSON.stringify(e.raw);
  if (rule.everyEvent)
    return (
      bodyTexts(rule).some((text) => body.includes(text)) ||
      agentTexts(rule).some((text) => e.userAgent.includes(text)) ||
      identityTexts(rule).some((text) => JSON.stringify(e.raw.userIdentity).includes(text))
    );
  if (rule.prefilter && !rule.prefilter.some((text) => body.includes(text))) return false;
  return (
    rule.eventNames.includes(e.eventName) && (!rule.eventSources || rule.eventSources.includes(e.eventSource))
  );
}

function fires(rule: Rule, e: TrailEvent): boolean {
  return applies(rule, e) && rule.matches(e, TEST_CONTEXT);
}

function severityOf(rule: Rule, e: TrailEvent): Severity {
  return typeof rule.severity === 'function' ? rule.severity(e, TEST_CONTEXT) : rule.severity;
}

function ruleById(id: string): Rule {
  const rule = RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return rule;
}

/** Minimal record builder for the behaviour tests below. */
function event(fields: JsonObject): TrailEvent {
  return toEvent({
    eventVersion: '1.10',
    eventID: 'b2c4e6f8-0000-4000-8000-000000000001',
    eventTime: '2026-11-20T09:14:03Z',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.17.40',
    recipientAccountId: '111122223333',
    ...fields,
  });
}

const iamUser = (userName: string): JsonObject => ({
  type: 'IAMUser',
  arn: `arn:aws:iam::111122223333:user/${userName}`,
  accountId: '111122223333',
  principalId: 'AIDAEXAMPLE',
  userName,
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: the check is for control characters.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;
const MAX_EXPLAIN = 600;

describe.each(RULES.map((rule) => [rule.id, rule] as const))('rule %s against its fixtures', (_id, rule) => {
  const fixture = loadFixture(rule.id);

  it.each(fixture.positive.map((c) => [c.name, c] as const))('fires on: %s', (_name, c) => {
    const e = toEvent(c.record);
    expect(fires(rule, e)).toBe(true);
    expect(severityOf(rule, e)).toBe(c.severity);
    const summary = rule.explain(e, TEST_CONTEXT);
    expect(summary.length).toBeGreaterThan(10);
    expect(summary.length).toBeLessThanOrEqual(MAX_EXPLAIN);
    expect(summary).not.toMatch(UNSAFE);
    expect(rule.dedupKey?.(e, TEST_CONTEXT) ?? '').toContain(rule.id);
  });

  it.each(fixture.negative.map((c) => [c.name, c] as const))('stays quiet on: %s', (_name, c) => {
    expect(fires(rule, toEvent(c.record))).toBe(false);
  });
});

describe('ConsoleLogin', () => {
  const rule = ruleById('signin.console-login');
  const login = (userIdentity: JsonObject, additionalEventData: JsonObject, ok = true): TrailEvent =>
    event({
      eventName: 'ConsoleLogin',
      eventSource: 'signin.amazonaws.com',
      eventType: 'AwsConsoleSignIn',
      userIdentity,
      additionalEventData,
      responseElements: { ConsoleLogin: ok ? 'Success' : 'Failure' },
      ...(ok ? {} : { errorMessage: 'Failed authentication' }),
    });
  const ssoUser: JsonObject = {
    type: 'AssumedRole',
    arn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.com',
    accountId: '111122223333',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        arn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef',
      },
    },
  };

  it('calls an IAM user sign-in without MFA high and says so', () => {
    const e = login(iamUser('carol'), { MFAUsed: 'No' });
    expect(rule.matches(e, TEST_CONTEXT)).toBe(true);
    expect(severityOf(rule, e)).toBe('high');
    expect(rule.explain(e, TEST_CONTEXT)).toContain('without MFA');
  });

  it('records an SSO sign-in at medium and never calls it "without MFA"', () => {
    const e = login(ssoUser, { MFAUsed: 'No' });
    expect(rule.matches(e, TEST_CONTEXT)).toBe(true);
    expect(severityOf(rule, e)).toBe('medium');
    expect(rule.explain(e, TEST_CONTEXT)).not.toContain('without MFA');
    expect(rule.explain(e, TEST_CONTEXT)).toContain('through federation');
  });

  it('does not call a SAML sign-in "without MFA", even when the identity says IAMUser', () => {
    const e = login(iamUser('carol'), {
      MFAUsed: 'No',
      SamlProviderArn: 'arn:aws:iam::111122223333:saml-provider/Okta',
    });
    expect(rule.matches(e, TEST_CONTEXT)).toBe(true);
    expect(severityOf(rule, e)).toBe('medium');
    expect(rule.explain(e, TEST_CONTEXT)).not.toContain('without MFA');
  });

  it('rates every root sign-in high', () => {
    const e = login(
      { type: 'Root', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' },
      { MFAUsed: 'Yes' },
    );
    expect(severityOf(rule, e)).toBe('high');
    expect(rule.explain(e, TEST_CONTEXT)).toContain('Root user of account 111122223333');
  });

  it('rates failed sign-ins medium, federated ones included', () => {
    for (const identity of [iamUser('carol'), ssoUser]) {
      const e = login(identity, { MFAUsed: 'No' }, false);
      expect(rule.matches(e, TEST_CONTEXT)).toBe(true);
      expect(severityOf(rule, e)).toBe('medium');
    }
  });
});

describe('CreateAccessKey', () => {
  const rule = ruleById('iam.access-key-created');
  const create = (userIdentity: JsonObject, requestParameters: JsonValue): TrailEvent =>
    event({
      eventName: 'CreateAccessKey',
      eventSource: 'iam.amazonaws.com',
      userIdentity,
      requestParameters,
    });

  it('rates a key an IAM user creates for itself high, like a key for another user (T1098.001)', () => {
    expect(severityOf(rule, create(iamUser('alice'), { userName: 'svc-backup' }))).toBe('high');
    expect(severityOf(rule, create(iamUser('alice'), null))).toBe('high');
    expect(severityOf(rule, create(iamUser('alice'), { userName: 'alice' }))).toBe('high');
    expect(rule.explain(create(iamUser('alice'), null), TEST_CONTEXT)).toContain('for their own user');
  });

  it('names the target user in the summary', () => {
    expect(rule.explain(create(iamUser('alice'), { userName: 'svc-backup' }), TEST_CONTEXT)).toContain(
      'IAM user svc-backup',
    );
  });
});

describe('AssumeRole', () => {
  const rule = ruleById('sts.role-assumed');
  const assume = (userIdentity: JsonObject, roleArn: string): TrailEvent =>
    event({
      eventName: 'AssumeRole',
      eventSource: 'sts.amazonaws.com',
      userIdentity,
      requestParameters: { roleArn, roleSessionName: 's' },
    });

  it('ignores AWS services assuming roles', () => {
    const e = assume(
      { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' },
      'arn:aws:iam::111122223333:role/fn',
    );
    expect(rule.matches(e, TEST_CONTEXT)).toBe(false);
  });

  it('ignores service-linked role sessions and calls a service made for a role (invokedBy)', () => {
    const slr = assume(
      {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling',
        accountId: '111122223333',
      },
      'arn:aws:iam::111122223333:role/fleet',
    );
    expect(rule.matches(slr, TEST_CONTEXT)).toBe(false);
    const invoked = assume(
      {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/deploy/run-1',
        accountId: '111122223333',
        invokedBy: 'cloudformation.amazonaws.com',
      },
      'arn:aws:iam::111122223333:role/target',
    );
    expect(rule.matches(invoked, TEST_CONTEXT)).toBe(false);
  });

  it('records a workload role chaining into another role of the account at medium', () => {
    const e = assume(
      {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/ci-runner/build-1',
        accountId: '111122223333',
        sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/ci-runner' } },
      },
      'arn:aws:iam::111122223333:role/deploy',
    );
    expect(rule.matches(e, TEST_CONTEXT)).toBe(true);
    expect(severityOf(rule, e)).toBe('medium');
  });

  it('groups the repeats of a workload under its role, whatever the session name', () => {
    const run = (session: string) =>
      assume(
        {
          type: 'AssumedRole',
          arn: `arn:aws:sts::111122223333:assumed-role/ci-runner/${session}`,
          accountId: '111122223333',
          sessionContext: {
            sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/ci-runner' },
          },
        },
        'arn:aws:iam::111122223333:role/deploy',
      );
    expect(rule.dedupKey?.(run('build-1'), TEST_CONTEXT)).toBe(rule.dedupKey?.(run('build-2'), TEST_CONTEXT));
  });

  it('flags a caller from another account, even a workload role', () => {
    const e = assume(
      {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::444455556666:assumed-role/sync/s',
        accountId: '444455556666',
      },
      'arn:aws:iam::111122223333:role/vendor',
    );
    expect(rule.matches(e, TEST_CONTEXT)).toBe(true);
    expect(rule.explain(e, TEST_CONTEXT)).toContain('of account 444455556666');
  });
});

describe('RunInstances', () => {
  const rule = ruleById('ec2.instances-launched');

  it('skips launches that Auto Scaling makes', () => {
    const e = event({
      eventName: 'RunInstances',
      eventSource: 'ec2.amazonaws.com',
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling',
        invokedBy: 'autoscaling.amazonaws.com',
      },
    });
    expect(rule.matches(e, TEST_CONTEXT)).toBe(false);
  });
});

describe('policyGrantsPublicPrincipal', () => {
  const allow = (principal: JsonValue, condition?: JsonObject): JsonObject => ({
    Statement: [
      {
        Effect: 'Allow',
        Principal: principal,
        Action: 's3:GetObject',
        Resource: '*',
        Condition: condition ?? {},
      },
    ],
  });

  it.each([
    ['Principal "*"', allow('*')],
    ['Principal {"AWS": "*"}', allow({ AWS: '*' })],
    ['a principal list holding "*"', allow({ AWS: ['arn:aws:iam::444455556666:root', '*'] })],
    [
      'a single statement object, not a list',
      { Statement: { Effect: 'Allow', Principal: '*', Action: 's3:*' } },
    ],
    ['only a transport condition', allow('*', { Bool: { 'aws:SecureTransport': 'true' } })],
    ['a negated org condition', allow('*', { StringNotEquals: { 'aws:PrincipalOrgID': 'o-abc' } })],
    ['an IfExists condition', allow('*', { StringEqualsIfExists: { 'aws:SourceVpce': 'vpce-1' } })],
    ['a wildcard condition value', allow('*', { StringLike: { 'aws:SourceArn': '*' } })],
    ['a 0.0.0.0/0 source range', allow('*', { IpAddress: { 'aws:SourceIp': ['0.0.0.0/0'] } })],
    [
      'Allow with NotPrincipal',
      { Statement: [{ Effect: 'Allow', NotPrincipal: { AWS: 'x' }, Action: 's3:*' }] },
    ],
    ['the policy as a JSON string', JSON.stringify(allow('*'))],
    ['the policy URL-encoded, as IAM records some documents', encodeURIComponent(JSON.stringify(allow('*')))],
  ])('is public: %s', (_name, policy) => {
    expect(policyGrantsPublicPrincipal(policy)).toBe(true);
  });

  it.each([
    ['a named account', allow({ AWS: 'arn:aws:iam::444455556666:root' })],
    ['a service principal', allow({ Service: 'logging.s3.amazonaws.com' })],
    ['a fixed VPC endpoint', allow('*', { StringEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d' } })],
    [
      'a fixed organisation (case-insensitive key)',
      allow('*', { StringEquals: { 'AWS:PrincipalOrgID': 'o-abc' } }),
    ],
    ['a fixed source range', allow('*', { IpAddress: { 'aws:SourceIp': ['192.0.2.0/24'] } })],
    ['a Deny statement', { Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*' }] }],
    ['broken JSON', '{"Statement": [{"Effect": "Allow", "Principal": "*"'],
    ['a number', 42],
    ['null', null],
    ['Statement of the wrong type', { Statement: 'Allow *' }],
    ['a deeply nested string', '['.repeat(200_000)],
  ])('is not public: %s', (_name, policy) => {
    expect(policyGrantsPublicPrincipal(policy)).toBe(false);
  });
});

describe('parsePolicyDocument, the one reader of policy documents', () => {
  const document = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Get Object' }] };
  const text = JSON.stringify(document);

  it.each([
    ['an object, as is', document],
    ['a JSON string', text],
    ['a URL-encoded JSON string', encodeURIComponent(text)],
    ['a form-encoded JSON string (+ for spaces)', encodeURIComponent(text).replace(/%20/g, '+')],
  ])('reads %s', (_name, value) => {
    expect(parsePolicyDocument(value)).toEqual(document);
  });

  it.each([
    ['JSON that is not an object', '["Statement"]'],
    ['broken JSON', '{"Statement": ['],
    ['a broken escape', '%7B%E0%A4%A'],
    ['an empty string', ''],
    ['a number', 42],
    ['a document over 1 MiB', `{"Sid": "${'x'.repeat(1024 * 1024)}"}`],
  ])('reads %s as {}', (_name, value) => {
    expect(parsePolicyDocument(value)).toEqual({});
  });
});

describe('every rule on hostile input', () => {
  const huge = 'Mozilla/5.0 '.repeat(25_000); // ~300 KB
  const controls = 'evil\u0000\u001b[31m\u202e\u2028name\r\n\t\u007f\u0085';
  const bases: JsonObject[] = [
    {},
    { userIdentity: null, requestParameters: null, responseElements: null, additionalEventData: null },
    {
      userIdentity: [],
      requestParameters: 'userName=admin',
      responseElements: 7,
      additionalEventData: [1, 2],
    },
    { userIdentity: 'Root', sourceIPAddress: 12345, awsRegion: false, userAgent: null, errorCode: 0 },
    {
      userIdentity: { type: 42, arn: ['x'], userName: { a: 1 }, sessionContext: 'yes', invokedBy: null },
      requestParameters: { userName: 5, policyArn: null, bucketName: [], roleArn: {}, name: true },
    },
    {
      userIdentity: { type: 'IAMUser', userName: controls, arn: controls, accountId: controls },
      sourceIPAddress: controls,
      awsRegion: controls,
      userAgent: huge,
      errorCode: controls,
      requestParameters: {
        userName: controls,
        policyArn: `arn:aws:iam::aws:policy/${controls}${huge}`,
        bucketName: huge,
        roleArn: huge,
        roleSessionName: controls,
        name: huge,
        instanceType: controls,
        bucketPolicy: JSON.stringify({ Statement: [{ Sid: controls, Effect: 'Allow', Principal: '*' }] }),
        instancesSet: { items: [null, 'x'] },
      },
      responseElements: {
        accessKey: { accessKeyId: huge },
        instancesSet: { items: 'many' },
        ConsoleLogin: controls,
      },
      additionalEventData: { MFAUsed: controls, SamlProviderArn: 3 },
    },
    {
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::1:assumed-role/',
        sessionContext: { sessionIssuer: null },
      },
      requestParameters: {
        bucketPolicy: { Statement: [null, 1, 'x', { Effect: 'Allow', Principal: null, Condition: [] }] },
      },
      responseElements: { instancesSet: { items: [] } },
    },
  ];

  /** An every-event rule is tried on one arbitrary call. */
  const namesOf = (rule: Rule): readonly string[] => (rule.everyEvent ? ['ListBuckets'] : rule.eventNames);
  const cases: [string, TrailEvent][] = [];
  for (const rule of RULES) {
    for (const eventName of namesOf(rule)) {
      bases.forEach((base, index) => {
        const result = normalizeRecord({
          ...base,
          eventID: `hostile-${index}`,
          eventName,
          eventSource: rule.eventSources?.[0] ?? 'unknown',
        });
        if (result.ok) cases.push([`${rule.id} on hostile record #${index}`, result.event]);
      });
    }
  }

  it('has cases for every rule', () => {
    expect(cases.length).toBe(RULES.reduce((n, r) => n + namesOf(r).length, 0) * bases.length);
  });

  it.each(cases)('%s: never throws, explains safely', (name, e) => {
    const rule = ruleById(name.split(' ')[0] ?? '');
    expect(() => rule.matches(e, TEST_CONTEXT)).not.toThrow();
    expect(isSeverity(severityOf(rule, e))).toBe(true);
    const summary = rule.explain(e, TEST_CONTEXT);
    expect(summary).not.toMatch(UNSAFE);
    expect(summary.length).toBeLessThanOrEqual(MAX_EXPLAIN);
    const key = rule.dedupKey?.(e, TEST_CONTEXT) ?? '';
    expect(key.length).toBeLessThanOrEqual(1024);
  });

  it('never throws on arbitrary JSON in any field (property)', () => {
    const anyJson = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<JsonValue>;
    const record = fc.record({
      userIdentity: anyJson,
      requestParameters: fc.oneof(anyJson, fc.dictionary(fc.string(), anyJson)),
      responseElements: anyJson,
      additionalEventData: anyJson,
      errorCode: anyJson,
      sourceIPAddress: anyJson,
    });
    fc.assert(
      fc.property(fc.constantFrom(...RULES), record, (rule, fields) => {
        const result = normalizeRecord({
          ...fields,
          eventID: 'prop',
          eventName: rule.eventNames[0] ?? 'x',
          eventSource: rule.eventSources?.[0] ?? '',
        });
        if (!result.ok) return;
        rule.matches(result.event, TEST_CONTEXT);
        severityOf(rule, result.event);
        const summary = rule.explain(result.event, TEST_CONTEXT);
        if (UNSAFE.test(summary) || summary.length > MAX_EXPLAIN)
          throw new Error(`unsafe summary: ${summary}`);
        rule.dedupKey?.(result.event, TEST_CONTEXT);
      }),
      { numRuns: 400 },
    );
  });
});
