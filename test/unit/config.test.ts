import { ConfigError, loadConfig } from '../../lambda/config';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const valid = {
  TRAILWATCH_TABLE_NAME: 'trailwatch-state',
  TRAILWATCH_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:trailwatch-alerts',
  TRAILWATCH_REGIONS: 'eu-west-1,us-east-1',
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env, NOW, ['cloudtrail.logging-stopped']);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('Lambda configuration', () => {
  it('applies documented defaults', () => {
    const config = loadConfig(valid, NOW);
    expect(config).toMatchObject({
      regions: ['eu-west-1', 'us-east-1'],
      overlapMs: 60 * 60_000,
      initialLookbackMs: 24 * 60 * 60_000,
      minSeverity: 'high',
      maxPagesPerRun: 600,
      repeatWindowMs: 60 * 60_000,
      schedulePeriodMs: 5 * 60_000,
      lateAlertMs: 30 * 60_000,
    });
    expect(loadConfig({ ...valid, TRAILWATCH_LATE_ALERT_MINUTES: '45' }, NOW).lateAlertMs).toBe(45 * 60_000);
    expect(() => loadConfig({ ...valid, TRAILWATCH_LATE_ALERT_MINUTES: '0' }, NOW)).toThrow(
      /TRAILWATCH_LATE_ALERT_MINUTES/,
    );
    expect(Object.isFrozen(config)).toBe(true);
    expect(loadConfig({ ...valid, TRAILWATCH_SCHEDULE_MINUTES: '15' }, NOW).schedulePeriodMs).toBe(
      15 * 60_000,
    );
    expect(loadConfig({ ...valid, TRAILWATCH_REPEAT_WINDOW_MINUTES: '0' }, NOW).repeatWindowMs).toBe(0);
    expect(config.firstSeen).toEqual({
      dimensions: ['network', 'region', 'agent', 'api', 'volume'],
      learningMs: 7 * 24 * 3_600_000,
    });
  });

  it('reads the first-seen dimensions, "off", and the learning period', () => {
    const read = (env: Record<string, string>) => loadConfig({ ...valid, ...env }, NOW).firstSeen;
    expect(read({ TRAILWATCH_FIRST_SEEN: 'off' }).dimensions).toEqual([]);
    expect(read({ TRAILWATCH_FIRST_SEEN: ' region, api,region' }).dimensions).toEqual(['region', 'api']);
    expect(read({ TRAILWATCH_FIRST_SEEN_LEARNING_DAYS: '0' }).learningMs).toBe(0);
    expect(
      problemsOf({
        ...valid,
        TRAILWATCH_FIRST_SEEN: 'network,ip',
        TRAILWATCH_FIRST_SEEN_LEARNING_DAYS: '91',
      }),
    ).toEqual([
      'TRAILWATCH_FIRST_SEEN_LEARNING_DAYS="91" is not a whole number from 0 to 90',
      'TRAILWATCH_FIRST_SEEN has "ip": expected "off" or a comma-separated list of network, region, agent, api, volume',
    ]);
  });

  it('turns no output on by default, and reads each output and its floor', () => {
    expect(loadConfig(valid, NOW).outputs).toEqual({
      eventBus: undefined,
      securityHubProductArn: undefined,
      chatTopicArn: undefined,
      selections: [],
    });
    const on = loadConfig(
      {
        ...valid,
        TRAILWATCH_MIN_SEVERITY: 'medium',
        TRAILWATCH_EVENT_BUS: 'arn:aws:events:eu-west-1:444455556666:event-bus/central',
        TRAILWATCH_SECURITY_HUB_PRODUCT_ARN:
          'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default',
        TRAILWATCH_CHAT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:trailwatch-chat',
      },
      NOW,
    ).outputs;
    expect(on.selections).toEqual([
      { name: 'eventBus', minSeverity: 'medium' },
      { name: 'securityHub', minSeverity: 'medium' },
      { name: 'chat', minSeverity: 'high' },
    ]);
    // Chat never takes what is not alerted at all.
    const low = loadConfig(
      {
        ...valid,
        TRAILWATCH_CHAT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:trailwatch-chat',
        TRAILWATCH_CHAT_MIN_SEVERITY: 'low',
      },
      NOW,
    ).outputs;
    expect(low.selections).toEqual([{ name: 'chat', minSeverity: 'high' }]);
    expect(loadConfig({ ...valid, TRAILWATCH_EVENT_BUS: 'default' }, NOW).outputs.eventBus).toBe('default');
  });

  it('names each malformed output variable', () => {
    const problems = problemsOf({
      ...valid,
      TRAILWATCH_EVENT_BUS: 'bus with spaces',
      TRAILWATCH_SECURITY_HUB_PRODUCT_ARN:
        'arn:aws:securityhub:eu-west-1:111122223333:product/999988887777/default',
      TRAILWATCH_CHAT_TOPIC_ARN: 'chat',
      TRAILWATCH_CHAT_MIN_SEVERITY: 'urgent',
    });
    expect(problems).toEqual([
      'TRAILWATCH_EVENT_BUS="bus with spaces" is not an EventBridge bus name or ARN',
      expect.stringContaining(
        'TRAILWATCH_SECURITY_HUB_PRODUCT_ARN="arn:aws:securityhub:eu-west-1:111122223333:product/999988887777/default" is not an account\'s default product',
      ),
      'TRAILWATCH_CHAT_TOPIC_ARN="chat" is not an SNS topic ARN',
      'TRAILWATCH_CHAT_MIN_SEVERITY="urgent" is not one of info, low, medium, high, critical',
    ]);
  });

  it('de-duplicates regions (the stack region may itself be us-east-1)', () => {
    expect(
      loadConfig({ ...valid, TRAILWATCH_REGIONS: 'us-east-1, us-east-1 ,eu-west-1' }, NOW).regions,
    ).toEqual(['us-east-1', 'eu-west-1']);
  });

  it('names a missing variable', () => {
    expect(problemsOf({ ...valid, TRAILWATCH_TABLE_NAME: '' })).toEqual([
      expect.stringContaining('TRAILWATCH_TABLE_NAME is not set'),
    ]);
  });

  it('reports every malformed variable at once', () => {
    const problems = problemsOf({
      ...valid,
      TRAILWATCH_TOPIC_ARN: 'not-an-arn',
      TRAILWATCH_REGIONS: 'eu-west-1,moon-base-1',
      TRAILWATCH_MIN_SEVERITY: 'urgent',
      TRAILWATCH_OVERLAP_MINUTES: '2',
      TRAILWATCH_MAX_PAGES_PER_RUN: 'many',
      TRAILWATCH_REPEAT_WINDOW_MINUTES: '-5',
      TRAILWATCH_SCHEDULE_MINUTES: '0',
    });
    expect(problems).toHaveLength(7);
    for (const name of [
      'TOPIC_ARN',
      'REGIONS',
      'MIN_SEVERITY',
      'OVERLAP_MINUTES',
      'MAX_PAGES_PER_RUN',
      'REPEAT_WINDOW_MINUTES',
      'SCHEDULE_MINUTES',
    ]) {
      expect(problems.some((p) => p.startsWith(`TRAILWATCH_${name}`))).toBe(true);
    }
  });

  it('reads a suppression list and names every problem in it', () => {
    const list = {
      version: 1,
      suppressions: [{ id: 'ci', reason: 'deploys', ruleIds: ['cloudtrail.*'], accounts: ['111122223333'] }],
    };
    expect(
      loadConfig({ ...valid, TRAILWATCH_SUPPRESSIONS: JSON.stringify(list) }, NOW).suppressions.entries,
    ).toHaveLength(1);
    const stale = { ...list, suppressions: [{ ...list.suppressions[0], expires: '2020-01-01' }] };
    expect(problemsOf({ ...valid, TRAILWATCH_SUPPRESSIONS: JSON.stringify(stale) })).toEqual([
      expect.stringMatching(/^TRAILWATCH_SUPPRESSIONS: .*"ci".*expire/),
    ]);
  });
});
