// The Security Hub output's pure part: ASFF findings from alert and digest documents, stable Ids,
// the caller's account as AwsAccountId, ASFF field limits, and requests of at most 100 findings.
import { renderAlert, renderDigest } from '../../lambda/core/alert';
import { stableId } from '../../lambda/core/alert/text';
import { parseDocument } from '../../lambda/core/outputs/document';
import {
  type AsffFinding,
  asffFindings,
  defaultProductArn,
  FALLBACK_TYPE,
  findingTypes,
  type ImportTarget,
  MAX_FINDINGS_PER_IMPORT,
  parseProductArn,
} from '../../lambda/core/outputs/security-hub';
import {
  importResults,
  isTransientImportError,
  planImports,
} from '../../lambda/core/outputs/security-hub-imports';
import type { ForwardItem, ForwardResult } from '../../lambda/core/ports';
import type { Finding, JsonObject, Severity } from '../../lambda/core/types';
import { hostileStopLogging } from '../support/hostile';
import {
  documentOf,
  EVENT_ACCOUNT,
  EVENT_TIME as RECORDED_TIME,
  stopLoggingFinding,
} from '../support/output-fixtures';

const CALLER = '999988887777';
const PRODUCT_ARN = defaultProductArn('eu-west-1', CALLER);
const TARGET: ImportTarget = parseProductArn(PRODUCT_ARN);
const NOW = Date.parse('2026-03-02T00:00:00Z');
/** The event time as the finding carries it. */
const EVENT_TIME = new Date(RECORDED_TIME).toISOString();

/** The shared StopLogging, by an assumed role. */
const ASSUMED_ROLE: JsonObject = {
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLEID:alice',
    arn: `arn:aws:sts::${EVENT_ACCOUNT}:assumed-role/Admin/alice`,
    accountId: EVENT_ACCOUNT,
    accessKeyId: 'ASIAEXAMPLEKEY123456',
    sessionContext: {
      sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${EVENT_ACCOUNT}:role/Admin`, userName: 'Admin' },
      attributes: { mfaAuthenticated: 'false' },
    },
  },
};

function finding(eventId: string, overrides: JsonObject = {}, meta: Partial<Finding> = {}): Finding {
  return stopLoggingFinding(eventId, { ...ASSUMED_ROLE, ...overrides }, meta);
}

function itemOf(document: string, eventTimeMs = Date.parse(EVENT_TIME)): ForwardItem {
  return { key: 'k', severity: 'critical', eventTimeMs, document };
}

function findingsFor(f: Finding, options: Parameters<typeof renderAlert>[1] = {}): AsffFinding[] {
  const document = documentOf(renderAlert(f, options));
  return asffFindings(parseDocument(document), itemOf(document), TARGET, NOW);
}

function only(findings: AsffFinding[]): AsffFinding {
  expect(findings).toHaveLength(1);
  return findings[0]!;
}

describe('the product ARN', () => {
  it('gives the caller account, region and partition', () => {
    expect(TARGET).toEqual({
      productArn: PRODUCT_ARN,
      partition: 'aws',
      region: 'eu-west-1',
      accountId: CALLER,
    });
    expect(
      parseProductArn('arn:aws-us-gov:securityhub:us-gov-west-1:123456789012:product/123456789012/default'),
    ).toMatchObject({ partition: 'aws-us-gov', region: 'us-gov-west-1' });
  });

  it.each([
    '',
    'arn:aws:sns:eu-west-1:999988887777:topic',
    'arn:aws:securityhub:eu-west-1:9999:product/x/default',
  ])('refuses %j with the form it expects', (arn) => {
    expect(() => parseProductArn(arn)).toThrow(/product\/<account>\/default/);
  });
});

describe('an alert as an ASFF finding', () => {
  const f = only(
    findingsFor(finding('ev-1'), {
      account: { id: EVENT_ACCOUNT, name: 'Payments', ouPath: 'Root/Workloads' },
    }),
  );

  it('has the required attributes, the caller as AwsAccountId and the event time throughout', () => {
    expect(f).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: PRODUCT_ARN,
      GeneratorId: 'cloudtrail.logging-stopped',
      AwsAccountId: CALLER,
      CreatedAt: EVENT_TIME,
      UpdatedAt: EVENT_TIME,
      FirstObservedAt: EVENT_TIME,
      LastObservedAt: EVENT_TIME,
      Severity: { Label: 'CRITICAL', Original: 'critical' },
      Types: ['TTPs/Defense Evasion'],
      RecordState: 'ACTIVE',
      SourceUrl: `https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/ev-1`,
      Remediation: {
        Recommendation: {
          Text: 'Confirm with the caller; StartLogging; review what the caller did next.',
          Url: 'https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html',
        },
      },
      FindingProviderFields: {
        Severity: { Label: 'CRITICAL', Original: 'critical' },
        Types: ['TTPs/Defense Evasion'],
      },
    });
  });

  it('has an Id from the event account, region and the alert id, the same for every rendering', () => {
    const alertId = stableId('ev-1#cloudtrail.logging-stopped');
    expect(f.Id).toBe(`trailwatch/${EVENT_ACCOUNT}/us-east-1/${alertId}`);
    expect(f.ProductFields['trailwatch/alertId']).toBe(alertId);
    const again = only(findingsFor(finding('ev-1'), { generatedAtMs: NOW }));
    expect(again.Id).toBe(f.Id);
    expect(only(findingsFor(finding('ev-1'), {})).Id).toBe(f.Id);
    expect(only(findingsFor(finding('ev-1', {}, { ruleId: 'other.rule' }))).Id).not.toBe(f.Id);
    expect(only(findingsFor(finding('ev-2'))).Id).not.toBe(f.Id);
  });

  it('names the event account, its name and OU path, actor, region, source IP, event id and runbook', () => {
    for (const text of [
      'alice stopped trail main.',
      'Actor: alice (AssumedRole)',
      `Account: ${EVENT_ACCOUNT} (Payments, Root/Workloads)`,
      'Region: us-east-1',
      'Source IP: 203.0.113.9',
      'id ev-1',
      'Runbook: Confirm with the caller',
    ]) {
      expect(f.Description).toContain(text);
    }
    expect(f.Title).toBe('CloudTrail logging stopped by alice');
    expect(f.ProductFields).toMatchObject({
      'trailwatch/schema': 'trailwatch.alert/1',
      'trailwatch/ruleId': 'cloudtrail.logging-stopped',
      'trailwatch/eventId': 'ev-1',
      'trailwatch/eventName': 'StopLogging',
      'trailwatch/eventAccount': EVENT_ACCOUNT,
      'trailwatch/accountName': 'Payments',
    });
  });

  it('lists the event account and the actor as resources', () => {
    expect(f.Resources).toEqual([
      { Type: 'AwsAccount', Id: `AWS::::Account:${EVENT_ACCOUNT}`, Partition: 'aws', Region: 'us-east-1' },
      { Type: 'AwsIamAccessKey', Id: 'ASIAEXAMPLEKEY123456', Partition: 'aws', ResourceRole: 'Actor' },
      {
        Type: 'AwsIamRole',
        Id: `arn:aws:iam::${EVENT_ACCOUNT}:role/Admin`,
        Partition: 'aws',
        ResourceRole: 'Actor',
      },
    ]);
    const user = only(
      findingsFor(
        finding('ev-u', {
          userIdentity: {
            type: 'IAMUser',
            userName: 'bob',
            arn: `arn:aws:iam::${EVENT_ACCOUNT}:user/ops/bob`,
            accountId: EVENT_ACCOUNT,
          },
        }),
      ),
    );
    expect(user.Resources.map((r) => [r.Type, r.Id])).toEqual([
      ['AwsAccount', `AWS::::Account:${EVENT_ACCOUNT}`],
      ['AwsIamUser', `arn:aws:iam::${EVENT_ACCOUNT}:user/ops/bob`],
    ]);
  });

  it('never sends Workflow (not updatable by BatchImportFindings) nor Region (set by Security Hub)', () => {
    expect(f).not.toHaveProperty('Workflow');
    expect(f).not.toHaveProperty('Region');
    expect(f).not.toHaveProperty('Note');
  });

  it.each<[Severity, string]>([
    ['critical', 'CRITICAL'],
    ['high', 'HIGH'],
    ['medium', 'MEDIUM'],
    ['low', 'LOW'],
    ['info', 'INFORMATIONAL'],
  ])('labels %s as %s', (severity, label) => {
    const g = only(findingsFor(finding('ev-s', {}, { severity })));
    expect(g.Severity).toEqual({ Label: label, Original: severity });
    expect(g.FindingProviderFields.Severity).toEqual(g.Severity);
  });

  it('falls back to the item time, then the given time, when the event has none', () => {
    const timeless = finding('ev-t', { eventTime: 'not a time' });
    const document = documentOf(renderAlert(timeless));
    const withItem = asffFindings(
      parseDocument(document),
      itemOf(document, Date.parse('2026-01-01T00:00:00Z')),
      TARGET,
      NOW,
    );
    expect(only(withItem).CreatedAt).toBe('2026-01-01T00:00:00.000Z');
    const bare = asffFindings(parseDocument(document), itemOf(document, Number.NaN), TARGET, NOW);
    expect(only(bare).UpdatedAt).toBe(new Date(NOW).toISOString());
  });
});

describe('finding types', () => {
  it('maps MITRE tactics to ASFF TTPs and effects, once each', () => {
    expect(
      findingTypes(['TA0005:T1562.008', 'TA0005:T1070', 'TA0004:T1098', 'TA0010:T1537', 'TA0040:T1485']),
    ).toEqual(['TTPs/Defense Evasion', 'TTPs/Privilege Escalation', 'Effects/Data Exfiltration', 'Effects']);
  });

  it('uses unusual user behaviour when no tactic has an ASFF type', () => {
    expect(findingTypes([])).toEqual([FALLBACK_TYPE]);
    expect(findingTypes(['TA0043:T1595', 'bogus'])).toEqual(['Unusual Behaviors/User']);
  });
});

describe('hostile events', () => {
  const hostile = hostileStopLogging('evil-1', Date.parse(EVENT_TIME));
  const f = only(findingsFor(hostile));

  it('keeps every field within the ASFF limits', () => {
    expect(f.Title.length).toBeLessThanOrEqual(256);
    expect(f.Description.length).toBeLessThanOrEqual(1024);
    expect(f.Id.length).toBeLessThanOrEqual(512);
    expect(f.GeneratorId.length).toBeLessThanOrEqual(512);
    expect(f.Remediation.Recommendation.Text.length).toBeLessThanOrEqual(512);
    expect(f.Severity.Original.length).toBeLessThanOrEqual(64);
    expect(Object.keys(f.ProductFields).length).toBeLessThanOrEqual(50);
    for (const [key, value] of Object.entries(f.ProductFields)) {
      expect(key.length).toBeLessThanOrEqual(128);
      expect(value.length).toBeLessThanOrEqual(2048);
      expect(value.length).toBeGreaterThan(0);
    }
    expect(f.Resources.length).toBeLessThanOrEqual(32);
    expect(Buffer.byteLength(JSON.stringify(f))).toBeLessThan(240 * 1024);
  });

  it('has no control characters anywhere, and names no resource it cannot parse', () => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
    expect(JSON.stringify(f)).not.toMatch(/\\u00[01][0-9a-f]|[\u0000-\u001f]/);
    // The user ARN carries 5,000 characters of junk and the key id is too short to be one: neither
    // is named as a resource; only the account is.
    expect(f.Resources.map((r) => r.Type)).toEqual(['AwsAccount']);
  });

  it('does not let a hostile account or region into the Id', () => {
    const odd = only(
      findingsFor(finding('ev-o', { recipientAccountId: '../../x', awsRegion: 'us-east-1/../../z' })),
    );
    expect(odd.Id).toMatch(/^trailwatch\/unknown\/unknown\/[0-9a-f]{32}$/);
    expect(odd.Resources[0]).toEqual({
      Type: 'AwsAccount',
      Id: `AWS::::Account:${CALLER}`,
      Partition: 'aws',
    });
  });
});

describe('a repeat summary', () => {
  const repeats = [finding('rep-1'), finding('rep-2', {}, { severity: 'high' }), finding('rep-3')];
  const document = documentOf(
    renderDigest(repeats, {
      repeatsOf: {
        leadAlertKey: 'rep-0#cloudtrail.logging-stopped',
        windowStartMs: 0,
        windowEndMs: 3_600_000,
      },
    }),
  );
  const findings = asffFindings(parseDocument(document), itemOf(document), TARGET, NOW);

  it('becomes one finding per listed finding, each with the Id its own alert would have', () => {
    expect(findings).toHaveLength(3);
    expect(findings.map((f) => f.Id).sort()).toEqual(repeats.map((r) => only(findingsFor(r)).Id).sort());
    expect(findings.map((f) => f.Severity.Label).sort()).toEqual(['CRITICAL', 'CRITICAL', 'HIGH']);
  });

  it('builds what the digest entry allows: fallback type, console link, the alert it repeats', () => {
    const f = findings.find((g) => g.ProductFields['trailwatch/eventId'] === 'rep-1')!;
    expect(f).toMatchObject({
      AwsAccountId: CALLER,
      GeneratorId: 'cloudtrail.logging-stopped',
      Types: [FALLBACK_TYPE],
      CreatedAt: EVENT_TIME,
      SourceUrl: expect.stringContaining('#/events/rep-1'),
      Resources: [{ Type: 'AwsAccount', Id: `AWS::::Account:${EVENT_ACCOUNT}` }],
    });
    expect(f.ProductFields['trailwatch/repeatsOf']).toBe('rep-0#cloudtrail.logging-stopped');
    expect(f.Description).toContain('Repeats alert: rep-0#cloudtrail.logging-stopped');
    expect(f.Description).toContain('Source IP: 203.0.113.9');
  });
});

describe('import requests', () => {
  const alerts = (n: number, prefix = 'ev') =>
    Array.from({ length: n }, (_, i) => itemOf(documentOf(renderAlert(finding(`${prefix}-${i}`)))));

  it('puts at most 100 findings in a request', () => {
    const plan = planImports(alerts(250), TARGET, NOW);
    expect(plan.requests.map((r) => r.length)).toEqual([
      MAX_FINDINGS_PER_IMPORT,
      MAX_FINDINGS_PER_IMPORT,
      50,
    ]);
    expect(plan.refused.size).toBe(0);
  });

  it('sends a finding named twice once, and both items take its outcome', () => {
    const [a] = alerts(1);
    const plan = planImports([a!, a!], TARGET, NOW);
    expect(plan.requests.flat()).toHaveLength(1);
    const id = plan.requests[0]![0]!.id;
    expect(importResults(2, plan, new Map([[id, { ok: true }]]))).toEqual([{ ok: true }, { ok: true }]);
  });

  it('refuses a malformed document and a digest with no findings, and plans the rest', () => {
    const empty = JSON.parse(documentOf(renderDigest([finding('e-1')]))) as Record<string, unknown>;
    empty.findings = [];
    empty.findingsOmitted = 1;
    const plan = planImports([alerts(1)[0]!, itemOf('{'), itemOf(JSON.stringify(empty))], TARGET, NOW);
    expect(plan.refused.get(1)).toMatchObject({
      ok: false,
      permanent: true,
      reason: expect.stringMatching(/not valid JSON/),
    });
    expect(plan.refused.get(2)).toMatchObject({
      ok: false,
      permanent: true,
      reason: expect.stringMatching(/lists no findings/),
    });
    expect(plan.requests.flat()).toHaveLength(1);
  });

  it('fails an item when any of its findings failed, permanently only if all failures are permanent', () => {
    const digest = itemOf(documentOf(renderDigest([finding('d-1'), finding('d-2')])));
    const plan = planImports([digest, digest], TARGET, NOW);
    const [one, two] = plan.requests.flat().map((f) => f.id);
    const transient: ForwardResult = {
      ok: false,
      permanent: false,
      reason: 'ThrottlingException: slow down',
    };
    const permanent: ForwardResult = { ok: false, permanent: true, reason: 'InvalidInput: bad' };
    expect(
      importResults(
        2,
        plan,
        new Map<string, ForwardResult>([
          [one!, { ok: true }],
          [two!, permanent],
        ]),
      )[0],
    ).toEqual({
      ok: false,
      permanent: true,
      reason: 'InvalidInput: bad',
    });
    expect(
      importResults(
        2,
        plan,
        new Map([
          [one!, transient],
          [two!, permanent],
        ]),
      )[0],
    ).toEqual({
      ok: false,
      permanent: false,
      reason: 'ThrottlingException: slow down (and 1 more of its findings)',
    });
    expect(importResults(1, plan, new Map([[one!, { ok: true }]]))).toEqual([
      { ok: false, permanent: false, reason: 'not sent' },
    ]);
  });

  it('treats throttling and internal per-finding errors as transient, the rest as permanent', () => {
    expect(
      ['ThrottlingException', 'LimitExceededException', 'InternalException', 'InternalFailure'].map(
        isTransientImportError,
      ),
    ).toEqual([true, true, true, true]);
    expect(
      ['InvalidInput', 'AccessDeniedException', 'InvalidProductArn', 'FindingSizeExceeded'].map(
        isTransientImportError,
      ),
    ).toEqual([false, false, false, false]);
  });
});
