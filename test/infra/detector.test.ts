import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TrailwatchDetector, type TrailwatchDetectorProps } from '../../lib/detector';
import { SKIP_BUNDLING } from './synth';

function build(props: TrailwatchDetectorProps): Template {
  const stack = new Stack(new App({ context: SKIP_BUNDLING }), 'Test', {
    env: { account: '111111111111', region: 'eu-west-1' },
  });
  new TrailwatchDetector(stack, 'Detector', props);
  return Template.fromStack(stack);
}

describe('TrailwatchDetector props', () => {
  it('watches the stack region and us-east-1 by default', () => {
    build({}).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { TRAILWATCH_REGIONS: 'eu-west-1,us-east-1' } },
    });
  });

  it('turns first-seen detections off with an empty list', () => {
    build({ firstSeen: [], firstSeenLearningPeriod: Duration.days(0) }).hasResourceProperties(
      'AWS::Lambda::Function',
      {
        Environment: {
          Variables: { TRAILWATCH_FIRST_SEEN: 'off', TRAILWATCH_FIRST_SEEN_LEARNING_DAYS: '0' },
        },
      },
    );
  });

  it('accepts a suppression naming a threshold rule or the first-seen detection', () => {
    const suppressions = {
      version: 1,
      suppressions: [
        { id: 'scanner', reason: 'our scanner', ruleIds: ['iam.access-denied-burst', 'anomaly.first-seen'] },
      ],
    };
    expect(() => build({ suppressions })).not.toThrow();
  });

  it('turns on deletion protection when asked', () => {
    build({ tableDeletionProtection: true }).hasResourceProperties('AWS::DynamoDB::Table', {
      DeletionProtectionEnabled: true,
    });
  });

  it.each<[string, TrailwatchDetectorProps, RegExp]>([
    [
      'a timeout as long as the schedule',
      { schedule: Duration.minutes(2), timeout: Duration.minutes(2) },
      /timeout \(120 s\) must be shorter than the schedule/,
    ],
    [
      'a schedule under a minute',
      { schedule: Duration.seconds(30) },
      /schedule \(minutes\) is not a whole number from 1/,
    ],
    ['an overlap in seconds', { overlap: Duration.seconds(90) }, /overlap \(minutes\) is not a whole number/],
    ['memory below 128 MB', { memorySize: 64 }, /memorySize \(MB\) is not a whole number from 128/],
    ['no regions', { regions: [] }, /regions must name at least one region/],
    ['zero reserved concurrency', { reservedConcurrentExecutions: 0 }, /reservedConcurrentExecutions/],
    ['a plain-http URL', { alertUrls: [{ endpoint: 'http://hooks.example.com' }] }, /must use https/],
    [
      'a learning period in hours',
      { firstSeenLearningPeriod: Duration.hours(36) },
      /firstSeenLearningPeriod \(days\) is not a whole number from 0 to 90, got 1.5/,
    ],
    [
      'an unknown first-seen dimension',
      { firstSeen: ['network', 'asn' as never] },
      /firstSeen: "asn" is not one of network, region, agent, api, volume/,
    ],
    [
      'a recipient listed twice',
      { alertEmails: [{ endpoint: 'a@example.com' }, { endpoint: 'a@example.com' }] },
      /listed twice/,
    ],
  ])('rejects %s', (_name, props, expected) => {
    expect(() => build(props)).toThrow(expected);
  });
});
