// TrailwatchDetector in a host app's own stack: its metrics, its alarms, and what the self-tamper
// rule is told about the stack's updates.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TrailwatchDetector } from '../../lib/detector';
import { SKIP_BUNDLING, synthStack } from './synth';

const ENV = { account: '111122223333', region: 'eu-west-1' };

function host(): { stack: Stack; first: TrailwatchDetector; second: TrailwatchDetector; template: Template } {
  const stack = new Stack(new App({ context: SKIP_BUNDLING }), 'PaymentsApp', { env: ENV });
  const first = new TrailwatchDetector(stack, 'Trailwatch');
  const second = new TrailwatchDetector(stack, 'Audit', { regions: ['eu-west-1'] });
  return { stack, first, second, template: Template.fromStack(stack) };
}

const environments = (template: Template) =>
  Object.values(template.findResources('AWS::Lambda::Function')).map(
    (f) => f.Properties.Environment.Variables as Record<string, unknown>,
  );

describe('a detector embedded in a host stack', () => {
  it('gives two detectors in one stack series of their own, in their alarms and their functions', () => {
    const { first, second, template } = host();
    expect(first.metricsId).toBe('PaymentsApp/Trailwatch');
    expect(second.metricsId).toBe('PaymentsApp/Audit');
    const lagDimensions = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .filter((a) => a.Properties.MetricName === 'LagSeconds')
      .map(
        (a) =>
          (a.Properties.Dimensions as Array<{ Name: string; Value: string }>).find(
            (d) => d.Name === 'StackName',
          )!.Value,
      );
    expect(new Set(lagDimensions)).toEqual(new Set(['PaymentsApp/Trailwatch', 'PaymentsApp/Audit']));
    expect(
      environments(template)
        .map((e) => e.TRAILWATCH_METRICS_ID)
        .sort(),
    ).toEqual(['PaymentsApp/Audit', 'PaymentsApp/Trailwatch']);
  });

  it("tells the function that the host's deployments update the stack", () => {
    for (const env of environments(host().template)) expect(env.TRAILWATCH_STACK_UPDATES).toBe('expected');
  });

  it('exposes its alarms and the lag metric of a region', () => {
    const { first, stack } = host();
    // errors, dead letters, alerts set aside, and one lag alarm per region (eu-west-1, us-east-1).
    expect(first.alarms).toHaveLength(5);
    const metric = first.metricLag('eu-west-1');
    expect(stack.resolve(metric.dimensions)).toEqual({
      StackName: 'PaymentsApp/Trailwatch',
      Region: 'eu-west-1',
    });
    expect(metric.metricName).toBe('LagSeconds');
    expect(metric.statistic).toBe('Maximum');
  });
});

describe('the detector in its own stack (cdk deploy of this app)', () => {
  it('keeps the stack name as its series and reports the stack updates', () => {
    const { stack, template } = synthStack({}, ENV);
    expect(stack.detector.metricsId).toBe('Trailwatch');
    const [env] = environments(template);
    expect(env!.TRAILWATCH_STACK_UPDATES).toBeUndefined();
    expect(env!.TRAILWATCH_METRICS_ID).toBeUndefined();
  });
});
