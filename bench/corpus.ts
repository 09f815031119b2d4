// A seeded generator of realistic CloudTrail management events, as LookupEvents returns them:
// an envelope plus the `CloudTrailEvent` JSON string. Same seed, same events.
//
// Mix (per 100 events): ~70 common reads, ~20 writes, ~4 sign-ins, ~5 errors (AccessDenied,
// UnauthorizedOperation), ~1 risky (StopLogging, SSH open to the world, admin policy, root login...).
// Identities: mostly AWS services and workload roles, some Identity Center people, a few IAM users.
import { mulberry32 } from '../local/net';

export interface GeneratedEvent {
  readonly eventId: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly eventTimeMs: number;
  /** The envelope's `ReadOnly`, as LookupEvents gives it. */
  readonly readOnly: boolean;
  /** The `CloudTrailEvent` string. */
  readonly body: string;
}

export type EventKind = 'read' | 'write' | 'sign-in' | 'error' | 'risky';

export interface CorpusOptions {
  readonly seed?: number;
  /** eventTime of the first event (ms). @default 2026-11-01T00:00:00Z */
  readonly startMs?: number;
  /** Time between consecutive events (ms, may be fractional). @default 100 */
  readonly stepMs?: number;
  /** awsRegion of every event. @default eu-west-1 */
  readonly region?: string;
}

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';

type Pick = () => number;
type Json = Record<string, unknown>;

/** What a template decides; the generator fills in the rest of the record. */
interface Spec {
  userIdentity?: Json;
  sourceIPAddress?: string;
  userAgent?: string;
  eventSource?: string;
  eventName?: string;
  eventType?: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters?: Json | null;
  responseElements?: Json | null;
  additionalEventData?: Json;
  resources?: Json[];
  sharedEventID?: string;
}

interface Template {
  readonly kind: EventKind;
  readonly weight: number;
  readonly make: (r: Pick) => Spec;
}

const oneOf = <T>(r: Pick, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
/** `n` random lowercase hex digits, 7 per PRNG draw (small integers print fast: millions are streamed). */
const hex = (r: Pick, n: number): string => {
  let out = '';
  while (out.length < n) out += (0x10000000 + Math.floor(r() * 0xfffffff)).toString(16).slice(1);
  return out.length === n ? out : out.slice(0, n);
};
const upper = (r: Pick, prefix: string, n: number): string => prefix + hex(r, n).toUpperCase();
const uuid = (r: Pick): string => {
  const h = hex(r, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

// --- identities -------------------------------------------------------------------------------

const SERVICES = [
  'lambda.amazonaws.com',
  'ec2.amazonaws.com',
  'ecs-tasks.amazonaws.com',
  'cloudformation.amazonaws.com',
];
const APP_ROLES = ['orders-api', 'billing-worker', 'ingest-lambda', 'eks-node', 'batch-runner', 'ci-deploy'];
const PEOPLE = ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com'];
const IAM_USERS = ['legacy-backup', 'terraform', 'reporting'];
const SDK_AGENTS = [
  'aws-sdk-java/2.25.40 Linux/6.1.79 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/standard',
  'aws-sdk-js/3.1137.0 ua/2.1 os/linux#5.10.216 lang/js md/nodejs#22.11.0 api/dynamodb#3.1137.0 m/E',
  'Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#5.10.215 md/arch#x86_64 lang/python#3.12.3 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.84',
];
const BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

function assumedRole(r: Pick, role: string, session: string, account = ACCOUNT): Json {
  const roleId = upper(r, 'AROA', 17);
  return {
    type: 'AssumedRole',
    principalId: `${roleId}:${session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
    accountId: account,
    accessKeyId: upper(r, 'ASIA', 16),
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: roleId,
        arn: `arn:aws:iam::${account}:role/${role}`,
        accountId: account,
        userName: role,
      },
      webIdFederationData: {},
      attributes: { creationDate: '2026-11-01T00:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

function service(r: Pick): Spec {
  const svc = oneOf(r, SERVICES);
  return { userIdentity: { type: 'AWSService', invokedBy: svc }, sourceIPAddress: svc, userAgent: svc };
}

function workload(r: Pick): Spec {
  return {
    userIdentity: assumedRole(r, oneOf(r, APP_ROLES), `i-0${hex(r, 16)}`),
    userAgent: oneOf(r, SDK_AGENTS),
  };
}

function person(r: Pick): Spec {
  const role = oneOf(r, ['AWSReservedSSO_AdministratorAccess_4f1d2c3b', 'AWSReservedSSO_ReadOnly_9a8b7c6d']);
  return { userIdentity: assumedRole(r, role, oneOf(r, PEOPLE)), userAgent: BROWSER };
}

function iamUser(r: Pick): Spec {
  const name = oneOf(r, IAM_USERS);
  return {
    userIdentity: {
      type: 'IAMUser',
      principalId: upper(r, 'AIDA', 17),
      arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
      accountId: ACCOUNT,
      accessKeyId: upper(r, 'AKIA', 16),
      userName: name,
    },
  };
}

function root(r: Pick): Spec {
  return {
    userIdentity: {
      type: 'Root',
      principalId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      accountId: ACCOUNT,
      accessKeyId: upper(r, 'ASIA', 16),
    },
    userAgent: BROWSER,
  };
}

/** Services and workloads dominate real trails; people and IAM users are rare. */
function anyone(r: Pick): Spec {
  const x = r();
  if (x < 0.45) return service(r);
  if (x < 0.9) return workload(r);
  if (x < 0.97) return person(r);
  return iamUser(r);
}

const instanceId = (r: Pick): string => `i-0${hex(r, 16)}`;
const sg = (r: Pick): string => `sg-0${hex(r, 16)}`;
const bucket = (r: Pick): string =>
  oneOf(r, ['orders-prod-data', 'logs-archive-eu', 'static-site', 'ml-features']);
const keyArn = (r: Pick): string =>
  `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`;

function sessionToken(r: Pick): string {
  // Real STS session tokens are several hundred characters of base64.
  return `IQoJb3JpZ2luX2VjE${Buffer.from(hex(r, 900), 'hex').toString('base64')}`;
}

function ingress(r: Pick, cidr: string, port: number): Spec {
  return {
    eventSource: 'ec2.amazonaws.com',
    eventName: 'AuthorizeSecurityGroupIngress',
    requestParameters: {
      groupId: sg(r),
      ipPermissions: {
        items: [
          {
            ipProtocol: 'tcp',
            fromPort: port,
            toPort: port,
            groups: {},
            ipRanges: { items: [{ cidrIp: cidr }] },
            ipv6Ranges: {},
            prefixListIds: {},
          },
        ],
      },
    },
    responseElements: {
      requestId: `${hex(r, 8)}-${hex(r, 4)}`,
      _return: true,
      securityGroupRuleSet: {
        items: [
          {
            groupId: sg(r),
            securityGroupRuleId: `sgr-0${hex(r, 16)}`,
            isEgress: false,
            ipProtocol: 'tcp',
            fromPort: port,
            toPort: port,
            cidrIpv4: cidr,
          },
        ],
      },
    },
  };
}

function policyDoc(publicRead: boolean, b: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      publicRead
        ? {
            Sid: 'PublicRead',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: `arn:aws:s3:::${b}/*`,
          }
        : {
            Sid: 'DenyInsecure',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: `arn:aws:s3:::${b}/*`,
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
    ],
  });
}

// --- the mix ------------------------------------------------------------------------------------

const READS: Template[] = [
  {
    kind: 'read',
    weight: 12,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'DescribeInstances',
      requestParameters: {
        instancesSet: { items: [{ instanceId: instanceId(r) }] },
        filterSet: { items: [{ name: 'tag:Environment', valueSet: { items: [{ value: 'prod' }] } }] },
      },
    }),
  },
  {
    kind: 'read',
    weight: 4,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'DescribeSecurityGroups',
      requestParameters: {
        securityGroupSet: { items: [{ groupId: sg(r) }] },
        securityGroupIdSet: {},
        filterSet: {},
      },
    }),
  },
  {
    kind: 'read',
    weight: 3,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'DescribeVolumes',
      requestParameters: {
        volumeSet: {},
        filterSet: {
          items: [{ name: 'attachment.instance-id', valueSet: { items: [{ value: instanceId(r) }] } }],
        },
      },
    }),
  },
  {
    kind: 'read',
    weight: 8,
    make: (r) => ({
      ...service(r),
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      ...assumeRole(r),
    }),
  },
  {
    kind: 'read',
    weight: 1.5,
    make: (r) => ({
      ...workload(r),
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      ...assumeRole(r),
    }),
  },
  {
    kind: 'read',
    weight: 0.5,
    make: (r) => ({
      ...person(r),
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      ...assumeRole(r),
    }),
  },
  {
    kind: 'read',
    weight: 5,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetCallerIdentity',
      requestParameters: null,
    }),
  },
  {
    kind: 'read',
    weight: 8,
    make: (r) => ({
      ...service(r),
      eventSource: 'kms.amazonaws.com',
      eventName: 'Decrypt',
      requestParameters: {
        encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        encryptionContext: {
          'aws:lambda:FunctionArn': `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${oneOf(r, APP_ROLES)}`,
        },
      },
      resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: keyArn(r) }],
    }),
  },
  {
    kind: 'read',
    weight: 4,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'kms.amazonaws.com',
      eventName: 'GenerateDataKey',
      requestParameters: {
        keyId: keyArn(r),
        keySpec: 'AES_256',
        encryptionContext: { 'aws:s3:arn': `arn:aws:s3:::${bucket(r)}` },
      },
      resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: keyArn(r) }],
    }),
  },
  {
    kind: 'read',
    weight: 2,
    make: (r) => ({
      ...anyone(r),
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      requestParameters: { Host: 's3.eu-west-1.amazonaws.com' },
    }),
  },
  {
    kind: 'read',
    weight: 2,
    make: (r) => ({
      ...anyone(r),
      eventSource: 's3.amazonaws.com',
      eventName: 'GetBucketLocation',
      requestParameters: { bucketName: bucket(r), Host: 's3.amazonaws.com', location: '' },
    }),
  },
  {
    kind: 'read',
    weight: 1,
    make: (r) => ({
      ...anyone(r),
      eventSource: 's3.amazonaws.com',
      eventName: 'GetBucketPolicy',
      requestParameters: { bucketName: bucket(r), Host: 's3.amazonaws.com', policy: '' },
    }),
  },
  {
    kind: 'read',
    weight: 1,
    make: (r) => ({
      ...anyone(r),
      eventSource: 's3.amazonaws.com',
      eventName: 'GetBucketAcl',
      requestParameters: { bucketName: bucket(r), Host: 's3.amazonaws.com', acl: '' },
    }),
  },
  {
    kind: 'read',
    weight: 2,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'logs.amazonaws.com',
      eventName: 'DescribeLogGroups',
      requestParameters: { logGroupNamePrefix: `/aws/lambda/${oneOf(r, APP_ROLES)}` },
    }),
  },
  {
    kind: 'read',
    weight: 2,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'logs.amazonaws.com',
      eventName: 'DescribeLogStreams',
      requestParameters: {
        logGroupName: `/aws/lambda/${oneOf(r, APP_ROLES)}`,
        orderBy: 'LastEventTime',
        descending: true,
        limit: 1,
      },
    }),
  },
  {
    kind: 'read',
    weight: 2,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'iam.amazonaws.com',
      eventName: 'GetRole',
      requestParameters: { roleName: oneOf(r, APP_ROLES) },
    }),
  },
  {
    kind: 'read',
    weight: 1,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'iam.amazonaws.com',
      eventName: 'ListRoles',
      requestParameters: { maxItems: 100 },
    }),
  },
  {
    kind: 'read',
    weight: 1,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'iam.amazonaws.com',
      eventName: 'ListAttachedRolePolicies',
      requestParameters: { roleName: oneOf(r, APP_ROLES) },
    }),
  },
  {
    kind: 'read',
    weight: 2,
    make: (r) => ({
      ...workload(r),
      eventSource: 'ssm.amazonaws.com',
      eventName: 'GetParameter',
      requestParameters: { name: `/${oneOf(r, APP_ROLES)}/config/endpoint`, withDecryption: false },
    }),
  },
  {
    kind: 'read',
    weight: 1,
    make: (r) => ({
      ...workload(r),
      eventSource: 'ssm.amazonaws.com',
      eventName: 'GetParameter',
      requestParameters: { name: `/${oneOf(r, APP_ROLES)}/db/password`, withDecryption: true },
    }),
  },
  {
    kind: 'read',
    weight: 2,
    make: (r) => ({
      ...service(r),
      eventSource: 'ssm.amazonaws.com',
      eventName: 'DescribeInstanceInformation',
      requestParameters: { filters: [{ key: 'InstanceIds', values: [instanceId(r)] }] },
    }),
  },
  {
    kind: 'read',
    weight: 1.5,
    make: (r) => ({
      ...workload(r),
      eventSource: 'secretsmanager.amazonaws.com',
      eventName: 'GetSecretValue',
      requestParameters: {
        secretId: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:${oneOf(r, APP_ROLES)}/db-${hex(r, 6)}`,
      },
    }),
  },
  {
    kind: 'read',
    weight: 1.5,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'cloudformation.amazonaws.com',
      eventName: 'DescribeStacks',
      requestParameters: { stackName: `${oneOf(r, APP_ROLES)}-stack` },
    }),
  },
  {
    kind: 'read',
    weight: 1,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'dynamodb.amazonaws.com',
      eventName: 'DescribeTable',
      requestParameters: { tableName: `${oneOf(r, APP_ROLES)}-table` },
    }),
  },
  {
    kind: 'read',
    weight: 1,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'lambda.amazonaws.com',
      eventName: 'ListFunctions20150331',
      requestParameters: null,
    }),
  },
];

function assumeRole(r: Pick): Spec {
  const role = oneOf(r, APP_ROLES);
  const session = `${role}-${hex(r, 8)}`;
  return {
    requestParameters: {
      roleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
      roleSessionName: session,
      durationSeconds: 3600,
    },
    responseElements: {
      credentials: {
        accessKeyId: `ASIA${hex(r, 16).toUpperCase()}`,
        sessionToken: sessionToken(r),
        expiration: 'Nov 1, 2026, 1:00:00 AM',
      },
      assumedRoleUser: {
        assumedRoleId: `AROA${hex(r, 17).toUpperCase()}:${session}`,
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
      },
    },
    resources: [{ accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: `arn:aws:iam::${ACCOUNT}:role/${role}` }],
    sharedEventID: `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`,
  };
}

const WRITES: Template[] = [
  {
    kind: 'write',
    weight: 4,
    make: (r) => ({
      ...service(r),
      eventSource: 'logs.amazonaws.com',
      eventName: 'CreateLogStream',
      requestParameters: {
        logGroupName: `/aws/lambda/${oneOf(r, APP_ROLES)}`,
        logStreamName: `2026/11/01/[$LATEST]${hex(r, 32)}`,
      },
      responseElements: null,
    }),
  },
  {
    kind: 'write',
    weight: 3,
    make: (r) => ({
      ...service(r),
      eventSource: 'ssm.amazonaws.com',
      eventName: 'UpdateInstanceInformation',
      requestParameters: {
        instanceId: instanceId(r),
        agentVersion: '3.3.987.0',
        agentStatus: 'Active',
        platformType: 'Linux',
        platformName: 'Amazon Linux',
        platformVersion: '2023',
        iPAddress: '10.0.12.34',
        computerName: 'ip-10-0-12-34.eu-west-1.compute.internal',
      },
      responseElements: null,
    }),
  },
  {
    kind: 'write',
    weight: 2,
    make: (r) => ({
      ...anyone(r),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'CreateTags',
      requestParameters: {
        resourcesSet: { items: [{ resourceId: instanceId(r) }] },
        tagSet: {
          items: [
            { key: 'Owner', value: 'platform' },
            { key: 'CostCentre', value: '1234' },
          ],
        },
      },
    }),
  },
  {
    kind: 'write',
    weight: 2,
    make: (r) => ({
      ...service(r),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'CreateNetworkInterface',
      requestParameters: {
        subnetId: `subnet-0${hex(r, 16)}`,
        description: 'AWS Lambda VPC ENI',
        groupSet: { items: [{ groupId: sg(r) }] },
      },
      responseElements: {
        networkInterface: {
          networkInterfaceId: `eni-0${hex(r, 16)}`,
          privateIpAddress: '10.0.3.17',
          status: 'pending',
        },
      },
    }),
  },
  {
    kind: 'write',
    weight: 1.5,
    make: (r) => ({
      ...service(r),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'DeleteNetworkInterface',
      requestParameters: { networkInterfaceId: `eni-0${hex(r, 16)}` },
    }),
  },
  {
    kind: 'write',
    weight: 1,
    make: (r) => ({
      ...service(r),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'RunInstances',
      requestParameters: {
        instancesSet: { items: [{ imageId: `ami-0${hex(r, 16)}`, minCount: 1, maxCount: 1 }] },
        instanceType: 'm7g.large',
        blockDeviceMapping: {},
        monitoring: { enabled: false },
      },
      responseElements: {
        instancesSet: { items: [{ instanceId: instanceId(r), instanceState: { code: 0, name: 'pending' } }] },
      },
    }),
  },
  {
    kind: 'write',
    weight: 1,
    make: (r) => ({
      ...service(r),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'TerminateInstances',
      requestParameters: { instancesSet: { items: [{ instanceId: instanceId(r) }] } },
    }),
  },
  { kind: 'write', weight: 0.5, make: (r) => ({ ...workload(r), ...ingress(r, '10.0.0.0/16', 443) }) },
  {
    kind: 'write',
    weight: 0.5,
    make: (r) => ({
      ...workload(r),
      eventSource: 'lambda.amazonaws.com',
      eventName: 'UpdateFunctionConfiguration20150331v2',
      requestParameters: { functionName: oneOf(r, APP_ROLES), memorySize: 512, timeout: 30 },
    }),
  },
  {
    kind: 'write',
    weight: 0.3,
    make: (r) => ({
      ...workload(r),
      eventSource: 'iam.amazonaws.com',
      eventName: 'PutRolePolicy',
      requestParameters: {
        roleName: oneOf(r, APP_ROLES),
        policyName: 'inline-s3',
        policyDocument: policyDoc(false, bucket(r)),
      },
    }),
  },
  {
    kind: 'write',
    weight: 1,
    make: (r) => ({
      ...workload(r),
      eventSource: 'cloudformation.amazonaws.com',
      eventName: 'CreateChangeSet',
      requestParameters: {
        stackName: `${oneOf(r, APP_ROLES)}-stack`,
        changeSetName: `cs-${hex(r, 8)}`,
        capabilities: ['CAPABILITY_IAM'],
      },
    }),
  },
  {
    kind: 'write',
    weight: 0.3,
    make: (r) => ({
      ...workload(r),
      eventSource: 'cloudformation.amazonaws.com',
      eventName: 'ExecuteChangeSet',
      requestParameters: { stackName: `${oneOf(r, APP_ROLES)}-stack`, changeSetName: `cs-${hex(r, 8)}` },
    }),
  },
  {
    kind: 'write',
    weight: 0.5,
    make: (r) => ({
      ...workload(r),
      eventSource: 's3.amazonaws.com',
      eventName: 'PutBucketTagging',
      requestParameters: { bucketName: bucket(r), Host: 's3.amazonaws.com', tagging: '' },
    }),
  },
  {
    kind: 'write',
    weight: 1,
    make: (r) => ({
      ...service(r),
      eventSource: 'kms.amazonaws.com',
      eventName: 'CreateGrant',
      requestParameters: {
        keyId: keyArn(r),
        granteePrincipal: `arn:aws:iam::${ACCOUNT}:role/${oneOf(r, APP_ROLES)}`,
        operations: ['Decrypt', 'GenerateDataKey'],
        retiringPrincipal: 'ebs.eu-west-1.amazonaws.com',
      },
    }),
  },
  {
    kind: 'write',
    weight: 0.5,
    make: (r) => ({
      ...workload(r),
      eventSource: 'monitoring.amazonaws.com',
      eventName: 'PutMetricAlarm',
      requestParameters: {
        alarmName: `${oneOf(r, APP_ROLES)}-errors`,
        metricName: 'Errors',
        namespace: 'AWS/Lambda',
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        evaluationPeriods: 1,
        period: 60,
        statistic: 'Sum',
      },
    }),
  },
  {
    kind: 'write',
    weight: 0.2,
    make: (r) => ({
      ...workload(r),
      eventSource: 'sqs.amazonaws.com',
      eventName: 'SetQueueAttributes',
      requestParameters: {
        queueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/${oneOf(r, APP_ROLES)}`,
        attributes: { VisibilityTimeout: '120' },
      },
    }),
  },
  {
    kind: 'write',
    weight: 0.5,
    make: (r) => ({
      ...service(r),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'CreateSnapshot',
      requestParameters: { volumeId: `vol-0${hex(r, 16)}`, description: 'daily backup' },
    }),
  },
  {
    kind: 'write',
    weight: 0.2,
    make: (r) => ({
      ...workload(r),
      eventSource: 'logs.amazonaws.com',
      eventName: 'PutRetentionPolicy',
      requestParameters: { logGroupName: `/aws/lambda/${oneOf(r, APP_ROLES)}`, retentionInDays: 30 },
    }),
  },
];

const consoleLogin = (outcome: 'Success' | 'Failure', mfa: 'Yes' | 'No'): Spec => ({
  eventSource: 'signin.amazonaws.com',
  eventName: 'ConsoleLogin',
  eventType: 'AwsConsoleSignIn',
  requestParameters: null,
  responseElements: { ConsoleLogin: outcome },
  additionalEventData: {
    LoginTo: 'https://console.aws.amazon.com/console/home',
    MobileVersion: 'No',
    MFAUsed: mfa,
  },
  ...(outcome === 'Failure' ? { errorMessage: 'Failed authentication' } : {}),
});

const SIGN_INS: Template[] = [
  { kind: 'sign-in', weight: 2.5, make: (r) => ({ ...person(r), ...consoleLogin('Success', 'No') }) },
  { kind: 'sign-in', weight: 0.8, make: (r) => ({ ...iamUser(r), ...consoleLogin('Success', 'Yes') }) },
  { kind: 'sign-in', weight: 0.4, make: (r) => ({ ...iamUser(r), ...consoleLogin('Failure', 'No') }) },
  {
    kind: 'sign-in',
    weight: 0.3,
    make: (r) => ({
      ...iamUser(r),
      eventSource: 'signin.amazonaws.com',
      eventName: 'CheckMfa',
      eventType: 'AwsConsoleSignIn',
      requestParameters: null,
      responseElements: { CheckMfa: 'Success' },
    }),
  },
];

const ERRORS: Template[] = [
  {
    kind: 'error',
    weight: 3.5,
    make: (r) => {
      const base = oneOf(r, READS).make(r);
      return {
        ...base,
        errorCode: 'AccessDenied',
        errorMessage: `User: arn:aws:sts::${ACCOUNT}:assumed-role/${oneOf(r, APP_ROLES)}/x is not authorized to perform: ${String(base.eventName)} because no identity-based policy allows the action`,
        responseElements: null,
      };
    },
  },
  {
    kind: 'error',
    weight: 1,
    make: (r) => ({
      ...workload(r),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'DescribeInstances',
      errorCode: 'Client.UnauthorizedOperation',
      errorMessage: 'You are not authorized to perform this operation.',
      requestParameters: { instancesSet: {}, filterSet: {} },
      responseElements: null,
    }),
  },
  {
    kind: 'error',
    weight: 0.5,
    make: (r) => ({
      ...workload(r),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'RunInstances',
      errorCode: 'Client.UnauthorizedOperation',
      errorMessage:
        'You are not authorized to perform this operation. Encoded authorization failure message: ' +
        hex(r, 200),
      requestParameters: {
        instancesSet: { items: [{ imageId: `ami-0${hex(r, 16)}`, minCount: 1, maxCount: 1 }] },
        instanceType: 't3.micro',
      },
      responseElements: null,
    }),
  },
];

const RISKY: Template[] = [
  {
    kind: 'risky',
    weight: 0.05,
    make: (r) => ({
      ...iamUser(r),
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      requestParameters: { name: `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/org-trail` },
    }),
  },
  {
    kind: 'risky',
    weight: 0.05,
    make: (r) => ({
      ...iamUser(r),
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'DeleteTrail',
      requestParameters: { name: 'org-trail' },
    }),
  },
  {
    kind: 'risky',
    weight: 0.1,
    make: (r) => ({
      ...iamUser(r),
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateAccessKey',
      requestParameters: { userName: oneOf(r, IAM_USERS) },
      responseElements: {
        accessKey: {
          userName: oneOf(r, IAM_USERS),
          accessKeyId: `AKIA${hex(r, 16).toUpperCase()}`,
          status: 'Active',
          createDate: 'Nov 1, 2026, 12:00:00 AM',
        },
      },
    }),
  },
  {
    kind: 'risky',
    weight: 0.1,
    make: (r) => ({
      ...person(r),
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateUser',
      requestParameters: { userName: `svc-${hex(r, 6)}` },
    }),
  },
  { kind: 'risky', weight: 0.15, make: (r) => ({ ...person(r), ...ingress(r, '0.0.0.0/0', 22) }) },
  {
    kind: 'risky',
    weight: 0.1,
    make: (r) => ({
      ...person(r),
      eventSource: 's3.amazonaws.com',
      eventName: 'PutBucketPolicy',
      requestParameters: {
        bucketName: bucket(r),
        Host: 's3.amazonaws.com',
        bucketPolicy: JSON.parse(policyDoc(true, 'x')) as Record<string, unknown>,
        policy: '',
      },
    }),
  },
  { kind: 'risky', weight: 0.1, make: (r) => ({ ...root(r), ...consoleLogin('Success', 'No') }) },
  {
    kind: 'risky',
    weight: 0.1,
    make: (r) => ({
      ...iamUser(r),
      eventSource: 'iam.amazonaws.com',
      eventName: 'AttachUserPolicy',
      requestParameters: {
        userName: oneOf(r, IAM_USERS),
        policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      },
    }),
  },
  {
    kind: 'risky',
    weight: 0.05,
    make: (r) => ({
      ...person(r),
      eventSource: 'guardduty.amazonaws.com',
      eventName: 'DeleteDetector',
      requestParameters: { detectorId: hex(r, 32) },
    }),
  },
  {
    kind: 'risky',
    weight: 0.05,
    make: (r) => ({
      ...person(r),
      eventSource: 'kms.amazonaws.com',
      eventName: 'ScheduleKeyDeletion',
      requestParameters: { keyId: keyArn(r), pendingWindowInDays: 7 },
    }),
  },
  {
    kind: 'risky',
    weight: 0.1,
    make: (r) => ({
      userIdentity: assumedRole(r, 'OrganizationAccountAccessRole', 'attacker', OTHER_ACCOUNT),
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      ...assumeRole(r),
    }),
  },
  {
    kind: 'risky',
    weight: 0.05,
    make: (r) => ({
      ...person(r),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'GetPasswordData',
      requestParameters: { instanceId: instanceId(r) },
    }),
  },
];

const TEMPLATES: readonly Template[] = [...READS, ...WRITES, ...SIGN_INS, ...ERRORS, ...RISKY];

/** Returns the next event each call; never keeps what it produced (for streaming millions). */
export function createEventStream(options: CorpusOptions = {}): () => GeneratedEvent & { kind: EventKind } {
  const seed = options.seed ?? 7;
  const startMs = options.startMs ?? Date.UTC(2026, 10, 1);
  const stepMs = options.stepMs ?? 100;
  const region = options.region ?? 'eu-west-1';
  const rng = mulberry32(seed);
  const total = TEMPLATES.reduce((sum, t) => sum + t.weight, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const t of TEMPLATES) {
    acc += t.weight / total;
    cumulative.push(acc);
  }
  let i = 0;
  return () => {
    const x = rng();
    let k = 0;
    while (k < cumulative.length - 1 && x >= cumulative[k]!) k++;
    const template = TEMPLATES[k]!;
    const eventTimeMs = Math.floor((startMs + i * stepMs) / 1000) * 1000;
    i++;
    const spec = template.make(rng);
    const eventName = spec.eventName ?? 'DescribeInstances';
    const eventSource = spec.eventSource ?? 'ec2.amazonaws.com';
    const readOnly =
      template.kind === 'read' || (template.kind === 'error' && !/^(Run|Create|Put)/.test(eventName));
    const eventID = uuid(rng);
    // Field order as CloudTrail writes it; optional fields only when present.
    const record: Json = {
      eventVersion: '1.08',
      userIdentity: spec.userIdentity ?? workload(rng).userIdentity,
      eventTime: new Date(eventTimeMs).toISOString().replace('.000Z', 'Z'),
      eventSource,
      eventName,
      awsRegion: region,
      sourceIPAddress: spec.sourceIPAddress ?? `203.0.113.${1 + Math.floor(rng() * 254)}`,
      userAgent: spec.userAgent ?? SDK_AGENTS[0],
    };
    if (spec.errorCode !== undefined) record.errorCode = spec.errorCode;
    if (spec.errorMessage !== undefined) record.errorMessage = spec.errorMessage;
    record.requestParameters = spec.requestParameters === undefined ? null : spec.requestParameters;
    record.responseElements = spec.responseElements === undefined ? null : spec.responseElements;
    if (spec.additionalEventData !== undefined) record.additionalEventData = spec.additionalEventData;
    record.requestID = uuid(rng);
    record.eventID = eventID;
    record.readOnly = readOnly;
    if (spec.resources !== undefined) record.resources = spec.resources;
    record.eventType = spec.eventType ?? 'AwsApiCall';
    record.managementEvent = true;
    record.recipientAccountId = ACCOUNT;
    if (spec.sharedEventID !== undefined) record.sharedEventID = spec.sharedEventID;
    record.eventCategory = 'Management';
    record.tlsDetails = {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `${eventSource.split('.')[0]}.${region}.amazonaws.com`,
    };
    return {
      kind: template.kind,
      eventId: eventID,
      eventName,
      eventSource,
      eventTimeMs,
      readOnly: record.readOnly === true,
      body: JSON.stringify(record),
    };
  };
}

export interface Corpus {
  readonly events: GeneratedEvent[];
  readonly byKind: Record<EventKind, number>;
  /** The ids of the events drawn from the risky templates: what an alert on them finds is true. */
  readonly riskyIds: ReadonlySet<string>;
  readonly meanBytes: number;
}

export function generateCorpus(count: number, options: CorpusOptions = {}): Corpus {
  const next = createEventStream(options);
  const events: GeneratedEvent[] = new Array(count);
  const byKind: Record<EventKind, number> = { read: 0, write: 0, 'sign-in': 0, error: 0, risky: 0 };
  const riskyIds = new Set<string>();
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const { kind, ...event } = next();
    byKind[kind] += 1;
    if (kind === 'risky') riskyIds.add(event.eventId);
    bytes += event.body.length;
    events[i] = event;
  }
  return { events, byKind, riskyIds, meanBytes: count > 0 ? bytes / count : 0 };
}
