// trailwatch embedded in a host app's stack: the function's configuration, and the self-tamper
// rule, which takes the host's deployments of the stack for what they are.
import { loadConfig } from '../../lambda/config';
import { Engine } from '../../lambda/core/engine';
import { parseCloudTrailEvent } from '../../lambda/core/event';
import { RULES } from '../../lambda/rules';
import { TEST_CONTEXT } from '../support/rule-context';

const NOW = Date.parse('2026-12-05T12:00:00Z');
const ENV = {
  TRAILWATCH_TABLE_NAME: 'PaymentsApp-TrailwatchTable',
  TRAILWATCH_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:alerts',
  TRAILWATCH_REGIONS: 'eu-west-1',
  TRAILWATCH_STACK_NAME: 'PaymentsApp',
};

function stackCall(eventName: string, embedded: boolean) {
  const engine = new Engine(RULES, {
    ownResources: { ...TEST_CONTEXT.ownResources, stackName: 'PaymentsApp', stackUpdatesExpected: embedded },
  });
  const parsed = parseCloudTrailEvent(
    JSON.stringify({
      eventVersion: '1.10',
      eventID: `00000000-0000-4000-8000-${eventName.length.toString().padStart(12, '0')}`,
      eventTime: '2026-12-05T11:58:00Z',
      eventSource: 'cloudformation.amazonaws.com',
      eventName,
      awsRegion: 'us-east-1',
      recipientAccountId: '111122223333',
      sourceIPAddress: '203.0.113.7',
      userAgent: 'aws-cdk/2.1148.1',
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/cdk-deploy-role/ci',
        accountId: '111122223333',
        principalId: 'AROAEXAMPLEDEPLOY001:ci',
      },
      requestParameters: {
        stackName: 'arn:aws:cloudformation:us-east-1:111122223333:stack/PaymentsApp/4d1f2b3c',
      },
      responseElements: null,
      readOnly: false,
      eventType: 'AwsApiCall',
    }),
  );
  if (!parsed.ok) throw new Error(parsed.reason);
  return engine.evaluate(parsed.event).findings.filter((f) => f.ruleId === 'trailwatch.self-tamper');
}

describe('embedded in a host stack', () => {
  it("reads the metrics' series and the expected stack updates from the environment", () => {
    const embedded = loadConfig(
      { ...ENV, TRAILWATCH_METRICS_ID: 'PaymentsApp/Trailwatch', TRAILWATCH_STACK_UPDATES: 'expected' },
      NOW,
    );
    expect(embedded.metricsId).toBe('PaymentsApp/Trailwatch');
    expect(embedded.ownResources.stackUpdatesExpected).toBe(true);
    const dedicated = loadConfig(ENV, NOW);
    expect(dedicated.metricsId).toBe('PaymentsApp');
    expect(dedicated.ownResources.stackUpdatesExpected).toBe(false);
  });

  it("does not report the host's deployments of the stack, and still reports its deletion", () => {
    expect(stackCall('UpdateStack', true)).toEqual([]);
    expect(stackCall('ExecuteChangeSet', true)).toEqual([]);
    expect(stackCall('DeleteStack', true).map((f) => f.severity)).toEqual(['critical']);
    expect(stackCall('SetStackPolicy', true).map((f) => f.severity)).toEqual(['high']);
  });

  it('in its own stack, reports an update at high (also the upgrade path)', () => {
    expect(stackCall('UpdateStack', false).map((f) => f.severity)).toEqual(['high']);
    expect(stackCall('ExecuteChangeSet', false).map((f) => f.severity)).toEqual(['high']);
  });
});
