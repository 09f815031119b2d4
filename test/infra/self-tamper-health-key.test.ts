// The health topic's key is trailwatch's own too: the construct names it to the function, the
// configuration reads it, and `trailwatch.self-tamper` recognises changes to it as it does for the
// alert key. (The rule's fixtures run with test/support/rule-context.ts, which names no health
// key, so the health-key cases live here, with a context that does.)
import { Match } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../lambda/config';
import { Engine } from '../../lambda/core/engine';
import { normalizeRecord } from '../../lambda/core/event';
import type { RuleContext } from '../../lambda/core/rule';
import type { JsonObject, TrailEvent } from '../../lambda/core/types';
import { RULES } from '../../lambda/rules';
import { TEST_CONTEXT } from '../support/rule-context';
import { synthStack } from './synth';

const HEALTH_KEY_ID = '5678efab-56ef-78ab-90cd-5678901234ef';
const HEALTH_KEY_ARN = `arn:aws:kms:us-east-1:111122223333:key/${HEALTH_KEY_ID}`;
const CONTEXT: RuleContext = Object.freeze({
  ownResources: Object.freeze({ ...TEST_CONTEXT.ownResources, healthKeyArn: HEALTH_KEY_ARN }),
});

const rule = RULES.find((r) => r.id === 'trailwatch.self-tamper');
if (!rule) throw new Error('no rule trailwatch.self-tamper');

const mallory: JsonObject = {
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLEMALLORYX',
  arn: 'arn:aws:iam::111122223333:user/mallory',
  accountId: '111122223333',
  userName: 'mallory',
};

function kmsCall(
  eventName: string,
  requestParameters: JsonObject,
  extra: JsonObject = {},
  resourceArn?: string,
): TrailEvent {
  const result = normalizeRecord({
    eventVersion: '1.10',
    eventID: `kms-${eventName}-${JSON.stringify(requestParameters).length}`,
    eventTime: '2026-11-20T09:14:03Z',
    eventSource: 'kms.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.23',
    userAgent: 'aws-cli/2.17.40',
    recipientAccountId: '111122223333',
    userIdentity: mallory,
    requestParameters,
    ...(resourceArn
      ? { resources: [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN: resourceArn }] }
      : {}),
    ...extra,
  });
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

function fires(e: TrailEvent, context: RuleContext = CONTEXT): boolean {
  return (
    rule!.eventNames.includes(e.eventName) &&
    (!rule!.eventSources || rule!.eventSources.includes(e.eventSource)) &&
    rule!.matches(e, context)
  );
}

function severityOf(e: TrailEvent): string {
  return typeof rule!.severity === 'function' ? rule!.severity(e, CONTEXT) : rule!.severity;
}

describe('trailwatch.self-tamper on the health key', () => {
  it.each<[string, TrailEvent, string]>([
    ['health key disabled by key id', kmsCall('DisableKey', { keyId: HEALTH_KEY_ID }), 'critical'],
    [
      'health key scheduled for deletion by ARN',
      kmsCall('ScheduleKeyDeletion', { keyId: HEALTH_KEY_ARN, pendingWindowInDays: 7 }),
      'critical',
    ],
    [
      'health key policy replaced through an alias (resolved key in resources)',
      kmsCall(
        'PutKeyPolicy',
        { keyId: 'alias/trailwatch-health', policyName: 'default' },
        {},
        HEALTH_KEY_ARN,
      ),
      'critical',
    ],
    ['grant created on the health key', kmsCall('CreateGrant', { keyId: HEALTH_KEY_ID }), 'high'],
    ['health key rotation turned off', kmsCall('DisableKeyRotation', { keyId: HEALTH_KEY_ID }), 'high'],
    [
      'a failed DisableKey on the health key is still high',
      kmsCall('DisableKey', { keyId: HEALTH_KEY_ID }, { errorCode: 'AccessDenied', errorMessage: 'denied' }),
      'high',
    ],
  ])('fires on: %s', (_name, e, severity) => {
    expect(fires(e)).toBe(true);
    expect(severityOf(e)).toBe(severity);
    const summary = rule.explain(e, CONTEXT);
    expect(summary).toContain('health');
    expect(summary).toContain(HEALTH_KEY_ID);
  });

  it.each<[string, TrailEvent]>([
    ['a look-alike key id', kmsCall('DisableKey', { keyId: HEALTH_KEY_ID.replace(/ef$/, 'ee') })],
    [
      'the same key id in another account',
      kmsCall('DisableKey', { keyId: HEALTH_KEY_ARN.replace('111122223333', '444455556666') }),
    ],
    [
      'a grant created by an AWS service on its behalf',
      kmsCall(
        'CreateGrant',
        { keyId: HEALTH_KEY_ARN },
        {
          userIdentity: { ...mallory, invokedBy: 'sns.amazonaws.com' },
          sourceIPAddress: 'sns.amazonaws.com',
        },
      ),
    ],
  ])('stays quiet on: %s', (_name, e) => {
    expect(fires(e)).toBe(false);
  });

  it('does not recognise the health key when the function was not told about it', () => {
    expect(fires(kmsCall('DisableKey', { keyId: HEALTH_KEY_ID }), TEST_CONTEXT)).toBe(false);
  });

  it('still recognises the alert key', () => {
    expect(fires(kmsCall('DisableKey', { keyId: TEST_CONTEXT.ownResources.keyArn ?? '' }))).toBe(true);
  });

  it('keys the alert key and the health key apart, so both are alerted', () => {
    const health = kmsCall('DisableKey', { keyId: HEALTH_KEY_ID });
    const alert = kmsCall('DisableKey', { keyId: TEST_CONTEXT.ownResources.keyArn ?? '' });
    expect(rule.dedupKey?.(health, CONTEXT)).not.toEqual(rule.dedupKey?.(alert, CONTEXT));
  });

  it('pages once, as self-tamper, when the health key is disabled', () => {
    const { findings } = new Engine(RULES, CONTEXT).evaluate(kmsCall('DisableKey', { keyId: HEALTH_KEY_ID }));
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['trailwatch.self-tamper', 'critical']]);
  });
});

describe('the health key from the construct to the rule', () => {
  it('is read from TRAILWATCH_HEALTH_KEY_ARN, the variable the construct sets', () => {
    // Prepare: the variable the construct sets, with the health key's ARN.
    const { template } = synthStack({});
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TRAILWATCH_HEALTH_KEY_ARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectorHealthKey'), 'Arn'] },
        }),
      },
    });
    // Act
    const config = loadConfig(
      {
        TRAILWATCH_TABLE_NAME: 'Trailwatch-State',
        TRAILWATCH_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:Trailwatch-Alerts',
        TRAILWATCH_REGIONS: 'us-east-1',
        TRAILWATCH_SCHEDULE_MINUTES: '5',
        TRAILWATCH_KEY_ARN: TEST_CONTEXT.ownResources.keyArn,
        TRAILWATCH_HEALTH_KEY_ARN: HEALTH_KEY_ARN,
      },
      Date.parse('2026-11-20T09:00:00Z'),
    );
    // Assess
    expect(config.ownResources.healthKeyArn).toBe(HEALTH_KEY_ARN);
    expect(
      fires(kmsCall('DisableKey', { keyId: HEALTH_KEY_ID }), { ownResources: config.ownResources }),
    ).toBe(true);
  });
});
