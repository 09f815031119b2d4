// Member-account access: the real STSClient against a local STS speaking the query protocol.
import {
  CloudTrailClient,
  type CloudTrailClientConfig,
  LookupEventsCommand,
} from '@aws-sdk/client-cloudtrail';
import { STSClient } from '@aws-sdk/client-sts';
import { memberCredentials, RENEW_BEFORE_MS } from '../../lambda/adapters/member-credentials';
import { makeRecord, startLocalCloudTrail } from '../../local/cloudtrail';
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

describe('a member account’s Event history', () => {
  it('is what the member role’s session reads, and nobody else’s', async () => {
    const cloudtrail = await startLocalCloudTrail({ requestsPerSecond: 0 });
    try {
      const at = Date.now() - 60_000;
      cloudtrail.addEvent('eu-west-1', makeRecord({ eventName: 'StopLogging', timeMs: at }), {
        account: '222222222222',
      });
      cloudtrail.addEvent('eu-west-1', makeRecord({ eventName: 'DeleteTrail', timeMs: at }));
      const namesFor = async (credentials: CloudTrailClientConfig['credentials']) => {
        const client = new CloudTrailClient({
          region: 'eu-west-1',
          endpoint: cloudtrail.url,
          credentials,
          maxAttempts: 1,
        });
        const out = await client.send(new LookupEventsCommand({ StartTime: new Date(at - 60_000) }));
        client.destroy();
        return (out.Events ?? []).map((e) => e.EventName);
      };
      const member = memberCredentials(client(), {
        account: '222222222222',
        roleName: 'trailwatch-reader',
        sessionName: 'trailwatch',
        nowMs: () => now,
      });
      expect(await namesFor(member)).toEqual(['StopLogging']);
      expect(await namesFor({ accessKeyId: DETECTOR_KEY, secretAccessKey: 'local' })).toEqual([
        'DeleteTrail',
      ]);
      expect(Object.keys(cloudtrail.stats()).sort()).toEqual(['222222222222/eu-west-1', 'eu-west-1']);
    } finally {
      await cloudtrail.close();
    }
  });
});
