// A small, deterministic event history for the demo: a day of ordinary activity in two
// regions, with an intrusion story woven in. Some events reach Event history late, one
// body is broken, and one attacker field carries control characters.

export interface SampleEvent {
  readonly region: string;
  /** A CloudTrail record, or a raw (possibly broken) CloudTrailEvent body. */
  readonly record: Record<string, unknown> | string;
  readonly eventTimeMs: number;
  readonly visibleAtMs: number;
  readonly eventId: string;
  readonly eventName: string;
}

const ACCOUNT = '111122223333';
const MINUTE = 60_000;

/** Deterministic PRNG so every demo run shows the same story. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROUTINE: ReadonlyArray<readonly [string, string, boolean]> = [
  ['DescribeInstances', 'ec2.amazonaws.com', true],
  ['ListBuckets', 's3.amazonaws.com', true],
  ['GetCallerIdentity', 'sts.amazonaws.com', true],
  ['DescribeStacks', 'cloudformation.amazonaws.com', true],
  ['PutMetricData', 'monitoring.amazonaws.com', false],
  ['CreateLogStream', 'logs.amazonaws.com', false],
  ['Decrypt', 'kms.amazonaws.com', true],
];

let counter = 0;
function eventId(rand: () => number): string {
  counter += 1;
  const hex = () =>
    Math.floor(rand() * 0xffffffff)
      .toString(16)
      .padStart(8, '0');
  return `${hex()}-${hex().slice(0, 4)}-4${hex().slice(0, 3)}-a${hex().slice(0, 3)}-${hex()}${counter.toString(16).padStart(4, '0')}`;
}

function iamUser(name: string, accessKeyId = 'AKIAEXAMPLEUSER0001') {
  return {
    type: 'IAMUser',
    principalId: `AIDA${name.toUpperCase().padEnd(17, 'X')}`,
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    accountId: ACCOUNT,
    accessKeyId,
    userName: name,
  };
}

function assumedRole(role: string, session: string) {
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLEROLE:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAEXAMPLESESSION01',
    sessionContext: {
      sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/${role}`, userName: role },
      attributes: { mfaAuthenticated: 'false', creationDate: '2026-01-01T00:00:00Z' },
    },
  };
}

function record(
  rand: () => number,
  region: string,
  timeMs: number,
  eventName: string,
  eventSource: string,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: assumedRole('app-server', 'i-0abc1234def567890'),
    eventTime: new Date(timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource,
    eventName,
    awsRegion: region,
    sourceIPAddress: '198.51.100.20',
    userAgent: 'aws-sdk-js/3.700.0 ua/2.1 os/linux lang/js md/nodejs#22.11.0',
    requestParameters: null,
    responseElements: null,
    requestID: eventId(rand),
    eventID: eventId(rand),
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    ...extra,
  };
}

/**
 * `endMs`: the simulated "now" of the last demo tick. Routine traffic covers the 24 hours
 * before it; the intrusion happens in the last hour.
 */
export function sampleHistory(endMs: number, regions: readonly [string, string]): SampleEvent[] {
  const rand = mulberry32(20261127);
  counter = 0;
  const [home, global] = regions;
  const events: SampleEvent[] = [];
  const push = (
    region: string,
    rec: Record<string, unknown> | string,
    timeMs: number,
    delayMs: number,
    id?: string,
  ) => {
    const eventIdValue = id ?? (typeof rec === 'string' ? 'broken' : String(rec.eventID));
    const name = typeof rec === 'string' ? 'PutBucketPolicy' : String(rec.eventName);
    events.push({
      region,
      record: rec,
      eventTimeMs: timeMs,
      visibleAtMs: timeMs + delayMs,
      eventId: eventIdValue,
      eventName: name,
    });
  };

  // Routine activity: about 300 events a region over the day, visible after 2-12 minutes.
  for (const region of [home, global]) {
    for (let i = 0; i < 300; i++) {
      const t = endMs - 24 * 60 * MINUTE + Math.floor(rand() * 24 * 60 * MINUTE);
      const [name, source, readOnly] = ROUTINE[Math.floor(rand() * ROUTINE.length)]!;
      push(region, record(rand, region, t, name, source, { readOnly }), t, (2 + rand() * 10) * MINUTE);
    }
  }

  // The intrusion, in the last hour before the final tick.
  const t0 = endMs - 50 * MINUTE;
  const attacker = { ...iamUser('build-bot', 'AKIAEXAMPLEBUILDBOT1') };
  const ip = '203.0.113.66';
  const ua = 'aws-cli/2.17.0 md/Botocore#1.34 os/linux';
  push(
    global,
    record(rand, global, t0, 'ConsoleLogin', 'signin.amazonaws.com', {
      userIdentity: {
        type: 'Root',
        principalId: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:root`,
        accountId: ACCOUNT,
      },
      sourceIPAddress: ip,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
      readOnly: false,
      eventType: 'AwsConsoleSignIn',
      responseElements: { ConsoleLogin: 'Success' },
      additionalEventData: { MFAUsed: 'No', LoginTo: 'https://console.aws.amazon.com/console/home' },
    }),
    t0,
    4 * MINUTE,
  );
  push(
    global,
    record(rand, global, t0 + 6 * MINUTE, 'CreateAccessKey', 'iam.amazonaws.com', {
      userIdentity: attacker,
      sourceIPAddress: ip,
      userAgent: ua,
      readOnly: false,
      requestParameters: { userName: 'backup-admin' },
      responseElements: {
        accessKey: { accessKeyId: 'AKIAEXAMPLENEWKEY001', status: 'Active', userName: 'backup-admin' },
      },
    }),
    t0 + 6 * MINUTE,
    3 * MINUTE,
  );
  push(
    global,
    record(rand, global, t0 + 8 * MINUTE, 'AttachUserPolicy', 'iam.amazonaws.com', {
      userIdentity: attacker,
      sourceIPAddress: ip,
      userAgent: ua,
      readOnly: false,
      requestParameters: {
        userName: 'backup-admin',
        policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      },
    }),
    t0 + 8 * MINUTE,
    // Late: reaches Event history 35 minutes after it happened; the overlap still catches it.
    35 * MINUTE,
  );
  push(
    home,
    record(rand, home, t0 + 15 * MINUTE, 'PutBucketPolicy', 's3.amazonaws.com', {
      userIdentity: attacker,
      sourceIPAddress: ip,
      // Attacker-chosen text with terminal escapes and a fake second line: alerts must neutralise it.
      userAgent: `${ua}\u001b[2J\nCRITICAL: ignore previous alert`,
      readOnly: false,
      requestParameters: {
        bucketName: 'acme-customer-exports',
        bucketPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::acme-customer-exports/*',
            },
          ],
        },
      },
    }),
    t0 + 15 * MINUTE,
    5 * MINUTE,
  );
  // A body that is not JSON: counted and logged, never fatal.
  push(
    home,
    '{"eventVersion":"1.09","eventID":"broken-0001", "userIdent',
    t0 + 20 * MINUTE,
    2 * MINUTE,
    'broken-0001',
  );
  push(
    home,
    record(rand, home, t0 + 30 * MINUTE, 'StopLogging', 'cloudtrail.amazonaws.com', {
      userIdentity: attacker,
      sourceIPAddress: ip,
      userAgent: ua,
      readOnly: false,
      requestParameters: { name: `arn:aws:cloudtrail:${home}:${ACCOUNT}:trail/org-trail` },
    }),
    t0 + 30 * MINUTE,
    6 * MINUTE,
  );
  return events;
}
