import { Engine } from '../../lambda/core/engine';
import { normalizeRecord } from '../../lambda/core/event';
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
