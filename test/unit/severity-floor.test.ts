// The product owner's risk table is a floor of severity. A successful call of one of these eight
// events by a principal that is not an AWS service is never rated below its table severity by the
// engine (its highest finding); a refused call at most one level below. Context may raise it.
// Every case goes the way a run takes it: the raw `CloudTrailEvent` text through the engine's
// pre-filter, `parseCloudTrailEvent`, then every rule of the catalogue (`Engine.evaluate`).

import fc from 'fast-check';
import { Engine } from '../../lambda/core/engine';
import { parseCloudTrailEvent } from '../../lambda/core/event';
import { type JsonObject, SEVERITIES, type Severity, severityRank } from '../../lambda/core/types';
import { RULES } from '../../lambda/rules';
import { TEST_CONTEXT } from '../support/rule-context';

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';

const FLOOR = {
  StopLogging: 'critical',
  DeleteTrail: 'critical',
  CreateAccessKey: 'high',
  AttachUserPolicy: 'high',
  PutBucketPolicy: 'high',
  ConsoleLogin: 'medium',
  RunInstances: 'medium',
  AssumeRole: 'medium',
} as const satisfies Record<string, Severity>;

type EventName = keyof typeof FLOOR;

/** One level below, for refused calls. */
function oneBelow(severity: Severity): Severity {
  return SEVERITIES[Math.max(0, severityRank(severity) - 1)]!;
}

// ---------------------------------------------------------------------------------------------
// Who: the principal types CloudTrail records for people and workloads, never AWS itself.

type PrincipalKind =
  | 'IAMUser'
  | 'Root'
  | 'WorkloadRole'
  | 'IdentityCenter'
  | 'FederatedUser'
  | 'OtherAccount'
  | 'AWSAccount';

function attributes(mfa: boolean): JsonObject {
  return { creationDate: '2026-11-20T08:55:12Z', mfaAuthenticated: String(mfa) };
}

const PRINCIPALS: Record<PrincipalKind, (mfa: boolean) => JsonObject> = {
  IAMUser: (mfa) => ({
    type: 'IAMUser',
    principalId: 'AIDAEXAMPLEALICE0001',
    arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
    accountId: ACCOUNT,
    accessKeyId: 'AKIAEXAMPLEALICE0001',
    userName: 'alice',
    sessionContext: { sessionIssuer: {}, webIdFederationData: {}, attributes: attributes(mfa) },
  }),
  Root: (mfa) => ({
    type: 'Root',
    principalId: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:root`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAEXAMPLEROOT00001',
    sessionContext: { sessionIssuer: {}, webIdFederationData: {}, attributes: attributes(mfa) },
  }),
  WorkloadRole: (mfa) => ({
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLEDEPLOY001:run-4711',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/run-4711`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAEXAMPLEDEPLOY001',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEDEPLOY001',
        arn: `arn:aws:iam::${ACCOUNT}:role/deploy`,
        accountId: ACCOUNT,
        userName: 'deploy',
      },
      webIdFederationData: {},
      attributes: attributes(mfa),
    },
  }),
  IdentityCenter: (mfa) => ({
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLESSOADMIN1:alice@example.com',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAEXAMPLESSOADMIN1',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLESSOADMIN1',
        arn: `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef`,
        accountId: ACCOUNT,
        userName: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
      },
      webIdFederationData: {},
      attributes: attributes(mfa),
    },
  }),
  FederatedUser: (mfa) => ({
    type: 'FederatedUser',
    principalId: `${ACCOUNT}:bob`,
    arn: `arn:aws:sts::${ACCOUNT}:federated-user/bob`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAEXAMPLEFEDBOB001',
    sessionContext: {
      sessionIssuer: {
        type: 'IAMUser',
        principalId: 'AIDAEXAMPLEBROKER001',
        arn: `arn:aws:iam::${ACCOUNT}:user/federation-broker`,
        accountId: ACCOUNT,
        userName: 'federation-broker',
      },
      webIdFederationData: {},
      attributes: attributes(mfa),
    },
  }),
  OtherAccount: (mfa) => ({
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLEVENDOR001:sync-7',
    arn: `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/vendor-sync/sync-7`,
    accountId: OTHER_ACCOUNT,
    accessKeyId: 'ASIAEXAMPLEVENDOR001',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEVENDOR001',
        arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/vendor-sync`,
        accountId: OTHER_ACCOUNT,
        userName: 'vendor-sync',
      },
      webIdFederationData: {},
      attributes: attributes(mfa),
    },
  }),
  /** A principal of another account as the resource account records it: only the account. */
  AWSAccount: () => ({
    type: 'AWSAccount',
    principalId: 'AROAEXAMPLEVENDOR001:sync-7',
    accountId: OTHER_ACCOUNT,
  }),
};

// ---------------------------------------------------------------------------------------------
// What: per event, realistic request shapes, and the principals that can make the call at all
// (root cannot call AssumeRole; federation-token sessions cannot call IAM or STS).

interface Variant {
  readonly name: string;
  /** Fields of the record besides identity, time, place and client. */
  readonly fields: (principal: PrincipalKind, mfa: boolean) => JsonObject;
}

interface EventSpec {
  readonly eventSource: string;
  readonly principals: readonly PrincipalKind[];
  readonly variants: readonly Variant[];
}

const ALL: readonly PrincipalKind[] = [
  'IAMUser',
  'Root',
  'WorkloadRole',
  'IdentityCenter',
  'FederatedUser',
  'OtherAccount',
];
const IAM_CALLERS: readonly PrincipalKind[] = ['IAMUser', 'Root', 'WorkloadRole', 'IdentityCenter'];

const TRAIL_ARN = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/management-events`;

const trailVariants: Variant[] = [
  { name: 'trail by name', fields: () => ({ requestParameters: { name: 'management-events' } }) },
  { name: 'trail by ARN', fields: () => ({ requestParameters: { name: TRAIL_ARN } }) },
];

const ownRolePolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AppRole',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` },
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: 'arn:aws:s3:::app-data/*',
    },
  ],
};
const denyInsecureTransport = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::app-data', 'arn:aws:s3:::app-data/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
};
const serviceLogging = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::app-data/logs/*',
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    },
  ],
};
const otherAccountRead = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::app-data/*',
    },
  ],
};

const bucketPolicy = (policy: JsonObject, asString = false): JsonObject => ({
  requestParameters: {
    bucketName: 'app-data',
    Host: 'app-data.s3.amazonaws.com',
    policy: [''],
    bucketPolicy: asString ? JSON.stringify(policy) : policy,
  },
  additionalEventData: { SignatureVersion: 'SigV4', AuthenticationMethod: 'AuthHeader' },
});

const runInstances = (instanceType: string, count: number): Variant => ({
  name: `${count} ${instanceType}`,
  fields: () => ({
    requestParameters: {
      instancesSet: { items: [{ imageId: 'ami-0abcdef1234567890', minCount: count, maxCount: count }] },
      instanceType,
      blockDeviceMapping: {},
      monitoring: { enabled: false },
      disableApiTermination: false,
      subnetId: 'subnet-0123456789abcdef0',
    },
    responseElements: {
      requestId: 'e5c0a6a4-1b0c-4b8e-9e1e-7c4f7f3e9a11',
      reservationId: 'r-0123456789abcdef0',
      ownerId: ACCOUNT,
      instancesSet: {
        items: Array.from({ length: count }, (_, i) => ({
          instanceId: `i-0123456789abcde${i.toString(16).padStart(2, '0')}`,
          imageId: 'ami-0abcdef1234567890',
          instanceType,
        })),
      },
    },
  }),
});

const consoleLogin = (extra: JsonObject = {}): Variant['fields'] => {
  return (_principal, mfa) => ({
    eventType: 'AwsConsoleSignIn',
    requestParameters: null,
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: {
      LoginTo: 'https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true',
      MobileVersion: 'No',
      MFAUsed: mfa ? 'Yes' : 'No',
      ...extra,
    },
  });
};

const assumeRole = (requestParameters: JsonObject): Variant['fields'] => {
  return () => ({
    requestParameters,
    responseElements: {
      credentials: {
        accessKeyId: 'ASIAEXAMPLENEWSESS01',
        sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE',
        expiration: 'Nov 20, 2026, 10:14:03 AM',
      },
      assumedRoleUser: {
        assumedRoleId: `AROAEXAMPLETARGET001:${String(requestParameters.roleSessionName)}`,
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/target/${String(requestParameters.roleSessionName)}`,
      },
    },
  });
};

const SPECS: Record<EventName, EventSpec> = {
  StopLogging: { eventSource: 'cloudtrail.amazonaws.com', principals: ALL, variants: trailVariants },
  DeleteTrail: { eventSource: 'cloudtrail.amazonaws.com', principals: ALL, variants: trailVariants },
  CreateAccessKey: {
    eventSource: 'iam.amazonaws.com',
    principals: IAM_CALLERS,
    variants: [
      {
        name: 'for the caller itself (no userName)',
        // Only IAM users and root can omit userName; roles must name a user.
        fields: (p) => ({
          requestParameters: p === 'IAMUser' || p === 'Root' ? null : { userName: 'alice' },
          responseElements: {
            accessKey: { accessKeyId: 'AKIAEXAMPLENEWKEY001', status: 'Active', userName: 'alice' },
          },
        }),
      },
      {
        name: 'naming the caller itself',
        fields: () => ({
          requestParameters: { userName: 'alice' },
          responseElements: {
            accessKey: { accessKeyId: 'AKIAEXAMPLENEWKEY002', status: 'Active', userName: 'alice' },
          },
        }),
      },
      {
        name: 'for another user',
        fields: () => ({
          requestParameters: { userName: 'svc-backup' },
          responseElements: {
            accessKey: { accessKeyId: 'AKIAEXAMPLENEWKEY003', status: 'Active', userName: 'svc-backup' },
          },
        }),
      },
    ],
  },
  AttachUserPolicy: {
    eventSource: 'iam.amazonaws.com',
    principals: IAM_CALLERS,
    variants: [
      {
        name: 'ReadOnlyAccess',
        fields: () => ({
          requestParameters: { userName: 'svc-report', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        }),
      },
      {
        name: 'a customer managed policy',
        fields: () => ({
          requestParameters: {
            userName: 'svc-report',
            policyArn: `arn:aws:iam::${ACCOUNT}:policy/report-writer`,
          },
        }),
      },
      {
        // iam.access-key-quarantined supersedes iam.user-policy-attached on this one.
        name: 'AWSCompromisedKeyQuarantineV3',
        fields: () => ({
          requestParameters: {
            userName: 'svc-backup',
            policyArn: 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3',
          },
        }),
      },
      {
        name: 'AdministratorAccess',
        fields: () => ({
          requestParameters: { userName: 'bob', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
        }),
      },
    ],
  },
  PutBucketPolicy: {
    eventSource: 's3.amazonaws.com',
    principals: ALL,
    variants: [
      { name: 'a policy naming only the own account', fields: () => bucketPolicy(ownRolePolicy) },
      { name: 'the same policy recorded as a string', fields: () => bucketPolicy(ownRolePolicy, true) },
      { name: 'a deny-insecure-transport policy', fields: () => bucketPolicy(denyInsecureTransport) },
      { name: 'a grant to an AWS service principal', fields: () => bucketPolicy(serviceLogging) },
      { name: 'a grant to another account', fields: () => bucketPolicy(otherAccountRead) },
    ],
  },
  ConsoleLogin: {
    eventSource: 'signin.amazonaws.com',
    principals: ['IAMUser', 'Root', 'WorkloadRole', 'IdentityCenter', 'FederatedUser'],
    variants: [
      { name: 'a password (or identity provider) sign-in', fields: consoleLogin() },
      {
        name: 'through a SAML provider',
        fields: consoleLogin({ SamlProviderArn: `arn:aws:iam::${ACCOUNT}:saml-provider/Okta` }),
      },
    ],
  },
  RunInstances: {
    eventSource: 'ec2.amazonaws.com',
    principals: ALL,
    variants: [runInstances('t3.micro', 1), runInstances('m5.large', 2), runInstances('p4d.24xlarge', 8)],
  },
  AssumeRole: {
    eventSource: 'sts.amazonaws.com',
    principals: ['IAMUser', 'WorkloadRole', 'IdentityCenter', 'OtherAccount', 'AWSAccount'],
    variants: [
      {
        name: 'a role of the account',
        fields: assumeRole({ roleArn: `arn:aws:iam::${ACCOUNT}:role/target`, roleSessionName: 'job-1' }),
      },
      {
        name: 'with an external id and a duration',
        fields: assumeRole({
          roleArn: `arn:aws:iam::${ACCOUNT}:role/target`,
          roleSessionName: 'botocore-session-1732093443',
          externalId: 'a1b2c3',
          durationSeconds: 3600,
        }),
      },
      {
        name: 'with session tags',
        fields: assumeRole({
          roleArn: `arn:aws:iam::${ACCOUNT}:role/target`,
          roleSessionName: 'tagged',
          tags: [{ key: 'team', value: 'payments' }],
          transitiveTagKeys: ['team'],
        }),
      },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// Where, when, with what: fields no rule of the table should weigh.

interface Context {
  readonly region: string;
  readonly ip: string;
  readonly userAgent: string;
  readonly second: number;
}

const DEFAULT_CONTEXT: Context = {
  region: 'us-east-1',
  ip: '203.0.113.45',
  userAgent: 'aws-cli/2.17.40 md/awscrt#0.21.2 ua/2.0 os/linux#6.8 md/arch#x86_64 lang/python#3.11.9',
  second: 3,
};

const USER_AGENTS = [
  DEFAULT_CONTEXT.userAgent,
  'Boto3/1.35.20 md/Botocore#1.35.20 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.5 cfg/retry-mode#legacy',
  'APN/1.0 HashiCorp/1.0 Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws/5.67.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
  'AWS Internal',
  'console.amazonaws.com',
];

type Outcome = 'success' | 'AccessDenied' | 'sign-in failure';

let sequence = 0;

function record(
  eventName: EventName,
  principal: PrincipalKind,
  mfa: boolean,
  variant: Variant,
  outcome: Outcome,
  where: Context = DEFAULT_CONTEXT,
): JsonObject {
  const spec = SPECS[eventName];
  sequence += 1;
  const base: JsonObject = {
    eventVersion: '1.10',
    userIdentity: PRINCIPALS[principal](mfa),
    eventTime: `2026-11-20T09:14:${String(where.second % 60).padStart(2, '0')}Z`,
    eventSource: spec.eventSource,
    eventName,
    awsRegion: where.region,
    sourceIPAddress: where.ip,
    userAgent: where.userAgent,
    requestParameters: null,
    responseElements: null,
    requestID: `0d8ee2d2-b8de-4713-8034-${String(sequence).padStart(12, '0')}`,
    eventID: `c3c57024-97bd-43fa-83e3-${String(sequence).padStart(12, '0')}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    ...variant.fields(principal, mfa),
  };
  if (outcome === 'AccessDenied') {
    return {
      ...base,
      errorCode: 'AccessDenied',
      errorMessage: `User: ${String((base.userIdentity as JsonObject).arn)} is not authorized to perform: ${eventName}`,
      responseElements: null,
    };
  }
  if (outcome === 'sign-in failure') {
    return {
      ...base,
      errorMessage: 'Failed authentication',
      responseElements: { ConsoleLogin: 'Failure' },
    };
  }
  return base;
}

const engine = new Engine(RULES, TEST_CONTEXT);

/**
 * The findings a run gets for this record, read as a run reads it: the engine's pre-filter on the
 * raw body, `parseCloudTrailEvent`, then every rule of the catalogue that lists the event.
 */
function findingsOf(r: JsonObject) {
  const body = JSON.stringify(r);
  expect(engine.watches(String(r.eventName), body)).toBe(true);
  const parsed = parseCloudTrailEvent(body, { eventId: String(r.eventID) });
  if (!parsed.ok) throw new Error(`record does not parse: ${parsed.reason}`);
  const evaluation = engine.evaluate(parsed.event);
  if (evaluation.failures.length > 0) throw new Error(`a rule failed: ${evaluation.failures[0]!.message}`);
  return evaluation.findings;
}

/** The highest severity the engine gives the record, or 'none'. */
function highest(r: JsonObject): Severity | 'none' {
  let best: Severity | undefined;
  for (const f of findingsOf(r))
    if (!best || severityRank(f.severity) > severityRank(best)) best = f.severity;
  return best ?? 'none';
}

const rank = (s: Severity | 'none'): number => (s === 'none' ? -1 : severityRank(s));

interface Case {
  readonly eventName: EventName;
  readonly principal: PrincipalKind;
  readonly mfa: boolean;
  readonly variant: Variant;
}

const CASES: Case[] = (Object.keys(SPECS) as EventName[]).flatMap((eventName) =>
  SPECS[eventName].principals.flatMap((principal) =>
    SPECS[eventName].variants.flatMap((variant) =>
      [true, false].map((mfa) => ({ eventName, principal, mfa, variant })),
    ),
  ),
);

const title = (c: Case): string =>
  `${c.eventName} by ${c.principal} ${c.mfa ? 'with' : 'without'} MFA, ${c.variant.name}`;

describe('the seed table is a floor for successful calls by people and workloads', () => {
  it.each(CASES.map((c) => [title(c), c] as const))('%s', (_name, c) => {
    const floor = FLOOR[c.eventName];
    const got = highest(record(c.eventName, c.principal, c.mfa, c.variant, 'success'));
    expect({ severity: got, atLeastFloor: rank(got) >= severityRank(floor) }).toEqual({
      severity: got,
      atLeastFloor: true,
    });
  });

  it('holds whatever the region, source address, client and time (property)', () => {
    const where = fc.record({
      region: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1', 'us-gov-west-1'),
      ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('AWS Internal', 'cloudtrail.amazonaws.com')),
      userAgent: fc.constantFrom(...USER_AGENTS),
      second: fc.nat(59),
    });
    fc.assert(
      fc.property(fc.constantFrom(...CASES), where, (c, place) => {
        const got = highest(record(c.eventName, c.principal, c.mfa, c.variant, 'success', place));
        return rank(got) >= severityRank(FLOOR[c.eventName]);
      }),
      { numRuns: 400 },
    );
  });
});

describe('a refused call is at most one level below the floor', () => {
  const refusals: [string, Case, Outcome][] = CASES.filter((c) => c.mfa).flatMap((c) => {
    const out: [string, Case, Outcome][] = [[`${title(c)} (AccessDenied)`, c, 'AccessDenied']];
    if (c.eventName === 'ConsoleLogin') out.push([`${title(c)} (sign-in failure)`, c, 'sign-in failure']);
    return out;
  });
  // Root cannot call AssumeRole at all: what it leaves in the trail is a refused call.
  const rootAssume: Case = {
    eventName: 'AssumeRole',
    principal: 'Root',
    mfa: true,
    variant: SPECS.AssumeRole.variants[0]!,
  };
  refusals.push([`${title(rootAssume)} (AccessDenied)`, rootAssume, 'AccessDenied']);

  it.each(refusals)('%s', (_name, c, outcome) => {
    const floor = oneBelow(FLOOR[c.eventName]);
    const got = highest(record(c.eventName, c.principal, c.mfa, c.variant, outcome));
    expect({ severity: got, atLeastOneBelow: rank(got) >= severityRank(floor) }).toEqual({
      severity: got,
      atLeastOneBelow: true,
    });
  });
});

describe('calls AWS services make stay quiet where they should', () => {
  const quiet = (r: JsonObject): string[] =>
    findingsOf(r)
      .filter((f) => severityRank(f.severity) >= severityRank('medium'))
      .map((f) => `${f.ruleId} (${f.severity})`);
  const withIdentity = (eventName: EventName, variant: Variant, userIdentity: JsonObject): JsonObject => ({
    ...record(eventName, 'WorkloadRole', false, variant, 'success'),
    userIdentity,
  });
  const role = SPECS.AssumeRole.variants[0]!;

  it.each([
    ['EC2 assuming an instance profile role', { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' }],
    ['Lambda assuming its execution role', { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' }],
    [
      'a role session whose call a service made (invokedBy)',
      { ...PRINCIPALS.WorkloadRole(false), invokedBy: 'cloudformation.amazonaws.com' },
    ],
    [
      'a service-linked role session',
      {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLESLR000001:AutoScaling',
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`,
        accountId: ACCOUNT,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
          },
          attributes: attributes(false),
        },
      },
    ],
  ] as [string, JsonObject][])('AssumeRole by %s: no finding at medium or above', (_name, identity) => {
    expect(quiet(withIdentity('AssumeRole', role, identity))).toEqual([]);
  });

  it('RunInstances by Auto Scaling: no finding at medium or above', () => {
    const identity = {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`,
      accountId: ACCOUNT,
      invokedBy: 'autoscaling.amazonaws.com',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
        },
      },
    };
    expect(quiet(withIdentity('RunInstances', SPECS.RunInstances.variants[0]!, identity))).toEqual([]);
  });
});
