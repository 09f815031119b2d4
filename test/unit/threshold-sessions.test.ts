// The access-denied thresholds count a role as one principal whatever its session names: an
// attacker who spreads refused calls over many sessions of one role is counted as that role.
// Driven the way a run drives them: raw bodies parsed by parseCloudTrailEvent, the real
// ThresholdEngine over THRESHOLD_RULES, and the in-memory state store's countOnce.

import { renderAlert } from '../../lambda/core/alert';
import { parseCloudTrailEvent } from '../../lambda/core/event';
import { principalKey } from '../../lambda/core/principal';
import { ThresholdEngine } from '../../lambda/core/threshold';
import type { Finding, JsonObject, TrailEvent } from '../../lambda/core/types';
import { THRESHOLD_RULES } from '../../lambda/rules/thresholds';
import { MemoryStateStore } from '../support/memory-ports';

const ACCOUNT = '111122223333';
const T0 = Date.parse('2026-11-27T12:00:00Z');
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/ci-deploy`;
const SSO_ROLE = 'AWSReservedSSO_ReadOnly_0123456789abcdef';
const SSO_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/${SSO_ROLE}`;

/** A role session's identity, as CloudTrail records it on a refused call. */
function session(roleName: string, issuerArn: string, sessionName: string): JsonObject {
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLEROLE00001:${sessionName}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${sessionName}`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAEXAMPLESESSION01',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEROLE00001',
        arn: issuerArn,
        accountId: ACCOUNT,
        userName: roleName,
      },
      webIdFederationData: {},
      attributes: { creationDate: '2026-11-27T11:58:00Z', mfaAuthenticated: 'false' },
    },
  };
}

const PROBES = [
  ['s3.amazonaws.com', 'ListBuckets', 'AccessDenied'],
  ['iam.amazonaws.com', 'ListUsers', 'AccessDenied'],
  ['ec2.amazonaws.com', 'DescribeInstances', 'Client.UnauthorizedOperation'],
  ['secretsmanager.amazonaws.com', 'ListSecrets', 'AccessDeniedException'],
  ['kms.amazonaws.com', 'ListKeys', 'AccessDeniedException'],
] as const;

/** The i-th refused call, as the raw `CloudTrailEvent` body LookupEvents returns. */
function refusedCall(i: number, userIdentity: JsonObject): TrailEvent {
  const [eventSource, eventName, errorCode] = PROBES[i % PROBES.length]!;
  const body = JSON.stringify({
    eventVersion: '1.10',
    userIdentity,
    eventTime: new Date(T0 + 60_000 + i * 5_000).toISOString().replace('.000Z', 'Z'),
    eventSource,
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.66',
    userAgent: 'aws-cli/2.17.40 md/awscrt#0.21.2 ua/2.0 os/linux#6.8 md/arch#x86_64 lang/python#3.11.9',
    errorCode,
    errorMessage: `User: ${String(userIdentity.arn)} is not authorized to perform this operation`,
    requestParameters: null,
    responseElements: null,
    requestID: `5d2a1f3e-0000-4000-8000-${String(i).padStart(12, '0')}`,
    eventID: `refused-${String(i).padStart(3, '0')}-${String(userIdentity.arn).slice(-12)}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  });
  const parsed = parseCloudTrailEvent(body);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

/** Counts every event into the store, in order; returns the access-denied findings raised. */
async function drive(events: readonly TrailEvent[]): Promise<Finding[]> {
  const engine = new ThresholdEngine(THRESHOLD_RULES);
  const store = new MemoryStateStore();
  const findings: Finding[] = [];
  for (const event of events) {
    const { hits, failures } = engine.candidates(event);
    expect(failures).toEqual([]);
    for (const hit of hits) {
      if (!hit.rule.id.startsWith('iam.access-denied-')) continue;
      const result = await store.countOnce(hit.counter, event.eventId, event.eventTimeMs, hit.member);
      const finding = engine.verdict(hit, result);
      if (finding) findings.push(finding);
    }
  }
  return findings;
}

describe('iam.access-denied-burst and -flood count a role across its sessions', () => {
  it('reaches the burst with 10 refused calls by one role spread over 10 session names', async () => {
    const calls = Array.from({ length: 10 }, (_, i) =>
      refusedCall(i, session('ci-deploy', ROLE_ARN, `probe-${i + 1}`)),
    );
    const findings = await drive(calls);
    expect(findings.map((f) => [f.ruleId, f.severity, f.event.eventId])).toEqual([
      ['iam.access-denied-burst', 'medium', calls[9]!.eventId],
    ]);
  });

  it('reaches the flood with 50 refused calls by one role spread over 50 session names', async () => {
    const calls = Array.from({ length: 50 }, (_, i) =>
      refusedCall(i, session('ci-deploy', ROLE_ARN, `probe-${i + 1}`)),
    );
    const findings = await drive(calls);
    expect(findings.map((f) => f.ruleId)).toEqual(['iam.access-denied-burst', 'iam.access-denied-flood']);
  });

  it('names the role in the summary, and the session of the crossing call in the alert', async () => {
    const calls = Array.from({ length: 10 }, (_, i) =>
      refusedCall(i, session('ci-deploy', ROLE_ARN, `probe-${i + 1}`)),
    );
    const [finding] = await drive(calls);
    expect(finding!.summary).toBe(
      `10 refused (access denied) calls by ${ROLE_ARN} within 15 minutes (window from 2026-11-27T12:00:00.000Z).`,
    );
    expect(finding!.dedupKey).toBe(`iam.access-denied-burst|${ROLE_ARN}|${T0}`);
    const message = JSON.parse(renderAlert(finding!).message) as Record<string, string>;
    const crossingSession = `arn:aws:sts::${ACCOUNT}:assumed-role/ci-deploy/probe-10`;
    expect(message.default).toContain(crossingSession);
    expect(message.email).toContain(crossingSession);
    expect(message.email).toContain(ROLE_ARN);
  });

  it('does not add up two roles', async () => {
    const calls = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0
        ? refusedCall(i, session('ci-deploy', ROLE_ARN, `probe-${i}`))
        : refusedCall(i, session('ci-report', `arn:aws:iam::${ACCOUNT}:role/ci-report`, `probe-${i}`)),
    );
    expect(await drive(calls)).toEqual([]);
  });

  it('counts an IAM Identity Center role per person: ten people refused once each is no burst', async () => {
    const people = Array.from({ length: 10 }, (_, i) =>
      refusedCall(i, session(SSO_ROLE, SSO_ROLE_ARN, `person${i}@example.com`)),
    );
    expect(await drive(people)).toEqual([]);
    const one = Array.from({ length: 10 }, (_, i) =>
      refusedCall(i, session(SSO_ROLE, SSO_ROLE_ARN, 'alice@example.com')),
    );
    const findings = await drive(one);
    expect(findings.map((f) => f.ruleId)).toEqual(['iam.access-denied-burst']);
    expect(findings[0]!.summary).toContain(`${SSO_ROLE_ARN}/alice@example.com`);
  });
});

describe('principalKey, the one key counters and profiles share', () => {
  const actorOf = (userIdentity: JsonObject): TrailEvent => refusedCall(0, userIdentity);

  it('is the role for any of its sessions, and the Identity Center role plus the person', () => {
    expect(principalKey(actorOf(session('ci-deploy', ROLE_ARN, 'a')))).toBe(ROLE_ARN);
    expect(principalKey(actorOf(session('ci-deploy', ROLE_ARN, 'b')))).toBe(ROLE_ARN);
    expect(principalKey(actorOf(session(SSO_ROLE, SSO_ROLE_ARN, 'bob@example.com')))).toBe(
      `${SSO_ROLE_ARN}/bob@example.com`,
    );
  });

  it('reads the role from the session ARN when the record names no issuer', () => {
    const bare = (roleName: string, sessionName: string): JsonObject => ({
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${sessionName}`,
      accountId: ACCOUNT,
    });
    expect(principalKey(actorOf(bare('ci-deploy', 'x')))).toBe(ROLE_ARN);
    expect(principalKey(actorOf(bare(SSO_ROLE, 'carol@example.com')))).toBe(
      `arn:aws:iam::${ACCOUNT}:role/${SSO_ROLE}/carol@example.com`,
    );
  });

  it('is the issuing IAM user for a federation token, and the ARN for users and root', () => {
    const broker = `arn:aws:iam::${ACCOUNT}:user/federation-broker`;
    expect(
      principalKey(
        actorOf({
          type: 'FederatedUser',
          arn: `arn:aws:sts::${ACCOUNT}:federated-user/any-name`,
          sessionContext: { sessionIssuer: { type: 'IAMUser', arn: broker } },
        }),
      ),
    ).toBe(broker);
    const alice = `arn:aws:iam::${ACCOUNT}:user/alice`;
    expect(principalKey(actorOf({ type: 'IAMUser', arn: alice, userName: 'alice' }))).toBe(alice);
    const root = `arn:aws:iam::${ACCOUNT}:root`;
    expect(principalKey(actorOf({ type: 'Root', arn: root, principalId: ACCOUNT }))).toBe(root);
  });
});
