// A policy write whose request CloudTrail omitted is rated as the worst the rules reading that
// policy could have found, and its finding replaces theirs.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../lambda/core/engine';
import { normalizeRecord, parseCloudTrailEvent } from '../../lambda/core/event';
import type { Rule } from '../../lambda/core/rule';
import { type JsonObject, type Severity, severityRank } from '../../lambda/core/types';
import { RULES } from '../../lambda/rules';
import { TEST_CONTEXT } from '../support/rule-context';

const HIDDEN = RULES.find((r) => r.id === 'cloudtrail.policy-request-hidden')!;
const FIXTURES = join(__dirname, '..', 'fixtures', 'rules');

function record(eventSource: string, eventName: string, requestParameters: JsonObject | null): JsonObject {
  return {
    eventVersion: '1.11',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLEMALLORY01',
      arn: 'arn:aws:iam::111122223333:user/mallory',
      accountId: '111122223333',
      accessKeyId: 'AKIAEXAMPLEMALLORY01',
      userName: 'mallory',
    },
    eventTime: '2026-11-20T10:00:00Z',
    eventSource,
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-cli/2.17.40',
    requestParameters,
    responseElements: null,
    eventID: `hidden-${eventName}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
  };
}

const severityOf = (rule: Rule, r: JsonObject): Severity => {
  const parsed = normalizeRecord(r);
  if (!parsed.ok) throw new Error(parsed.reason);
  return typeof rule.severity === 'function' ? rule.severity(parsed.event, TEST_CONTEXT) : rule.severity;
};

/** The most severe rating any other rule's fixtures give a successful call of this name and source. */
function worstElsewhere(eventSource: string, eventName: string): Severity | undefined {
  let worst: Severity | undefined;
  for (const rule of RULES) {
    if (rule === HIDDEN || !rule.eventNames.includes(eventName)) continue;
    const fixture = JSON.parse(readFileSync(join(FIXTURES, `${rule.id}.json`), 'utf8')) as {
      positive: Array<{ severity: Severity; record: JsonObject }>;
    };
    for (const c of fixture.positive) {
      if (c.record.eventSource !== eventSource || c.record.eventName !== eventName || c.record.errorCode)
        continue;
      if (worst === undefined || severityRank(c.severity) > severityRank(worst)) worst = c.severity;
    }
  }
  return worst;
}

describe('a policy write CloudTrail left out', () => {
  const OMITTED = { reason: 'requestParameters too large', omitted: true };
  const pairs = HIDDEN.eventSources!.flatMap((source) =>
    HIDDEN.eventNames.map((name) => [source, name] as const),
  ).filter(([source, name]) => HIDDEN.matches(normalizeOk(record(source, name, OMITTED)), TEST_CONTEXT));

  it('covers the policy writes of every service it names', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(16);
  });

  it.each(pairs)(
    '%s %s is rated at least as the rules reading that policy rate it at worst',
    (source, name) => {
      const worst = worstElsewhere(source, name);
      const rated = severityOf(HIDDEN, record(source, name, OMITTED));
      if (worst !== undefined) expect(severityRank(rated)).toBeGreaterThanOrEqual(severityRank(worst));
      expect(severityRank(rated)).toBeGreaterThanOrEqual(severityRank('high'));
    },
  );

  it('replaces the findings of the rules that could only judge the empty request', () => {
    const engine = new Engine(RULES, TEST_CONTEXT);
    const parsed = parseCloudTrailEvent(
      JSON.stringify(record('iam.amazonaws.com', 'UpdateAssumeRolePolicy', OMITTED)),
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    const findings = engine.evaluate(parsed.event).findings;
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['cloudtrail.policy-request-hidden', 'critical'],
    ]);
    expect(findings[0]!.summary).toMatch(/too large for CloudTrail to record/);
  });

  it('stays out of the way when the request was recorded', () => {
    const engine = new Engine(RULES, TEST_CONTEXT);
    const parsed = parseCloudTrailEvent(
      JSON.stringify(
        record('iam.amazonaws.com', 'PutRolePolicy', {
          roleName: 'app',
          policyName: 'p',
          policyDocument: '{}',
        }),
      ),
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(engine.evaluate(parsed.event).findings.map((f) => f.ruleId)).not.toContain(
      'cloudtrail.policy-request-hidden',
    );
  });
});

function normalizeOk(r: JsonObject) {
  const parsed = normalizeRecord(r);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}
