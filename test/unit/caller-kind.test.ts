// Who is behind a call (`callerKind`), and the rules on code-running and shell-opening APIs that
// rate a key holder or root above a workload or a person in the console.

import fc from 'fast-check';
import { Engine } from '../../lambda/core/engine';
import { normalizeRecord, parseCloudTrailEvent } from '../../lambda/core/event';
import { type JsonObject, type Severity, severityRank } from '../../lambda/core/types';
import { RULES } from '../../lambda/rules';
import { type CallerKind, callerKind } from '../../lambda/rules/common/actors';
import { TEST_CONTEXT } from '../support/rule-context';

const ACCOUNT = '111122223333';

const role = (name: string, session: string, path = ''): JsonObject => ({
  type: 'AssumedRole',
  principalId: `AROAEXAMPLEROLE00001:${session}`,
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/${session}`,
  accountId: ACCOUNT,
  accessKeyId: 'ASIAEXAMPLEROLESESS1',
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: 'AROAEXAMPLEROLE00001',
      arn: `arn:aws:iam::${ACCOUNT}:role/${path}${name}`,
      accountId: ACCOUNT,
      userName: name,
    },
    attributes: { creationDate: '2026-11-20T09:00:00Z', mfaAuthenticated: 'false' },
  },
});

const iamUser = (accessKeyId: string): JsonObject => ({
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLEALICE0001',
  arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
  accountId: ACCOUNT,
  accessKeyId,
  userName: 'alice',
});

/** `sessionCredentialFromConsole` is a field of the record, beside `userIdentity`. */
const CONSOLE = { sessionCredentialFromConsole: 'true' };

const IDENTITIES: Record<string, { identity: JsonObject; kind: CallerKind; fields?: JsonObject }> = {
  'IAM user, long-term key': { identity: iamUser('AKIAEXAMPLEALICE0001'), kind: 'key-holder' },
  'IAM user, session token made from the key': {
    identity: iamUser('ASIAEXAMPLEALICE0001'),
    kind: 'key-holder',
  },
  'IAM user in the console': { identity: iamUser('ASIAEXAMPLEALICE0001'), kind: 'person', fields: CONSOLE },
  root: {
    identity: { type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
    kind: 'root',
  },
  'Identity Center session': {
    identity: role(
      'AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789',
      'ivy@example.com',
      'aws-reserved/sso.amazonaws.com/',
    ),
    kind: 'person',
  },
  'workload role': { identity: role('app-deployer', 'deploy-7c1e'), kind: 'workload' },
  'instance role': { identity: role('web-server-role', 'i-0a1b2c3d4e5f67890'), kind: 'workload' },
  'AWS service': { identity: { type: 'AWSService', invokedBy: 'ssm.amazonaws.com' }, kind: 'aws' },
  'IAM user through CloudFormation': {
    identity: { ...iamUser('AKIAEXAMPLEALICE0001'), invokedBy: 'cloudformation.amazonaws.com' },
    kind: 'aws',
  },
};

function record(identity: JsonObject, fields: JsonObject = {}): JsonObject {
  return {
    eventVersion: '1.11',
    userIdentity: identity,
    eventTime: '2026-11-20T10:00:00Z',
    eventSource: 'ssm.amazonaws.com',
    eventName: 'StartSession',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-cli/2.17.40',
    requestParameters: { target: 'i-0a1b2c3d4e5f67890' },
    responseElements: { sessionId: 'alice-0a1b2c3d4e5f67890' },
    eventID: '6a1e2b3c-0000-4000-8000-000000000001',
    readOnly: false,
    eventType: 'AwsApiCall',
    recipientAccountId: ACCOUNT,
    ...fields,
  };
}

function kindOf(r: JsonObject): CallerKind {
  const parsed = normalizeRecord(r);
  if (!parsed.ok) throw new Error(parsed.reason);
  return callerKind(parsed.event);
}

describe('callerKind', () => {
  it.each(Object.entries(IDENTITIES))('%s', (_, { identity, kind, fields }) => {
    expect(kindOf(record(identity, fields))).toBe(kind);
  });

  it('is read from what AWS records, never from the user agent the caller chooses', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(IDENTITIES)),
        fc.string(),
        ({ identity, kind, fields }, agent) => {
          expect(kindOf(record(identity, { ...fields, userAgent: agent }))).toBe(kind);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The code-running and shell-opening calls: high for a key holder or root, medium for the rest.

const engine = new Engine(RULES, TEST_CONTEXT);

function topSeverity(r: JsonObject): Severity | undefined {
  const parsed = parseCloudTrailEvent(JSON.stringify(r));
  if (!parsed.ok) throw new Error(parsed.reason);
  return engine
    .evaluate(parsed.event)
    .findings.map((f) => f.severity)
    .sort((a, b) => severityRank(b) - severityRank(a))[0];
}

const CALLS: Record<string, JsonObject> = {
  'Lambda code replaced': {
    eventSource: 'lambda.amazonaws.com',
    eventName: 'UpdateFunctionCode20150331v2',
    requestParameters: { functionName: 'billing-export', publish: true },
  },
  'SSM session started': {
    eventSource: 'ssm.amazonaws.com',
    eventName: 'StartSession',
    requestParameters: { target: 'i-0a1b2c3d4e5f67890' },
  },
  'SSM command sent': {
    eventSource: 'ssm.amazonaws.com',
    eventName: 'SendCommand',
    requestParameters: { documentName: 'AWS-RunPatchBaseline', instanceIds: ['i-0a1b2c3d4e5f67890'] },
  },
  'Instance Connect key pushed': {
    eventSource: 'ec2-instance-connect.amazonaws.com',
    eventName: 'SendSSHPublicKey',
    requestParameters: { instanceId: 'i-0a1b2c3d4e5f67890', instanceOSUser: 'ec2-user' },
  },
  'secrets read by a filter': {
    eventSource: 'secretsmanager.amazonaws.com',
    eventName: 'BatchGetSecretValue',
    readOnly: true,
    requestParameters: { filters: [{ key: 'tag-key', values: ['team'] }] },
  },
};

const EXPECTED: Partial<Record<CallerKind, Severity>> = {
  'key-holder': 'high',
  root: 'high',
  workload: 'medium',
};

describe('who runs code or opens a shell changes the severity', () => {
  const cases = Object.entries(CALLS).flatMap(([call, fields]) =>
    Object.entries(IDENTITIES)
      .filter(([, { kind }]) => EXPECTED[kind] !== undefined)
      .map(
        ([who, { identity, kind, fields: extra }]) =>
          [call, who, { ...fields, ...extra }, identity, EXPECTED[kind]!] as const,
      ),
  );
  it.each(cases)('%s by %s', (_, __, fields, identity, expected) => {
    const top = topSeverity(record(identity, fields));
    // Root may be raised further by the root-activity rule; never below the caller's level.
    if (expected === 'high') expect(severityRank(top!)).toBeGreaterThanOrEqual(severityRank('high'));
    else expect(top).toBe(expected);
  });

  it('a person in the console stays at medium', () => {
    for (const fields of Object.values(CALLS)) {
      expect(
        topSeverity(record(IDENTITIES['IAM user in the console']!.identity, { ...fields, ...CONSOLE })),
      ).toBe('medium');
      expect(topSeverity(record(IDENTITIES['Identity Center session']!.identity, fields))).toBe('medium');
    }
  });
});
