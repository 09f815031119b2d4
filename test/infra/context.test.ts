import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { readContext } from '../../lib/context';

/** A context getter over a plain object, as `-c` (strings) or cdk.json (any JSON) would give it. */
const from =
  (values: Record<string, unknown>) =>
  (key: string): unknown =>
    values[key];

function problemsOf(values: Record<string, unknown>): string {
  try {
    readContext(from(values));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected readContext to throw');
}

describe('readContext', () => {
  describe('valid input', () => {
    it('leaves every setting to the construct defaults when the context is empty', () => {
      // Act
      const props = readContext(from({}));
      // Assess
      expect(Object.values(props).every((value) => value === undefined)).toBe(true);
    });

    it('reads subscribers with and without a severity suffix', () => {
      const props = readContext(
        from({
          alertEmail: 'ops@example.com,sec@example.com:Medium',
          alertPhone: '["+15551234567:critical"]',
          alertUrl: ['https://hooks.example.com:8443/a:b/c', 'https://x.example.com/hook:low'],
        }),
      );
      expect(props.alertEmails).toEqual([
        { endpoint: 'ops@example.com' },
        { endpoint: 'sec@example.com', minSeverity: 'medium' },
      ]);
      expect(props.alertPhones).toEqual([{ endpoint: '+15551234567', minSeverity: 'critical' }]);
      expect(props.alertUrls).toEqual([
        { endpoint: 'https://hooks.example.com:8443/a:b/c' },
        { endpoint: 'https://x.example.com/hook', minSeverity: 'low' },
      ]);
    });

    it('accepts numbers as strings (-c) and as numbers (cdk.json)', () => {
      const props = readContext(
        from({
          scheduleMinutes: '10',
          timeoutSeconds: 300,
          memoryMb: '1024',
          logRetentionDays: 7,
          alertRetentionDays: 30,
        }),
      );
      expect(props.schedule?.toMinutes()).toBe(10);
      expect(props.timeout?.toSeconds()).toBe(300);
      expect(props.memorySize).toBe(1024);
      expect(props.logRetention).toBe(logs.RetentionDays.ONE_WEEK);
      expect(props.alertRetention?.toDays()).toBe(30);
    });

    it('reads regions, severity and removal policy case-insensitively and removes repeated regions', () => {
      const props = readContext(
        from({
          regions: 'EU-West-1, us-east-1,eu-west-1',
          minSeverity: 'Critical',
          removalPolicy: 'DESTROY',
        }),
      );
      expect(props.regions).toEqual(['eu-west-1', 'us-east-1']);
      expect(props.minSeverity).toBe('critical');
      expect(props.removalPolicy).toBe(RemovalPolicy.DESTROY);
    });

    it('treats an empty string as unset', () => {
      const props = readContext(from({ alertEmail: '', scheduleMinutes: ' ' }));
      expect(props.alertEmails).toBeUndefined();
      expect(props.schedule).toBeUndefined();
    });

    it('returns durations the construct understands', () => {
      const props = readContext(from({ overlapMinutes: '30', initialLookbackMinutes: '129600' }));
      expect(props.overlap?.toMinutes()).toBe(Duration.minutes(30).toMinutes());
      expect(props.initialLookback?.toDays()).toBe(90);
    });
  });

  describe('bad input', () => {
    it.each([
      [
        'alertEmail',
        'ops.example.com',
        /alertEmail: "ops\.example\.com" is not an email address \(expected name@example\.com/,
      ],
      [
        'alertEmail',
        'ops@example.com:urgent',
        /alertEmail: "ops@example\.com:urgent" is not an email address/,
      ],
      [
        'alertPhone',
        '555-1234',
        /alertPhone: "555-1234" is not an E\.164 number \(expected \+<country><number>, e\.g\. \+15551234567/,
      ],
      ['alertPhone', '+0123456789', /alertPhone: "\+0123456789" is not an E\.164 number/],
      [
        'alertUrl',
        'http://hooks.example.com/x',
        /alertUrl: "http:\/\/hooks\.example\.com\/x" is not an https URL \(expected https:\/\/host\/path/,
      ],
      ['alertUrl', 'not a url', /alertUrl: "not a url" is not an https URL/],
      ['alertEmail', '["ops@example.com"', /alertEmail: .* is not a valid JSON array/],
      ['alertEmail', { to: 'ops@example.com' }, /alertEmail: .* is not a list of strings/],
      ['scheduleMinutes', '0', /scheduleMinutes: "0" is not a whole number from 1 to 1440/],
      ['scheduleMinutes', 0.5, /scheduleMinutes: 0\.5 is not a whole number from 1 to 1440/],
      ['scheduleMinutes', 'five', /scheduleMinutes: "five" is not a whole number/],
      [
        'regions',
        'us-east-1,mars-north-1',
        /regions: "mars-north-1" is not a known AWS commercial region \(expected a comma-separated list/,
      ],
      ['overlapMinutes', '4', /overlapMinutes: "4" is not a whole number from 5 to 1440/],
      [
        'initialLookbackMinutes',
        '129601',
        /initialLookbackMinutes: "129601" is not a whole number from 1 to 129600/,
      ],
      [
        'minSeverity',
        'severe',
        /minSeverity: "severe" is not a severity \(expected one of info, low, medium, high, critical\)/,
      ],
      ['alertRetentionDays', '1', /alertRetentionDays: "1" is not a whole number from 2 to 365/],
      ['maxPagesPerRun', '10001', /maxPagesPerRun: "10001" is not a whole number from 1 to 10000/],
      ['maxAlertsPerRun', '0', /maxAlertsPerRun: "0" is not a whole number from 1 to 1000/],
      ['repeatWindowMinutes', '1441', /repeatWindowMinutes: "1441" is not a whole number from 0 to 1440/],
      [
        'firstSeen',
        'network,asn',
        /firstSeen: "asn" is not a first-seen dimension \(expected "off" or a list of network, region, agent, api, volume\)/,
      ],
      ['firstSeenLearningDays', '91', /firstSeenLearningDays: "91" is not a whole number from 0 to 90/],
      ['memoryMb', '64', /memoryMb: "64" is not a whole number from 128 to 10240/],
      ['timeoutSeconds', '901', /timeoutSeconds: "901" is not a whole number from 1 to 900/],
      ['timeoutSeconds', '300', /timeoutSeconds: 300 is not shorter than the schedule of 5 minute\(s\)/],
      [
        'logRetentionDays',
        '31',
        /logRetentionDays: 31 is not a CloudWatch Logs retention \(expected one of 1, 3, 5/,
      ],
      [
        'removalPolicy',
        'snapshot',
        /removalPolicy: "snapshot" is not a removal policy \(expected retain or destroy\)/,
      ],
      ['reservedConcurrency', '0', /reservedConcurrency: "0" is not a whole number from 1/],
    ])('rejects %s = %j, naming the key and the expected form', (key, value, expected) => {
      // Act
      const message = problemsOf({ [key]: value });
      // Assess
      expect(message).toMatch(/^Invalid trailwatch context:\n {2}- /);
      expect(message).toMatch(expected);
    });

    it('rejects a recipient listed twice', () => {
      expect(problemsOf({ alertEmail: 'ops@example.com,ops@example.com:critical' })).toMatch(
        /alertEmail: "ops@example\.com" is listed twice/,
      );
    });

    it('reports every problem in one message, one line per problem', () => {
      // Act
      const message = problemsOf({
        alertEmail: 'nobody',
        alertPhone: '555',
        alertUrl: 'http://x.example.com',
        scheduleMinutes: '0',
        regions: 'moon-1',
        memoryMb: 'lots',
      });
      // Assess
      const lines = message.split('\n').slice(1);
      expect(lines).toHaveLength(6);
      for (const key of ['alertEmail', 'alertPhone', 'alertUrl', 'scheduleMinutes', 'regions', 'memoryMb']) {
        expect(lines.some((line) => line.startsWith(`  - ${key}: `))).toBe(true);
      }
    });
  });

  describe('organization keys', () => {
    const ORG = { organization: 'true', organizationId: 'o-abcdefghij', organizationRootId: 'r-ab12' };

    it('leaves organization mode off when no key is set', () => {
      expect(readContext(from({})).organization).toBeUndefined();
    });

    it('reads the required keys, leaving every other to the construct defaults', () => {
      expect(readContext(from(ORG)).organization).toEqual({
        organizationId: 'o-abcdefghij',
        rootId: 'r-ab12',
        organizationalUnitIds: undefined,
        excludeAccounts: undefined,
        regions: undefined,
        maxConcurrency: undefined,
        memberRoleName: undefined,
        callAs: undefined,
        includeManagementAccount: undefined,
      });
    });

    it('reads every key, from -c strings and from cdk.json values', () => {
      // Prepare / Act
      const fromStrings = readContext(
        from({
          organization: 'TRUE',
          organizationId: 'o-abcdefghij',
          organizationOus: 'ou-ab12-abcdefgh, ou-ab12-ijklmnop,ou-ab12-abcdefgh',
          organizationExclude: '["222222222222","333333333333"]',
          organizationRegions: 'EU-West-1,us-east-1',
          organizationConcurrency: '50',
          memberRoleName: 'audit-reader',
          organizationCallAs: 'self',
          organizationIncludeManagement: 'true',
        }),
      ).organization;
      const fromJson = readContext(
        from({
          organization: true,
          organizationId: 'o-abcdefghij',
          organizationOus: ['ou-ab12-abcdefgh', 'ou-ab12-ijklmnop'],
          organizationExclude: ['222222222222', '333333333333'],
          organizationRegions: ['eu-west-1', 'us-east-1'],
          organizationConcurrency: 50,
          memberRoleName: 'audit-reader',
          organizationCallAs: 'SELF',
          organizationIncludeManagement: true,
        }),
      ).organization;
      // Assess
      const expected = {
        organizationId: 'o-abcdefghij',
        rootId: undefined,
        organizationalUnitIds: ['ou-ab12-abcdefgh', 'ou-ab12-ijklmnop'],
        excludeAccounts: ['222222222222', '333333333333'],
        regions: ['eu-west-1', 'us-east-1'],
        maxConcurrency: 50,
        memberRoleName: 'audit-reader',
        callAs: 'SELF',
        includeManagementAccount: true,
      };
      expect(fromStrings).toEqual(expected);
      expect(fromJson).toEqual(expected);
    });

    it('ignores every organization key, even a bad one, with organization=false', () => {
      const props = readContext(
        from({ organization: 'false', organizationId: 'nope', organizationConcurrency: '0' }),
      );
      expect(props.organization).toBeUndefined();
    });

    it.each([
      ['organization', 'yes', /organization: "yes" is not true or false/],
      [
        'organizationId',
        'o-ABC',
        /organizationId: "o-ABC" is not an organization id \(expected o- and 10 to 32/,
      ],
      ['organizationId', 'o-abc', /organizationId: "o-abc" is not an organization id/],
      [
        'organizationRootId',
        'root',
        /organizationRootId: "root" is not an organization root id \(expected r-/,
      ],
      [
        'organizationOus',
        'ou-ab12-abcdefgh,ou-1',
        /organizationOus: "ou-1" is not an organizational unit or root id \(ou-xxxx-xxxxxxxx or r-xxxx\)/,
      ],
      ['organizationOus', { a: 1 }, /organizationOus: \{"a":1\} is not a list of strings/],
      [
        'organizationExclude',
        '22222222222',
        /organizationExclude: "22222222222" is not an account id \(12 digits\)/,
      ],
      [
        'organizationRegions',
        'eu-west-1,mars-north-1',
        /organizationRegions: "mars-north-1" is not a known AWS commercial region/,
      ],
      ['organizationConcurrency', '1', /organizationConcurrency: "1" is not a whole number from 2 to 1000/],
      [
        'organizationConcurrency',
        '1001',
        /organizationConcurrency: "1001" is not a whole number from 2 to 1000/,
      ],
      ['organizationConcurrency', 'ten', /organizationConcurrency: "ten" is not a whole number/],
      ['memberRoleName', 'member reader', /memberRoleName: "member reader" is not an IAM role name/],
      [
        'memberRoleName',
        'r'.repeat(65),
        /memberRoleName: "r{65}" is not an IAM role name \(expected 1 to 64/,
      ],
      [
        'organizationCallAs',
        'ADMIN',
        /organizationCallAs: "ADMIN" is not DELEGATED_ADMIN or SELF \(SELF only when deploying from the management account\)/,
      ],
      [
        'organizationIncludeManagement',
        'maybe',
        /organizationIncludeManagement: "maybe" is not true or false/,
      ],
    ])('rejects %s = %j, naming the key', (key, value, expected) => {
      const message = problemsOf({ ...ORG, [key]: value });
      expect(message).toMatch(/^Invalid trailwatch context:\n {2}- /);
      expect(message).toMatch(expected);
      expect(message.split('\n').slice(1)).toHaveLength(1);
    });

    it('requires organizationId with organization=true', () => {
      expect(problemsOf({ organization: 'true', organizationRootId: 'r-ab12' })).toMatch(
        /organizationId: is required with organization=true \(expected o-xxxxxxxxxx\)/,
      );
    });

    it('requires organizationRootId when no organizationOus are given', () => {
      expect(problemsOf({ organization: 'true', organizationId: 'o-abcdefghij' })).toMatch(
        /organizationRootId: is required when organizationOus is not set: the member-role StackSet targets the root/,
      );
      expect(() =>
        readContext(
          from({ organization: 'true', organizationId: 'o-abcdefghij', organizationOus: 'ou-ab12-abcdefgh' }),
        ),
      ).not.toThrow();
    });

    it.each([
      'organizationId',
      'organizationRootId',
      'organizationOus',
      'organizationExclude',
      'organizationRegions',
      'organizationConcurrency',
      'memberRoleName',
      'organizationCallAs',
      'organizationIncludeManagement',
    ])('rejects %s set without organization, which would otherwise be ignored', (key) => {
      expect(problemsOf({ [key]: 'x' })).toMatch(
        new RegExp(
          `^Invalid trailwatch context:\\n {2}- ${key}: is set but organization is not \\(add -c organization=true, or remove the key\\)$`,
        ),
      );
    });

    it('reports every organization problem in one message', () => {
      const lines = problemsOf({
        organization: 'true',
        organizationId: 'x',
        organizationExclude: '1',
        organizationConcurrency: '0',
        organizationCallAs: 'x',
      })
        .split('\n')
        .slice(1);
      for (const key of [
        'organizationId',
        'organizationRootId',
        'organizationExclude',
        'organizationConcurrency',
        'organizationCallAs',
      ]) {
        expect(lines.some((line) => line.startsWith(`  - ${key}: `))).toBe(true);
      }
      expect(lines).toHaveLength(5);
    });
  });
});
