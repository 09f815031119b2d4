// First-seen detections: the pure parts (networks, user-agent families, who is profiled), the
// tracker over an in-memory profile store, and a whole run with overlapping re-reads.

import { Engine } from '../../lambda/core/engine';
import { normalizeRecord } from '../../lambda/core/event';
import {
  agentFamily,
  FirstSeen,
  FirstSeenTracker,
  networkOf,
  PROFILE_LIMITS,
  PROFILE_TOUCH_MS,
} from '../../lambda/core/first-seen';
import { type LookupEventRecord, type ProfileStore, storesOf } from '../../lambda/core/ports';
import { type RunDeps, type RunSettings, runOnce } from '../../lambda/core/run';
import { emptySuppressions } from '../../lambda/core/suppression';
import type { JsonObject, RenderedAlert, TrailEvent } from '../../lambda/core/types';
import { DAY_MS, MINUTE_MS } from '../../lambda/core/window';
import { firstSeen as definition } from '../../lambda/rules/anomalies/first-seen';
import { MIN_WRITES, writeVolume } from '../../lambda/rules/anomalies/write-volume';
import { ManualClock, MemoryEventSource, MemoryStateStore, RecordingSink } from '../support/memory-ports';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const ALICE = 'arn:aws:iam::111122223333:user/alice';
const ALL = new FirstSeen(definition, {
  dimensions: ['network', 'region', 'agent', 'api'],
  learningMs: 7 * DAY_MS,
});

let ids = 0;
function record(overrides: JsonObject = {}, timeMs = T0): JsonObject {
  ids += 1;
  return {
    eventVersion: '1.09',
    eventID: `ev-${ids}`,
    eventTime: new Date(timeMs).toISOString(),
    eventName: 'RunInstances',
    eventSource: 'ec2.amazonaws.com',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64',
    readOnly: false,
    userIdentity: { type: 'IAMUser', arn: ALICE, userName: 'alice', accountId: '111122223333' },
    recipientAccountId: '111122223333',
    ...overrides,
  };
}

function event(overrides: JsonObject = {}, timeMs = T0): TrailEvent {
  const parsed = normalizeRecord(record(overrides, timeMs));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

function observed(e: TrailEvent) {
  const o = ALL.observe(e);
  if (!o) throw new Error(`not observed: ${e.eventName}`);
  return o;
}

describe('networkOf', () => {
  it('keeps the /24 of an IPv4 address and the /48 of an IPv6 one', () => {
    expect(networkOf('198.51.100.7')).toBe('198.51.100.0/24');
    expect(networkOf('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(networkOf('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8:0::/48');
    expect(networkOf('::ffff:192.0.2.1')).toBe('0:0:0::/48');
  });

  it('returns nothing for what is not an address', () => {
    for (const text of [
      'AWS Internal',
      'cloudformation.amazonaws.com',
      '256.1.1.1',
      '1.2.3',
      '1:2:3',
      '1::2::3',
      '',
      '198.51.100.7\n',
      `${'a:'.repeat(40)}1`,
    ]) {
      expect(networkOf(text)).toBe('');
    }
  });
});

describe('agentFamily', () => {
  it('drops versions and platforms, so an upgrade is not a novelty', () => {
    expect(agentFamily('aws-cli/2.15.0 Python/3.11.6 Linux/6.1')).toBe('aws-cli');
    expect(agentFamily('aws-cli/1.29.0 Python/3.8')).toBe('aws-cli');
    expect(agentFamily('Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0')).toBe('boto3');
    expect(agentFamily('Botocore/1.31.0 Python/3.11')).toBe('boto3');
    expect(agentFamily('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15')).toBe('browser');
    expect(agentFamily('[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488]')).toBe('s3console');
  });

  it('names a tool wherever it appears in the string', () => {
    expect(
      agentFamily('APN/1.0 HashiCorp/1.0 Terraform/1.7.0 (+https://www.terraform.io) aws-sdk-go-v2/1.24.0'),
    ).toBe('terraform');
    expect(agentFamily('aws-sdk-go-v2/1.24.0 os/linux')).toBe('aws-sdk-go');
    expect(agentFamily('boto3/1.26 Pacu/1.5')).toBe('pacu');
  });

  it('bounds hostile text to a short token of safe characters', () => {
    expect(agentFamily('')).toBe('');
    expect(agentFamily('\u202e\u0007/evil')).toBe('other');
    expect(agentFamily(`${'x'.repeat(5000)}/1.0`)).toBe('x'.repeat(40));
    expect(agentFamily('<script>alert(1)</script>')).toBe('other');
  });
});

describe('who and what feeds a profile', () => {
  it('takes the network, region, client family and, for a sensitive API, the API', () => {
    const o = observed(event({ eventName: 'CreateAccessKey', eventSource: 'iam.amazonaws.com' }));
    expect(o.principal).toBe(ALICE);
    expect([...o.values.values()]).toEqual([
      'network|198.51.100.0/24',
      'region|eu-west-1',
      'agent|aws-cli',
      'api|CreateAccessKey',
    ]);
  });

  it('ignores reads, failed calls and calls made by AWS services', () => {
    expect(ALL.observe(event({ eventName: 'DescribeInstances', readOnly: true }))).toBeUndefined();
    expect(ALL.observe(event({ errorCode: 'AccessDenied' }))).toBeUndefined();
    expect(
      ALL.observe(
        event({
          userIdentity: { type: 'AssumedRole', arn: ALICE, invokedBy: 'cloudformation.amazonaws.com' },
        }),
      ),
    ).toBeUndefined();
    expect(
      ALL.observe(
        event({
          userIdentity: {
            type: 'AssumedRole',
            arn: 'arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForConfig/x',
            sessionContext: {
              sessionIssuer: {
                type: 'Role',
                arn: 'arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig',
              },
            },
          },
        }),
      ),
    ).toBeUndefined();
  });

  it('watches a sensitive read such as GetSecretValue', () => {
    const o = observed(
      event({ eventName: 'GetSecretValue', eventSource: 'secretsmanager.amazonaws.com', readOnly: true }),
    );
    expect(o.values.get('api')).toBe('api|GetSecretValue');
  });

  it('profiles a role once whatever its session names, and an Identity Center role per person', () => {
    const role = (roleName: string, session: string) =>
      observed(
        event({
          userIdentity: {
            type: 'AssumedRole',
            arn: `arn:aws:sts::111122223333:assumed-role/${roleName}/${session}`,
            sessionContext: {
              sessionIssuer: { type: 'Role', arn: `arn:aws:iam::111122223333:role/${roleName}` },
            },
          },
        }),
      ).principal;
    expect(role('deploy', 'run-1')).toBe(role('deploy', 'run-2'));
    expect(role('deploy', 'run-1')).toBe('arn:aws:iam::111122223333:role/deploy');
    const sso = 'AWSReservedSSO_Admin_0123456789abcdef';
    expect(role(sso, 'alice@example.com')).not.toBe(role(sso, 'bob@example.com'));
    expect(role(sso, 'alice@example.com')).toBe(`arn:aws:iam::111122223333:role/${sso}/alice@example.com`);
  });

  it('decides from the envelope, else from the raw body, whether an event is worth parsing', () => {
    const w = (eventName: string, body: string, readOnly?: boolean) =>
      ALL.watches({ eventName, body, readOnly });
    expect(w('RunInstances', '{"readOnly":false}')).toBe(true);
    expect(w('RunInstances', '{"readOnly":true}', false)).toBe(true);
    expect(w('DescribeInstances', '{"readOnly":true}')).toBe(false);
    expect(w('DescribeInstances', '{"readOnly":false}', true)).toBe(false);
    expect(w('GetSecretValue', '{"readOnly":true}', true)).toBe(true);
    // A parameter of that name inside the request does not make a read a write: the last key counts.
    expect(w('DescribeTasks', '{"requestParameters":{"readOnly":false},"readOnly":true}')).toBe(false);
    const off = new FirstSeen(definition, { dimensions: [], learningMs: 0 });
    expect(off.watches({ eventName: 'RunInstances', body: '{"readOnly":false}' })).toBe(false);
    expect(off.observe(event())).toBeUndefined();
  });

  it('refuses a negative learning period', () => {
    expect(() => new FirstSeen(definition, { dimensions: ['network'], learningMs: -1 })).toThrow(
      /learning period/,
    );
  });
});

/** An in-memory profile store that counts writes and can be made to fail. */
function memoryStore() {
  const state = new MemoryStateStore();
  let failNext = false;
  const store: {
    -readonly [K in keyof ProfileStore]: ProfileStore[K];
  } & { failNextWrite(): void; readonly state: MemoryStateStore } = {
    state,
    getProfile: (key) => state.getProfile(key),
    addToProfile: async (key, firstSeenMs, values, nowMs) => {
      if (failNext) {
        failNext = false;
        throw new Error('ProvisionedThroughputExceededException: slow down');
      }
      return state.addToProfile(key, firstSeenMs, values, nowMs);
    },
    getWriteVolume: (p, b) => state.getWriteVolume(p, b),
    addWrites: (known, hashes, nowMs) => state.addWrites(known, hashes, nowMs),
    markVolumeCrossed: (v, id) => state.markVolumeCrossed(v, id),
    writeVolumeHistory: (p, from, to) => state.writeVolumeHistory(p, from, to),
    failNextWrite: () => {
      failNext = true;
    },
  };
  return store;
}

describe('judging against a profile', () => {
  const DAY = DAY_MS;

  /** A week of ordinary work from one network, region and client: the learning period. */
  async function learned(store: ProfileStore) {
    const tracker = new FirstSeenTracker(store, ALL);
    const week = Array.from({ length: 8 }, (_, d) => observed(event({}, T0 + d * DAY)));
    expect(await tracker.judge(week, T0 + 8 * DAY)).toEqual([]);
  }

  it('learns silently for the learning period, then reports a new network once', async () => {
    const store = memoryStore();
    // Novel values during learning: not findings.
    const tracker = new FirstSeenTracker(store, ALL);
    expect(await tracker.judge([observed(event({ sourceIPAddress: '203.0.113.9' }, T0))], T0)).toEqual([]);
    await learned(store);

    const later = new FirstSeenTracker(store, ALL);
    const fromNew = observed(event({ sourceIPAddress: '192.0.2.44' }, T0 + 9 * DAY));
    const sameNetworkLater = observed(event({ sourceIPAddress: '192.0.2.45' }, T0 + 9 * DAY + 1000));
    const known = observed(event({ sourceIPAddress: '198.51.100.99' }, T0 + 9 * DAY));
    const findings = await later.judge([sameNetworkLater, known, fromNew], T0 + 9 * DAY);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f!.event.eventId).toBe(fromNew.event.eventId);
    expect(f!.severity).toBe('medium');
    expect(f!.ruleId).toBe('anomaly.first-seen');
    expect(f!.summary).toBe(
      `${ALICE} made RunInstances from a new network 192.0.2.0/24 (2 known before); its profile has 9 days of history.`,
    );
  });

  it('gives the same finding when the event is read again, and writes nothing more', async () => {
    const store = memoryStore();
    await learned(store);
    const o = observed(event({ sourceIPAddress: '192.0.2.44' }, T0 + 9 * DAY));
    const first = await new FirstSeenTracker(store, ALL).judge([o], T0 + 9 * DAY);
    const writes = store.state.profileWrites;
    const again = await new FirstSeenTracker(store, ALL).judge([o], T0 + 9 * DAY + MINUTE_MS);
    expect(again.map((f) => [f.event.eventId, f.dedupKey, f.summary])).toEqual(
      first.map((f) => [f.event.eventId, f.dedupKey, f.summary]),
    );
    expect(store.state.profileWrites).toBe(writes);
  });

  it('pages (high) when one event is new in two ways, and rates a new client alone low', async () => {
    const store = memoryStore();
    await learned(store);
    const tracker = new FirstSeenTracker(store, ALL);
    const stolen = observed(
      event(
        {
          eventName: 'CreateAccessKey',
          eventSource: 'iam.amazonaws.com',
          sourceIPAddress: '192.0.2.44',
          userAgent: 'Boto3/1.34 Pacu/1.5',
        },
        T0 + 10 * DAY,
      ),
    );
    const newClient = observed(event({ userAgent: 'Boto3/1.34.0 Python/3.12' }, T0 + 10 * DAY + 1000));
    const [a, b] = await tracker.judge([stolen, newClient], T0 + 10 * DAY);
    expect(a!.severity).toBe('high');
    expect(a!.summary).toContain('from a new network 192.0.2.0/24');
    expect(a!.summary).toContain('with a new user-agent family "pacu"');
    expect(a!.summary).toContain('for the first time');
    expect(a!.dedupKey).toBe(`anomaly.first-seen|${ALICE}|network+agent+api`);
    expect(b!.severity).toBe('low');
  });

  it('writes a profile only when a value is new, or once a day to renew it', async () => {
    const store = memoryStore();
    await learned(store);
    const before = store.state.profileWrites;
    const tracker = new FirstSeenTracker(store, ALL);
    // learned() wrote the profile at T0 + 8 days.
    const soon = T0 + 8 * DAY + 3_600_000;
    for (let i = 0; i < 100; i++) await tracker.judge([observed(event({}, soon + i * 1000))], soon);
    expect(store.state.profileWrites).toBe(before);
    const due = T0 + 8 * DAY + PROFILE_TOUCH_MS;
    await new FirstSeenTracker(store, ALL).judge([observed(event({}, due))], due);
    expect(store.state.profileWrites).toBe(before + 1);
  });

  it('stops learning and judging a dimension that is full', async () => {
    const store = memoryStore();
    const tracker = new FirstSeenTracker(store, ALL);
    const many = Array.from({ length: PROFILE_LIMITS.network + 5 }, (_, i) =>
      observed(event({ sourceIPAddress: `10.0.${i}.1` }, T0 + i * 1000)),
    );
    await tracker.judge(many, T0);
    const profile = await store.getProfile(ALICE);
    const networks = [...profile!.values.keys()].filter((k) => k.startsWith('network|'));
    expect(networks).toHaveLength(PROFILE_LIMITS.network);
    const later = observed(event({ sourceIPAddress: '192.0.2.1' }, T0 + 30 * DAY));
    expect(await new FirstSeenTracker(store, ALL).judge([later], T0 + 30 * DAY)).toEqual([]);
  });

  it('keeps one profile when two regions judge the same principal at once', async () => {
    const store = memoryStore();
    await learned(store);
    const tracker = new FirstSeenTracker(store, ALL);
    const t = T0 + 9 * DAY;
    const [east, west] = await Promise.all([
      tracker.judge([observed(event({ awsRegion: 'us-east-1', sourceIPAddress: '192.0.2.1' }, t))], t),
      tracker.judge([observed(event({ awsRegion: 'ap-south-1', sourceIPAddress: '192.0.2.2' }, t + 1))], t),
    ]);
    // The first to write introduced the network; both regions are new.
    expect(east!.map((f) => f.severity)).toEqual(['high']);
    expect(west!.map((f) => f.summary)).toEqual([expect.stringContaining('ap-south-1')]);
    const profile = await store.getProfile(ALICE);
    expect([...profile!.values.keys()].filter((k) => k.startsWith('region|')).sort()).toEqual([
      'region|ap-south-1',
      'region|eu-west-1',
      'region|us-east-1',
    ]);
  });

  it('throws when the store fails, and the next page reads the profile afresh', async () => {
    const store = memoryStore();
    await learned(store);
    const tracker = new FirstSeenTracker(store, ALL);
    const o = observed(event({ sourceIPAddress: '192.0.2.44' }, T0 + 9 * DAY));
    store.failNextWrite();
    await expect(tracker.judge([o], T0 + 9 * DAY)).rejects.toThrow(/ProvisionedThroughput/);
    const retried = await tracker.judge([o], T0 + 9 * DAY);
    expect(retried.map((f) => f.event.eventId)).toEqual([o.event.eventId]);
  });

  it('shows hostile principals and values only sanitised and bounded', async () => {
    const store = memoryStore();
    const evil = `arn:aws:iam::111122223333:user/x\u202e\n${'y'.repeat(600)}`;
    const mk = (timeMs: number, ua: string) =>
      observed(event({ userIdentity: { type: 'IAMUser', arn: evil, userName: 'x' }, userAgent: ua }, timeMs));
    const tracker = new FirstSeenTracker(store, ALL);
    await tracker.judge([mk(T0, 'aws-cli/2')], T0);
    const [f] = await tracker.judge([mk(T0 + 8 * DAY, '\u0007evil\u202e/1')], T0 + 8 * DAY);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting that none reach the summary.
    expect(f!.summary).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(f!.summary.length).toBeLessThan(400);
    expect(f!.summary).toContain('"other"');
  });
});

describe('first-seen in a scheduled run', () => {
  const REGION = 'eu-west-1';
  const NOW = T0 + 10 * DAY_MS;

  function lookup(body: JsonObject): LookupEventRecord {
    return {
      eventId: String(body.eventID),
      eventName: String(body.eventName),
      eventTimeMs: Date.parse(String(body.eventTime)),
      body: JSON.stringify(body),
    };
  }

  function setup(minSeverity: RunSettings['minSeverity']) {
    const source = new MemoryEventSource();
    const state = new MemoryStateStore();
    const sink = new RecordingSink();
    const render = (f: { summary: string; severity: string; event: TrailEvent }): RenderedAlert => ({
      subject: f.severity,
      message: JSON.stringify({ default: `${f.summary} ${f.event.eventId}` }),
      attributes: {},
    });
    const deps: RunDeps = {
      source,
      state: storesOf(state),
      sink,
      clock: new ManualClock(NOW),
      scorers: { engine: new Engine([]), firstSeen: ALL },
      render,
      renderDigest: (findings) => render(findings[0]!),
      suppressions: emptySuppressions(),
    };
    const settings: RunSettings = {
      regions: [REGION],
      overlapMs: 60 * MINUTE_MS,
      initialLookbackMs: 60 * MINUTE_MS,
      sliceMs: 60 * MINUTE_MS,
      minSeverity,
      maxPagesPerRun: 100,
      alertRetentionMs: 14 * DAY_MS,
      maxOutboxPerRun: 100,
      repeatWindowMs: 0,
      maxAlertsPerRun: 10,
      schedulePeriodMs: 5 * MINUTE_MS,
      lateAlertMs: 30 * MINUTE_MS,
    };
    const run = (windowEndMs: number) =>
      runOnce(deps, settings, { runId: `run-${windowEndMs}`, windowEndMs, deadlineMs: NOW + 60_000 });
    return { source, state, sink, run };
  }

  it('alerts once on stolen-looking use, across overlapping runs, and leaves reads unparsed', async () => {
    const { source, state, sink, run } = setup('high');
    await state.addToProfile(
      ALICE,
      T0,
      new Map([
        ['network|198.51.100.0/24', { eventId: 'old-1', timeMs: T0 }],
        ['region|eu-west-1', { eventId: 'old-1', timeMs: T0 }],
        ['agent|aws-cli', { eventId: 'old-1', timeMs: T0 }],
      ]),
      NOW,
    );
    const stolen = record(
      { sourceIPAddress: '203.0.113.50', userAgent: 'TruffleHog', eventName: 'CreateUser' },
      NOW - 20 * MINUTE_MS,
    );
    source.add(
      REGION,
      lookup(stolen),
      lookup(record({ eventName: 'DescribeInstances', readOnly: true }, NOW - 15 * MINUTE_MS)),
      lookup(record({}, NOW - 10 * MINUTE_MS)),
    );
    const first = await run(NOW);
    expect(first.status).toBe('completed');
    expect(first.totals.unwatchedEvents).toBe(1);
    expect(sink.published).toHaveLength(1);
    expect(sink.published[0]!.message).toContain(String(stolen.eventID));
    expect(first.findings).toEqual([
      expect.objectContaining({ ruleId: 'anomaly.first-seen', severity: 'high', alerted: true }),
    ]);
    // The next run re-reads the overlap: the same finding, already sent.
    const second = await run(NOW + 5 * MINUTE_MS);
    expect(second.findings).toHaveLength(1);
    expect(second.regions[0]!.alertsAlreadySent).toBe(1);
    expect(sink.published).toHaveLength(1);
  });
});

describe('write volume against the principal\u2019s own baseline', () => {
  const HOUR = 3_600_000;
  const VOLUME = new FirstSeen(definition, { dimensions: ['volume'], learningMs: 7 * DAY_MS }, writeVolume);
  /** Hour 9 days after T0: past alice's 7-day learning period. */
  const H = T0 + 9 * DAY_MS;

  function writes(count: number, startMs: number, prefix: string) {
    return Array.from({ length: count }, (_, i) => {
      const o = VOLUME.observe(event({ eventID: `${prefix}-${i}` }, startMs + i * 1000));
      if (!o) throw new Error('a write was not observed');
      return o;
    });
  }

  /** alice first seen at T0, with `perHour` writes in each of the 24 hours of day 8. */
  async function withHistory(perHour: number) {
    const store = memoryStore();
    const tracker = new FirstSeenTracker(store, VOLUME);
    await tracker.judge(writes(1, T0, 'first'), T0);
    for (let h = 0; h < 24; h++) {
      const at = T0 + 8 * DAY_MS + h * HOUR;
      expect(await tracker.judge(writes(perHour, at, `d8h${h}`), at)).toEqual([]);
    }
    return store;
  }

  it('sets the threshold from the second-busiest hour of the week before, with a floor', () => {
    expect(writeVolume.thresholdOf([])).toBe(MIN_WRITES);
    expect(writeVolume.thresholdOf([30, 10])).toBe(MIN_WRITES);
    expect(writeVolume.thresholdOf([2_000, 300, 50])).toBe(5 * 300);
    expect(writeVolume.thresholdOf([9_000, 3_000])).toBe(0);
  });

  it('reports once, on the event that brought the hour to its threshold, however often it is re-read', async () => {
    const store = await withHistory(30);
    const burst = writes(160, H, 'burst');
    const first = await new FirstSeenTracker(store, VOLUME).judge(burst.slice(0, 60), H);
    expect(first).toEqual([]);
    const tracker = new FirstSeenTracker(store, VOLUME);
    const second = await tracker.judge(burst.slice(60), H);
    expect(second).toHaveLength(1);
    const [f] = second;
    expect(f!.ruleId).toBe('anomaly.write-volume');
    expect(f!.severity).toBe('medium');
    expect(f!.summary).toBe(
      `${ALICE} reached 150 successful write calls in the hour from ${new Date(H).toISOString().slice(0, 13)}:00 UTC, ` +
        'the threshold set for that hour from its own previous week.',
    );
    // The second page's newest event carries it; the hour stopped counting at its threshold.
    expect(f!.event.eventId).toBe('burst-159');
    const hour = await store.state.getWriteVolume(ALICE, H);
    expect([hour!.count, hour!.threshold, hour!.crossedBy]).toEqual([150, 150, 'burst-159']);

    const writesBefore = store.state.volumeWrites;
    const again = await new FirstSeenTracker(store, VOLUME).judge(burst, H + 10 * 60_000);
    expect(again.map((x) => x.event.eventId)).toEqual(['burst-159']);
    expect(store.state.volumeWrites).toBe(writesBefore);
  });

  it('counts during the learning period for tomorrow\u2019s baseline, and judges nothing', async () => {
    const store = memoryStore();
    const tracker = new FirstSeenTracker(store, VOLUME);
    const day2 = T0 + 2 * DAY_MS;
    await tracker.judge(writes(1, T0, 'first'), T0);
    expect(await tracker.judge(writes(500, day2, 'early'), day2)).toEqual([]);
    const hour = await store.state.getWriteVolume(ALICE, day2);
    expect([hour!.count, hour!.threshold]).toEqual([500, 0]);
    expect(await store.state.writeVolumeHistory(ALICE, T0, T0 + 3 * DAY_MS)).toEqual([1, 500]);
  });

  it('leaves an hour below its threshold alone, and a read is never counted', async () => {
    const store = await withHistory(30);
    const reads = Array.from({ length: 200 }, (_, i) =>
      VOLUME.observe(
        event(
          {
            eventID: `r-${i}`,
            eventName: 'GetSecretValue',
            eventSource: 'secretsmanager.amazonaws.com',
            readOnly: true,
          },
          H + i,
        ),
      ),
    );
    expect(reads.every((o) => o === undefined)).toBe(true);
    expect(await new FirstSeenTracker(store, VOLUME).judge(writes(149, H, 'busy'), H)).toEqual([]);
  });

  it('marks the crossing once even when the first attempt fails after counting', async () => {
    const store = await withHistory(10);
    const burst = writes(120, H, 'burst');
    const mark = store.markVolumeCrossed;
    let failures = 1;
    store.markVolumeCrossed = async (v, id) => {
      if (failures-- > 0) throw new Error('InternalServerError');
      return mark(v, id);
    };
    await expect(new FirstSeenTracker(store, VOLUME).judge(burst, H)).rejects.toThrow(/InternalServerError/);
    const retried = await new FirstSeenTracker(store, VOLUME).judge(burst, H);
    expect(retried.map((f) => f.event.eventId)).toEqual(['burst-119']);
  });
});
