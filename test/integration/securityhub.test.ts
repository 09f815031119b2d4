// BatchImportFindings through the real SecurityHubClient against a local server speaking Security
// Hub's REST-JSON protocol: imports, updates by Id, per-finding failures, the 100-finding limit,
// and injected faults retried by the SDK.
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  InternalException,
  InvalidInputException,
  LimitExceededException,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { type LocalSecurityHub, startLocalSecurityHub } from '../../local/securityhub';

const ACCOUNT = '123456789012';
const PRODUCT_ARN = `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`;

let hub: LocalSecurityHub;
let client: SecurityHubClient;

function finding(id: string, overrides: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding {
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: PRODUCT_ARN,
    GeneratorId: 'trailwatch/root-login',
    AwsAccountId: ACCOUNT,
    Types: ['Unusual Behaviors/User'],
    CreatedAt: '2026-01-01T00:00:00.000Z',
    UpdatedAt: '2026-01-01T00:00:00.000Z',
    Severity: { Label: 'HIGH' },
    Title: `Root login ${id}`,
    Description: 'The root user signed in to the console.',
    Resources: [{ Type: 'AwsAccount', Id: `AWS::::Account:${ACCOUNT}` }],
    ...overrides,
  };
}

const send = (findings: AwsSecurityFinding[]) =>
  client.send(new BatchImportFindingsCommand({ Findings: findings }));

beforeAll(async () => {
  hub = await startLocalSecurityHub({ accountId: ACCOUNT, now: () => new Date('2026-01-02T00:00:00Z') });
  client = new SecurityHubClient({
    region: 'us-east-1',
    endpoint: hub.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
});
beforeEach(() => hub.reset());
afterAll(async () => {
  client.destroy();
  await hub.close();
});

describe('BatchImportFindings', () => {
  it('imports valid findings', async () => {
    const out = await send([finding('f-1'), finding('f-2')]);
    expect(out).toMatchObject({ SuccessCount: 2, FailedCount: 0, FailedFindings: [] });
    expect([...hub.findings().keys()].sort()).toEqual(['f-1', 'f-2']);
    expect(hub.findings().get('f-1')).toMatchObject({ Title: 'Root login f-1', Severity: { Label: 'HIGH' } });
    expect(hub.imports.map((i) => i.kind)).toEqual(['created', 'created']);
    expect(hub.calls).toEqual(['BatchImportFindings']);
  });

  it('updates a re-imported Id instead of duplicating it, and ignores a stale update', async () => {
    await send([finding('f-1')]);
    const later = '2026-01-01T01:00:00.000Z';
    const out = await send([finding('f-1', { UpdatedAt: later, Title: 'Root login, again' })]);
    expect(out).toMatchObject({ SuccessCount: 1, FailedCount: 0 });
    expect(hub.findings().size).toBe(1);
    expect(hub.findings().get('f-1')).toMatchObject({ Title: 'Root login, again', UpdatedAt: later });
    expect(hub.imports.map((i) => [i.id, i.kind])).toEqual([
      ['f-1', 'created'],
      ['f-1', 'updated'],
    ]);

    // Same UpdatedAt as stored: ignored, per the user guide.
    await send([finding('f-1', { UpdatedAt: later, Title: 'stale' })]);
    expect(hub.findings().get('f-1')?.Title).toBe('Root login, again');
    expect(hub.imports).toHaveLength(2);
    expect(hub.ignored).toHaveLength(1);
  });

  it('puts invalid findings in FailedFindings and still imports the others', async () => {
    const noResources = finding('bad-resources', { Resources: [] });
    const badSchema = finding('bad-schema', { SchemaVersion: '2020-01-01' });
    const { Title: _title, ...noTitle } = finding('no-title');
    const otherAccount = finding('other-account', { AwsAccountId: '210987654321' });
    const wrongProduct = finding('wrong-product', {
      ProductArn: `arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default`,
    });
    const huge = finding('huge', { Description: 'x'.repeat(250 * 1024) });
    const out = await send([
      finding('good-1'),
      noResources,
      badSchema,
      noTitle as AwsSecurityFinding,
      otherAccount,
      wrongProduct,
      huge,
      finding('good-2'),
    ]);
    expect(out.SuccessCount).toBe(2);
    expect(out.FailedCount).toBe(6);
    expect(out.FailedFindings?.map((f) => f.Id)).toEqual([
      'bad-resources',
      'bad-schema',
      'no-title',
      'other-account',
      'wrong-product',
      'huge',
    ]);
    for (const failure of out.FailedFindings ?? []) {
      expect(failure.ErrorCode).toMatch(/\S/);
      expect(failure.ErrorMessage).toMatch(/\S/);
    }
    expect(out.FailedFindings?.[0]?.ErrorMessage).toContain('Resources');
    expect([...hub.findings().keys()].sort()).toEqual(['good-1', 'good-2']);
  });

  it('accepts 100 findings in a call and rejects 101 (and none) as a whole', async () => {
    const batch = Array.from({ length: 100 }, (_, i) => finding(`f-${i}`));
    expect(await send(batch)).toMatchObject({ SuccessCount: 100, FailedCount: 0 });
    expect(hub.findings().size).toBe(100);

    hub.reset();
    const tooMany = send([...batch, finding('f-100')]);
    await expect(tooMany).rejects.toBeInstanceOf(InvalidInputException);
    await expect(send([])).rejects.toBeInstanceOf(InvalidInputException);
    expect(hub.findings().size).toBe(0);
    // A client error is not retried.
    expect(hub.calls).toHaveLength(2);
  });

  it('rides out injected server errors and throttling with the SDK’s retries', async () => {
    hub.failNext(2, 500, 'InternalException');
    expect(await send([finding('f-1')])).toMatchObject({ SuccessCount: 1 });
    expect(hub.calls).toHaveLength(3);

    hub.reset();
    hub.failNext(2, 429, 'LimitExceededException');
    expect(await send([finding('f-2')])).toMatchObject({ SuccessCount: 1 });
    expect(hub.calls).toHaveLength(3);
    expect([...hub.findings().keys()]).toEqual(['f-2']);
  });

  it('surfaces the error when retries run out', async () => {
    hub.failNext(3, 500, 'InternalException');
    await expect(send([finding('f-1')])).rejects.toBeInstanceOf(InternalException);
    expect(hub.calls).toHaveLength(3);

    hub.reset();
    hub.failNext(3, 429, 'LimitExceededException');
    const error = await send([finding('f-1')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitExceededException);
    expect((error as LimitExceededException).$metadata.attempts).toBe(3);
    expect(hub.findings().size).toBe(0);
  });
});
