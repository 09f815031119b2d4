// One source of defaults and bounds (lambda/core/settings.ts): the construct, the CDK context
// reader and the Lambda's configuration loader each agree with it, setting by setting. A default
// or bound written anywhere else shows here as a disagreement.
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../lambda/config';
import {
  DEFAULT_MIN_SEVERITY,
  WHOLE_NUMBER_SETTINGS,
  type WholeNumberSettingKey,
} from '../../lambda/core/settings';
import { DAY_MS, MINUTE_MS } from '../../lambda/core/window';
import { readContext } from '../../lib/context';
import { TrailwatchDetector, type TrailwatchDetectorProps } from '../../lib/detector';
import { SKIP_BUNDLING } from './synth';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const REQUIRED = {
  TRAILWATCH_TABLE_NAME: 'trailwatch-state',
  TRAILWATCH_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:trailwatch-alerts',
};

/** The construct's props for each whole-number setting it takes, from a value in the setting's unit. */
const PROPS: Partial<Record<WholeNumberSettingKey, (v: number) => TrailwatchDetectorProps>> = {
  scheduleMinutes: (v) => ({ schedule: Duration.minutes(v), timeout: Duration.seconds(1) }),
  overlapMinutes: (v) => ({ overlap: Duration.minutes(v) }),
  initialLookbackMinutes: (v) => ({ initialLookback: Duration.minutes(v) }),
  alertRetentionDays: (v) => ({ alertRetention: Duration.days(v) }),
  maxPagesPerRun: (v) => ({ maxPagesPerRun: v }),
  maxAlertsPerRun: (v) => ({ maxAlertsPerRun: v }),
  repeatWindowMinutes: (v) => ({ repeatWindow: Duration.minutes(v) }),
  firstSeenLearningDays: (v) => ({ firstSeenLearningPeriod: Duration.days(v) }),
  memoryMb: (v) => ({ memorySize: v }),
  timeoutSeconds: (v) => ({ timeout: Duration.seconds(v), schedule: Duration.minutes(1440) }),
};

/** What the Lambda's configuration holds for each setting it reads, in the setting's unit. */
const CONFIG: Partial<Record<WholeNumberSettingKey, (c: ReturnType<typeof loadConfig>) => number>> = {
  scheduleMinutes: (c) => c.schedulePeriodMs / MINUTE_MS,
  overlapMinutes: (c) => c.overlapMs / MINUTE_MS,
  initialLookbackMinutes: (c) => c.initialLookbackMs / MINUTE_MS,
  sliceMinutes: (c) => c.sliceMs / MINUTE_MS,
  alertRetentionDays: (c) => c.alertRetentionMs / DAY_MS,
  maxPagesPerRun: (c) => c.maxPagesPerRun,
  maxAlertsPerRun: (c) => c.maxAlertsPerRun,
  repeatWindowMinutes: (c) => c.repeatWindowMs / MINUTE_MS,
  firstSeenLearningDays: (c) => c.firstSeen.learningMs / DAY_MS,
};

const ENTRIES = Object.entries(WHOLE_NUMBER_SETTINGS) as Array<
  [WholeNumberSettingKey, (typeof WHOLE_NUMBER_SETTINGS)[WholeNumberSettingKey]]
>;

function construct(props: TrailwatchDetectorProps): Template {
  const app = new App({ context: SKIP_BUNDLING });
  const stack = new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
  new TrailwatchDetector(stack, 'Detector', props);
  return Template.fromStack(stack);
}

describe('every default and bound comes from the settings', () => {
  // One synth with no props: the function's environment holds every default the Lambda reads.
  const environment = (): Record<string, string> => {
    const template = construct({});
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    return fn?.Properties.Environment.Variables;
  };
  const deployed = environment();

  it.each(ENTRIES.filter(([, s]) => 'env' in s && s.env !== 'TRAILWATCH_SLICE_MINUTES'))(
    'the construct deploys the default of %s',
    (_key, setting) => {
      expect(deployed[(setting as { env: string }).env]).toBe(String(setting.default));
    },
  );

  it('the construct and the Lambda default to the same severity threshold', () => {
    expect(deployed.TRAILWATCH_MIN_SEVERITY).toBe(DEFAULT_MIN_SEVERITY);
    expect(loadConfig(REQUIRED, NOW).minSeverity).toBe(DEFAULT_MIN_SEVERITY);
  });

  it.each(ENTRIES.filter(([key]) => CONFIG[key] !== undefined))(
    'the Lambda reads %s with its default and bounds',
    (key, setting) => {
      const read = CONFIG[key]!;
      const env = (setting as { env: string }).env;
      expect(read(loadConfig(REQUIRED, NOW))).toBe(setting.default);
      expect(read(loadConfig({ ...REQUIRED, [env]: String(setting.min) }, NOW))).toBe(setting.min);
      expect(read(loadConfig({ ...REQUIRED, [env]: String(setting.max) }, NOW))).toBe(setting.max);
      for (const outside of [setting.min - 1, setting.max + 1]) {
        expect(() => loadConfig({ ...REQUIRED, [env]: String(outside) }, NOW)).toThrow(
          `${env}="${outside}" is not a whole number from ${setting.min} to ${setting.max}`,
        );
      }
    },
  );

  it.each(ENTRIES.filter(([key]) => key !== 'sliceMinutes' && key !== 'lagAlarmMinutes'))(
    'the context key %s has the same bounds',
    (key, setting) => {
      const read = (value: number) => () =>
        readContext((k) => (k === key ? String(value) : k === 'scheduleMinutes' ? '1440' : undefined));
      expect(read(setting.min)).not.toThrow();
      expect(read(setting.max)).not.toThrow();
      for (const outside of [setting.min - 1, setting.max + 1]) {
        expect(read(outside)).toThrow(
          `${key}: "${outside}" is not a whole number from ${setting.min} to ${setting.max}`,
        );
      }
    },
  );

  it.each(ENTRIES.filter(([key]) => PROPS[key] !== undefined))(
    'the construct takes %s within the same bounds',
    (key, setting) => {
      const props = PROPS[key]!;
      expect(() => construct(props(setting.min))).not.toThrow();
      expect(() => construct(props(setting.max))).not.toThrow();
      // A Duration cannot be negative: below a minimum of 0 there is nothing to pass.
      for (const outside of [setting.min - 1, setting.max + 1].filter((v) => v >= 0)) {
        expect(() => construct(props(outside))).toThrow(
          `is not a whole number from ${setting.min} to ${setting.max}`,
        );
      }
    },
  );
});
