import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { normalizeRecord } from '../../lambda/core/event';
import {
  emptySuppressions,
  ipInCidr,
  parseCidr,
  parseIp,
  parseSuppressions,
  SuppressionError,
  type SuppressionList,
} from '../../lambda/core/suppression';
import type { Finding, JsonObject, Severity } from '../../lambda/core/types';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const ACCOUNT = '111122223333';
const TERRAFORM_ROLE = `arn:aws:iam::${ACCOUNT}:role/terraform-deployer`;

/** A CloudTrail record as LookupEvents returns it, with the fields suppression reads. */
function record(overrides: JsonObject = {}): JsonObject {
  return {
    eventID: 'e-1',
    eventName: 'PutRolePolicy',
    eventSource: 'iam.amazonaws.com',
    eventTime: '2026-11-27T11:00:00Z',
    recipientAccountId: ACCOUNT,
    sourceIPAddress: '203.0.113.9',
    userAgent: 'APN/1.0 HashiCorp/1.0 Terraform/1.9.8',
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/terraform-deployer/ci-run-42`,
      accountId: ACCOUNT,
      sessionContext: { sessionIssuer: { type: 'Role', arn: TERRAFORM_ROLE } },
    },
    ...overrides,
  };
}

function finding(ruleId: string, severity: Severity, overrides: JsonObject = {}): Finding {
  const parsed = normalizeRecord(record(overrides));
  if (!parsed.ok) throw new Error(parsed.reason);
  return {
    ruleId,
    title: ruleId,
    severity,
    mitre: [],
    summary: '',
    runbook: '',
    reference: '',
    dedupKey: ruleId,
    event: parsed.event,
  };
}

function roleIdentity(role: string, session = 'session'): JsonObject {
  return {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
    accountId: ACCOUNT,
    sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/${role}` } },
  };
}

function list(...suppressions: JsonObject[]): SuppressionList {
  return parseSuppressions({ version: 1, suppressions }, NOW);
}

const terraform: JsonObject = {
  id: 'terraform-deploy-role',
  reason: 'Terraform applies from CI; changes are reviewed in pull requests.',
  ruleIds: ['iam.policy-changed', 'ec2.*'],
  principalArn: [`arn:aws:sts::${ACCOUNT}:assumed-role/terraform-deployer/*`],
};

/** The problems of a list that must be refused; fails the test if it is accepted or throws otherwise. */
function problemsOf(input: unknown, nowMs = NOW): readonly string[] {
  try {
    parseSuppressions(input, nowMs);
  } catch (error) {
    expect(error).toBeInstanceOf(SuppressionError);
    return (error as SuppressionError).problems;
  }
  throw new Error('expected a SuppressionError');
}

const entryProblems = (...suppressions: unknown[]): readonly string[] =>
  problemsOf({ version: 1, suppressions });

describe('suppression matching', () => {
  it("suppresses a Terraform role's policy change", () => {
    expect(list(terraform).match(finding('iam.policy-changed', 'medium'), NOW)).toEqual({
      id: 'terraform-deploy-role',
      reason: 'Terraform applies from CI; changes are reviewed in pull requests.',
    });
  });

  it('does not suppress the same change by another role', () => {
    const byOther = finding('iam.policy-changed', 'medium', { userIdentity: roleIdentity('developer') });
    expect(list(terraform).match(byOther, NOW)).toBeUndefined();
  });

  it('does not let a look-alike role name slip under an exact issuer ARN', () => {
    const exact = list({ ...terraform, principalArn: [TERRAFORM_ROLE] });
    expect(exact.match(finding('iam.policy-changed', 'medium'), NOW)?.id).toBe('terraform-deploy-role');
    const lookAlike = finding('iam.policy-changed', 'medium', {
      userIdentity: roleIdentity('terraform-deployer-evil'),
    });
    expect(exact.match(lookAlike, NOW)).toBeUndefined();
  });

  it('matches the session issuer ARN as well as the actor ARN', () => {
    const byIssuer = list({ ...terraform, principalArn: [TERRAFORM_ROLE] });
    const session = finding('iam.policy-changed', 'medium', {
      userIdentity: roleIdentity('terraform-deployer', 'x'),
    });
    expect(byIssuer.match(session, NOW)).toBeDefined();
  });

  it('matches rule id globs and leaves other rules alone', () => {
    const suppressions = list(terraform);
    expect(suppressions.match(finding('ec2.instances-launched', 'medium'), NOW)).toBeDefined();
    expect(suppressions.match(finding('iam.user-created', 'medium'), NOW)).toBeUndefined();
  });

  it('does not hide a critical finding unless maxSeverity is critical', () => {
    const critical = finding('iam.policy-changed', 'critical');
    expect(list(terraform).match(critical, NOW)).toBeUndefined();
    expect(list({ ...terraform, maxSeverity: 'high' }).match(critical, NOW)).toBeUndefined();
    expect(list({ ...terraform, maxSeverity: 'critical' }).match(critical, NOW)).toBeDefined();
  });

  it('suppresses up to high by default and only up to maxSeverity when set lower', () => {
    const high = finding('iam.policy-changed', 'high');
    expect(list(terraform).match(high, NOW)).toBeDefined();
    expect(list({ ...terraform, maxSeverity: 'medium' }).match(high, NOW)).toBeUndefined();
    expect(
      list({ ...terraform, maxSeverity: 'medium' }).match(finding('iam.policy-changed', 'low'), NOW),
    ).toBeDefined();
  });

  it('treats a severity it does not know as critical', () => {
    const odd = { ...finding('iam.policy-changed', 'low'), severity: 'urgent' as Severity };
    expect(list(terraform).match(odd, NOW)).toBeUndefined();
    expect(list({ ...terraform, maxSeverity: 'critical' }).match(odd, NOW)).toBeDefined();
  });

  it('ANDs criteria: event name, account and invokedBy must all match', () => {
    const stack = list({
      id: 'cloudformation',
      reason: 'Stacks are reviewed.',
      eventNames: ['Put*Policy'],
      accounts: [ACCOUNT],
      invokedBy: ['cloudformation.amazonaws.com'],
    });
    const viaCfn = (overrides: JsonObject) =>
      finding('iam.policy-changed', 'medium', {
        userIdentity: { ...roleIdentity('cfn-exec'), invokedBy: 'cloudformation.amazonaws.com' },
        ...overrides,
      });
    expect(stack.match(viaCfn({}), NOW)).toBeDefined();
    expect(stack.match(viaCfn({ eventName: 'AttachRolePolicy' }), NOW)).toBeUndefined();
    expect(stack.match(viaCfn({ recipientAccountId: '444455556666' }), NOW)).toBeUndefined();
    expect(stack.match(finding('iam.policy-changed', 'medium'), NOW)).toBeUndefined();
  });

  it('matches user-agent substrings case-insensitively, next to a principal', () => {
    const byAgent = list({ ...terraform, userAgentContains: ['TERRAFORM/'] });
    expect(byAgent.match(finding('iam.policy-changed', 'medium'), NOW)).toBeDefined();
    const console = finding('iam.policy-changed', 'medium', { userAgent: 'AWS Internal' });
    expect(byAgent.match(console, NOW)).toBeUndefined();
  });

  it('returns the first entry that applies, in file order', () => {
    const both = list(terraform, { ...terraform, id: 'second' });
    expect(both.match(finding('iam.policy-changed', 'medium'), NOW)?.id).toBe('terraform-deploy-role');
  });

  it('allows an entry with only ruleIds: it turns a rule off, with a reason', () => {
    const off = list({
      id: 'no-launch-alerts',
      reason: 'We launch instances all day.',
      ruleIds: ['ec2.instances-launched'],
    });
    expect(
      off.match(finding('ec2.instances-launched', 'medium', { userIdentity: roleIdentity('x') }), NOW),
    ).toBeDefined();
  });

  it('suppresses nothing when the list is empty', () => {
    expect(emptySuppressions().match(finding('iam.policy-changed', 'low'), NOW)).toBeUndefined();
    expect(list().match(finding('iam.policy-changed', 'low'), NOW)).toBeUndefined();
  });
});

describe('suppression expiry', () => {
  it('stops applying a date-only entry after the end of that UTC day', () => {
    const suppressions = list({ ...terraform, expires: '2026-12-31' });
    const change = finding('iam.policy-changed', 'medium');
    expect(suppressions.match(change, Date.parse('2026-12-31T23:59:59.999Z'))).toBeDefined();
    expect(suppressions.match(change, Date.parse('2027-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('stops applying a date-time entry at that instant, honouring the offset', () => {
    const suppressions = list({ ...terraform, expires: '2026-12-01T09:00:00+02:00' });
    const change = finding('iam.policy-changed', 'medium');
    expect(suppressions.match(change, Date.parse('2026-12-01T06:59:59Z'))).toBeDefined();
    expect(suppressions.match(change, Date.parse('2026-12-01T07:00:00Z'))).toBeUndefined();
  });

  it('does not apply an expiring entry when the clock is not a number', () => {
    expect(
      list({ ...terraform, expires: '2027-01-01' }).match(finding('iam.policy-changed', 'low'), Number.NaN),
    ).toBeUndefined();
  });

  it('refuses an entry already expired at load, naming it', () => {
    expect(entryProblems({ ...terraform, expires: '2026-11-26' })).toEqual([
      expect.stringMatching(
        /^suppressions\[0\] \(id "terraform-deploy-role"\): expired at 2026-11-27T00:00:00\.000Z/,
      ),
    ]);
  });

  it('refuses expiries that are not dates or lack a time zone', () => {
    for (const expires of [
      '2027-02-30',
      '2027-13-01',
      '30/06/2027',
      '2027-06-30T12:00:00',
      '2027-06-30T24:00Z',
      20270630,
    ]) {
      expect(entryProblems({ ...terraform, expires })).toEqual([expect.stringContaining('is not a date')]);
    }
  });
});

describe('CIDR matching', () => {
  const inCidr = (ip: string, cidr: string): boolean => {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new Error(`test CIDR ${cidr} did not parse`);
    return ipInCidr(ip, parsed);
  };

  it.each([
    ['198.51.100.7', '198.51.100.0/24', true],
    ['198.51.100.255', '198.51.100.0/24', true],
    ['198.51.101.0', '198.51.100.0/24', false],
    ['198.51.99.255', '198.51.100.0/24', false],
    ['203.0.113.9', '0.0.0.0/0', true],
    ['255.255.255.255', '0.0.0.0/0', true],
    ['203.0.113.9', '203.0.113.9/32', true],
    ['203.0.113.9', '203.0.113.9', true],
    ['203.0.113.8', '203.0.113.9/32', false],
    ['128.0.0.0', '0.0.0.0/1', false],
    ['127.255.255.255', '0.0.0.0/1', true],
    ['2001:db8::1', '2001:db8::/32', true],
    ['2001:DB8:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['2001:db8::1', '::/0', true],
    ['2001:db8::1', '2001:db8::1/128', true],
    ['2001:db8::2', '2001:db8::1/128', false],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1', true],
    ['::ffff:198.51.100.7', '198.51.100.0/24', true],
    ['::ffff:c633:6407', '198.51.100.0/24', true],
    ['198.51.100.7', '::ffff:198.51.100.0/120', true],
    ['::ffff:198.51.101.7', '198.51.100.0/24', false],
  ])('%s in %s is %s', (ip, cidr, expected) => {
    expect(inCidr(ip, cidr)).toBe(expected);
  });

  it('keeps address families apart: ::/0 is every IPv6 address, 0.0.0.0/0 every IPv4 one', () => {
    expect(inCidr('198.51.100.7', '::/0')).toBe(false);
    expect(inCidr('2001:db8::1', '0.0.0.0/0')).toBe(false);
  });

  it('never matches a hostname or "AWS Internal" source address, not even /0', () => {
    for (const source of [
      'cloudformation.amazonaws.com',
      'AWS Internal',
      '',
      'localhost',
      '198.51.100.7.example.com',
    ]) {
      expect(inCidr(source, '0.0.0.0/0')).toBe(false);
      expect(inCidr(source, '::/0')).toBe(false);
    }
    const office = list({ id: 'office', reason: 'Office.', sourceIpCidr: ['0.0.0.0/0', '::/0'] });
    const byService = finding('iam.policy-changed', 'low', {
      sourceIPAddress: 'cloudformation.amazonaws.com',
    });
    expect(office.match(byService, NOW)).toBeUndefined();
  });

  it('suppresses by source address through a list entry', () => {
    const office = list({
      id: 'office',
      reason: 'Office.',
      sourceIpCidr: ['198.51.100.0/24', '2001:db8::/32'],
    });
    expect(
      office.match(finding('iam.policy-changed', 'low', { sourceIPAddress: '198.51.100.20' }), NOW),
    ).toBeDefined();
    expect(
      office.match(finding('iam.policy-changed', 'low', { sourceIPAddress: '2001:db8::5' }), NOW),
    ).toBeDefined();
    expect(office.match(finding('iam.policy-changed', 'low'), NOW)).toBeUndefined();
  });

  it.each([
    '::',
    '::1',
    '1::',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6::',
    '1:2:3:4:5:6:1.2.3.4',
    '::1.2.3.4',
    'fe80::/10',
  ])('accepts %s', (cidr) => {
    expect(parseCidr(cidr)).toBeDefined();
  });

  it.each([
    '',
    '/24',
    '198.51.100.0/33',
    '198.51.100.0/',
    '198.51.100.0/024',
    '198.51.100.0/-1',
    '198.51.100.0/24/8',
    '256.0.0.0/8',
    '01.2.3.4',
    '1.2.3',
    '1.2.3.4.5',
    '10.0.0.7/24',
    '2001:db8::/129',
    '2001:db8:::1',
    '1::2::3',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7::8',
    '12345::',
    'fe80::1%eth0',
    '::ffff:1.2.3',
    '1.2.3.4::',
    'g::1',
  ])('refuses %j', (cidr) => {
    expect(parseCidr(cidr)).toBeUndefined();
  });

  it('reads an IPv4-mapped CIDR of /96 or longer as the IPv4 network it covers', () => {
    expect(parseCidr('::ffff:198.51.100.0/120')).toMatchObject({ family: 4, prefix: 24 });
    expect(parseCidr('::ffff:0:0/96')).toMatchObject({ family: 4, prefix: 0 });
  });

  it('reads IPv4-mapped IPv6 addresses as IPv4', () => {
    expect(parseIp('::ffff:198.51.100.7')).toEqual(parseIp('198.51.100.7'));
    expect(parseIp('AWS Internal')).toBeUndefined();
  });

  it('puts every IPv4 address inside the network of any of its prefixes', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, prefix) => {
        const value = ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
        const network = prefix === 0 ? 0 : (value & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0;
        const text = [network >>> 24, (network >>> 16) & 255, (network >>> 8) & 255, network & 255].join('.');
        const cidr = parseCidr(`${text}/${prefix}`);
        expect(cidr).toBeDefined();
        if (!cidr) return;
        expect(ipInCidr(ip, cidr)).toBe(true);
        expect(ipInCidr(`::ffff:${ip}`, cidr)).toBe(true);
      }),
    );
  });
});

describe('suppression list validation', () => {
  it('names an unknown key, in an entry and at the top level', () => {
    expect(
      problemsOf({
        version: 1,
        suppressions: [{ ...terraform, principalArns: ['arn:aws:iam::1:role/x'] }],
        extra: 1,
      }),
    ).toEqual([
      expect.stringContaining('top level: unknown key "extra"'),
      expect.stringContaining('suppressions[0] (id "terraform-deploy-role"): unknown key "principalArns"'),
    ]);
  });

  it('names a malformed CIDR', () => {
    expect(
      entryProblems(terraform, {
        id: 'office-ip',
        reason: 'Office.',
        sourceIpCidr: ['198.51.100.0/24', '198.51.100.0/33'],
      }),
    ).toEqual([
      expect.stringMatching(
        /^suppressions\[1\] \(id "office-ip"\): sourceIpCidr "198\.51\.100\.0\/33" is not a CIDR/,
      ),
    ]);
  });

  it('refuses a CIDR with host bits set and says which network was meant', () => {
    expect(entryProblems({ id: 'office', reason: 'Office.', sourceIpCidr: ['198.51.100.7/24'] })).toEqual([
      expect.stringContaining('write 198.51.100.0/24 for the network, or /32 for one address'),
    ]);
  });

  it.each([
    ['ruleIds', 'iam.(policy|user).*'],
    ['ruleIds', ''],
    ['ruleIds', '*'],
    ['ruleIds', 'IAM.*'],
    ['eventNames', 'Put.*Policy'],
    ['eventNames', 'Put?Policy'],
    ['principalArn', 'arn:aws:iam::111122223333:role/[a-z]+'],
    ['principalArn', '*:role/terraform-deployer'],
    ['invokedBy', 'cloudformation.amazonaws.com\\'],
  ])('names a malformed %s glob %j', (key, pattern) => {
    expect(entryProblems({ id: 'bad-glob', reason: 'Test.', [key]: [pattern] })).toEqual([
      expect.stringMatching(new RegExp(`^suppressions\\[0\\] \\(id "bad-glob"\\): ${key} `)),
    ]);
  });

  it('does not let a glob part overlap the suffix after it', () => {
    const overlapping = list({ id: 'overlap', reason: 'Test.', ruleIds: ['*a*aa'] });
    expect(overlapping.match(finding('baa', 'low'), NOW)).toBeUndefined();
    expect(overlapping.match(finding('abaa', 'low'), NOW)).toBeDefined();
  });

  it('treats glob characters literally apart from *', () => {
    const dotted = list({ id: 'dotted', reason: 'Test.', ruleIds: ['iam.policy-changed'] });
    expect(dotted.match(finding('iamXpolicy-changed', 'low'), NOW)).toBeUndefined();
  });

  it('names a duplicate id and the entry that used it first', () => {
    expect(entryProblems(terraform, { ...terraform, ruleIds: ['ec2.*'] })).toEqual([
      'suppressions[1] (id "terraform-deploy-role"): id is already used by suppressions[0]',
    ]);
  });

  it('names an entry without a reason, or with a blank or overlong one', () => {
    const { reason: _, ...noReason } = terraform;
    expect(entryProblems(noReason)).toEqual([
      expect.stringContaining('(id "terraform-deploy-role"): reason is missing'),
    ]);
    expect(entryProblems({ ...terraform, reason: '  ' })).toEqual([
      expect.stringContaining('reason must be a non-empty'),
    ]);
    expect(entryProblems({ ...terraform, reason: 'x'.repeat(501) })).toEqual([
      expect.stringContaining('longer than 500'),
    ]);
  });

  it('refuses an entry that suppresses by user agent alone, and accepts it anchored to a principal', () => {
    const byAgent = {
      id: 'terraform-ua',
      reason: 'Terraform.',
      ruleIds: ['iam.*'],
      userAgentContains: ['Terraform'],
    };
    expect(entryProblems(byAgent)).toEqual([
      expect.stringMatching(
        /^suppressions\[0\] \(id "terraform-ua"\): userAgentContains needs principalArn, accounts or sourceIpCidr/,
      ),
    ]);
    expect(entryProblems({ ...byAgent, invokedBy: ['cloudformation.amazonaws.com'] })).toHaveLength(1);
    expect(() => list({ ...byAgent, principalArn: [TERRAFORM_ROLE] })).not.toThrow();
  });

  it('refuses an entry with no criteria at all', () => {
    expect(entryProblems({ id: 'everything', reason: 'Quiet please.' })).toEqual([
      expect.stringContaining('(id "everything"): has no criteria'),
    ]);
  });

  it('accepts version 1 only', () => {
    expect(problemsOf({ version: 2, suppressions: [] })).toEqual([
      'top level: version "2" is not supported (only 1)',
    ]);
    expect(problemsOf({ suppressions: [] })).toEqual([expect.stringContaining('version is missing')]);
    expect(problemsOf({ version: '1', suppressions: [] })).toHaveLength(1);
  });

  it('refuses documents that are not a list', () => {
    expect(problemsOf([])).toEqual(['top level: must be a JSON object']);
    expect(problemsOf('{"version": 1,')).toEqual([expect.stringContaining('not valid JSON')]);
    expect(problemsOf({ version: 1 })).toEqual([expect.stringContaining('suppressions must be an array')]);
  });

  it('accepts the list as JSON text', () => {
    expect(
      parseSuppressions(JSON.stringify({ version: 1, suppressions: [terraform] }), NOW).entries,
    ).toHaveLength(1);
  });

  it('names wrong types, bad ids, accounts and severities', () => {
    expect(
      entryProblems(
        'not an entry',
        { id: 'Office IP', reason: 'x', ruleIds: 'iam.*' },
        { id: 'acct', reason: 'x', accounts: [111122223333, '1111-2222-3333'], maxSeverity: 'urgent' },
      ),
    ).toEqual([
      'suppressions[0]: must be an object',
      expect.stringContaining('suppressions[1] (id "Office IP"): id "Office IP" must be'),
      'suppressions[1] (id "Office IP"): ruleIds must be a non-empty array of strings',
      'suppressions[2] (id "acct"): accounts[0] must be a string',
      'suppressions[2] (id "acct"): accounts "1111-2222-3333" is not a 12-digit account id',
      expect.stringContaining('suppressions[2] (id "acct"): maxSeverity "urgent" is not one of'),
    ]);
  });

  it('reports several problems together in one error', () => {
    const problems = problemsOf({
      version: 2,
      suppressions: [
        { ...terraform, expires: '2020-01-01' },
        { id: 'office-ip', sourceIpCidr: ['198.51.100.0/33'] },
        { ...terraform, ruleIds: ['ec2.[0-9]'] },
      ],
    });
    expect(problems).toEqual([
      expect.stringContaining('version "2" is not supported'),
      expect.stringContaining('suppressions[0] (id "terraform-deploy-role"): expired at'),
      expect.stringContaining('suppressions[1] (id "office-ip"): reason is missing'),
      expect.stringContaining(
        'suppressions[1] (id "office-ip"): sourceIpCidr "198.51.100.0/33" is not a CIDR',
      ),
      expect.stringContaining(
        'suppressions[2] (id "terraform-deploy-role"): ruleIds "ec2.[0-9]" is not a valid glob',
      ),
      expect.stringContaining(
        'suppressions[2] (id "terraform-deploy-role"): id is already used by suppressions[0]',
      ),
    ]);
  });

  it('names a rule id pattern that matches no known rule when the catalogue is given', () => {
    const input = { version: 1, suppressions: [{ ...terraform, ruleIds: ['iam.polcy-changed', 'ec2.*'] }] };
    expect(() => parseSuppressions(input, NOW)).not.toThrow();
    expect(() =>
      parseSuppressions(input, NOW, { knownRuleIds: ['iam.policy-changed', 'ec2.instances-launched'] }),
    ).toThrow(/ruleIds "iam.polcy-changed" matches no known rule/);
  });
});

describe('suppression robustness', () => {
  const entryKeys = [
    'id',
    'reason',
    'ruleIds',
    'eventNames',
    'principalArn',
    'accounts',
    'sourceIpCidr',
    'userAgentContains',
    'invokedBy',
    'maxSeverity',
    'expires',
    '__proto__',
    'constructor',
  ];
  const nearEntry = fc.dictionary(
    fc.constantFrom(...entryKeys),
    fc.oneof(fc.jsonValue(), fc.array(fc.string())),
  );

  it('throws nothing but SuppressionError on arbitrary JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.string(),
          fc.record({ version: fc.oneof(fc.constant(1), fc.jsonValue()), suppressions: fc.array(nearEntry) }),
        ),
        (input) => {
          try {
            parseSuppressions(input, NOW);
          } catch (error) {
            if (!(error instanceof SuppressionError)) throw error;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws while matching arbitrary findings', () => {
    const everything = list(
      {
        ...terraform,
        eventNames: ['Put*'],
        accounts: [ACCOUNT],
        invokedBy: ['*.amazonaws.com'],
        expires: '2027-01-01',
      },
      {
        id: 'net',
        reason: 'Net.',
        sourceIpCidr: ['0.0.0.0/0', '::/0'],
        userAgentContains: ['a'],
        maxSeverity: 'critical',
      },
    );
    const text = fc.oneof(
      fc.string(),
      fc.constantFrom('::ffff:1.2.3.4', '2001:db8::1', '198.51.100.7', 'AWS Internal'),
    );
    const anyRecord = fc.record({
      eventID: fc.string({ minLength: 1 }),
      eventName: fc.string({ minLength: 1 }),
      sourceIPAddress: fc.oneof(text, fc.jsonValue()),
      userAgent: fc.oneof(text, fc.jsonValue()),
      recipientAccountId: fc.oneof(fc.constant(ACCOUNT), fc.jsonValue()),
      userIdentity: fc.oneof(
        fc.jsonValue(),
        fc.record({ arn: text, invokedBy: fc.oneof(text, fc.jsonValue()), sessionContext: fc.jsonValue() }),
      ),
    });
    fc.assert(
      fc.property(anyRecord, fc.string(), fc.string(), fc.double(), (raw, ruleId, severity, now) => {
        const parsed = normalizeRecord(raw as JsonObject);
        if (!parsed.ok) return;
        const candidate = {
          ...finding('x', 'low'),
          ruleId,
          severity: severity as Severity,
          event: parsed.event,
        };
        everything.match(candidate, now);
        everything.match(candidate, NOW);
      }),
      { numRuns: 500 },
    );
  });

  it('matches * globs exactly like a reference regex', () => {
    const reference = (pattern: string, value: string): boolean =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
        's',
      ).test(value);
    fc.assert(
      fc.property(
        fc
          .string({ unit: fc.constantFrom('a', '.', '*'), minLength: 1, maxLength: 8 })
          .filter((p) => /[^*]/.test(p)),
        fc.string({ unit: fc.constantFrom('a', '.', 'b'), maxLength: 10 }),
        (pattern, ruleId) => {
          const byRule = list({ id: 'glob', reason: 'Test.', ruleIds: [pattern] });
          const matched = byRule.match(finding(ruleId, 'low'), NOW) !== undefined;
          expect(matched).toBe(reference(pattern, ruleId));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('examples/suppressions.json', () => {
  const example: unknown = JSON.parse(
    readFileSync(join(__dirname, '../../examples/suppressions.json'), 'utf8'),
  );

  it('is a valid list whose rule ids all exist in the catalogue', async () => {
    const { RULES } = await import('../../lambda/rules');
    const parsed = parseSuppressions(example, NOW, { knownRuleIds: RULES.map((r) => r.id) });
    expect(parsed.entries.map((e) => e.id)).toContain('office-console-sign-ins');
  });

  it('quiets routine office sign-ins but still alerts on high ones', () => {
    const suppressions = parseSuppressions(example, NOW);
    const login = (severity: Severity) =>
      finding('signin.console-login', severity, {
        eventName: 'ConsoleLogin',
        sourceIPAddress: '198.51.100.44',
      });
    expect(suppressions.match(login('medium'), NOW)?.id).toBe('office-console-sign-ins');
    expect(suppressions.match(login('high'), NOW)).toBeUndefined();
  });

  it("quiets the Terraform role's changes but not a critical one", () => {
    const suppressions = parseSuppressions(example, NOW);
    expect(suppressions.match(finding('iam.policy-changed', 'medium'), NOW)?.id).toBe(
      'terraform-deploy-role',
    );
    expect(suppressions.match(finding('iam.policy-changed', 'critical'), NOW)).toBeUndefined();
  });
});

describe('a suppression file with hostile values', () => {
  it('reports an object posing as a string instead of throwing', () => {
    expect(() =>
      parseSuppressions({ version: [], suppressions: [{ id: { toString: 0 } }] }, Date.now()),
    ).toThrow(SuppressionError);
  });
});
