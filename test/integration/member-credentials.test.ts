// Member-account access: the real STSClient against a local STS speaking the query protocol.
import { STSClient } from '@aws-sdk/client-sts';
import { memberCredentials, RENEW_BEFORE_MS } from '../../lambda/adapters/member-credentials';
import { accountOfLocalKey, type LocalSts, startLocalSts } from '../../local/sts';

let sts: LocalSts;
let now = Date.UTC(2026, 11, 1);
const DETECTOR_KEY = 'AKIADETECTORLOCAL01';

beforeAll(async () => {
  sts = await startLocalSts({ nowMs: () => now });
  sts.addRole({ account: '222222222222', name: 'trailwatch-reader', trustedKeys: [DETECTOR_KEY] });
  sts.addRole({
    account: '333333333333',
    name: 'trailwatch-reader',
    trustedKeys: [DETECTOR_KEY],
    externalId: 'tw-1',
  });
});
afterAll(() => sts.close());

const client = (key = DETECTOR_KEY) =>
  new STSClient({
    region: 'us-east-1',
    endpoint: sts.endpoint,
    credentials: { accessKeyId: key, secretAccessKey: 'local' },
    maxAttempts: 1,
  });

describe('member credentials', () => {
  it('assumes the member role once, shares it between concurrent callers, and renews it before it expires', async () => {
    const provide = memberCredentials(client(), {
      account: '222222222222',
      roleName: 'trailwatch-reader',
      sessionName: 'trailwatch',
      nowMs: () => now,
    });
    const [a, b] = await Promise.all([provide(), provide()]);
    expect(a).toBe(b);
    expect(accountOfLocalKey(a!.accessKeyId)).toBe('222222222222');
    expect(sts.sessionOf(a!.accessKeyId)).toMatchObject({
      roleName: 'trailwatch-reader',
      sessionName: 'trailwatch',
    });
    const granted = () => sts.calls.filter((c) => c.granted && c.roleArn.includes('222222222222')).length;
    expect(granted()).toBe(1);
    now += 3600_000 - RENEW_BEFORE_MS - 1000;
    expect(await provide()).toBe(a);
    now += 2000;
    const renewed = await provide();
    expect(renewed.accessKeyId).not.toBe(a!.accessKeyId);
    expect(granted()).toBe(2);
  });

  it('is refused by a role that does not trust the caller, or without its external id, naming the role', async () => {
    const stranger = memberCredentials(client('AKIASTRANGERLOCAL01'), {
      account: '222222222222',
      roleName: 'trailwatch-reader',
      sessionName: 'trailwatch',
      nowMs: () => now,
    });
    await expect(stranger()).rejects.toThrow(
      /not authorized.*arn:aws:iam::222222222222:role\/trailwatch-reader/,
    );
    const noExternalId = memberCredentials(client(), {
      account: '333333333333',
      roleName: 'trailwatch-reader',
      sessionName: 'trailwatch',
      nowMs: () => now,
    });
    await expect(noExternalId()).rejects.toMatchObject({ name: 'AccessDenied' });
    const withExternalId = memberCredentials(client(), {
      account: '333333333333',
      roleName: 'trailwatch-reader',
      sessionName: 'trailwatch',
      externalId: 'tw-1',
      nowMs: () => now,
    });
    expect(accountOfLocalKey((await withExternalId()).accessKeyId)).toBe('333333333333');
  });
});
