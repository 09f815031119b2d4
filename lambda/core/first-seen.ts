// First-seen detections: a principal doing something it has not done before, once it has a history.
//
// Each principal (an IAM user, a role whatever its session names, an Identity Center user, root)
// has a profile in the state table: the networks it called from (IPv4 /24, IPv6 /48), the regions
// it called in, the user-agent families it used and the sensitive APIs it called. Each value keeps
// the event that introduced it. An event whose values are new to the profile after its learning
// period is a finding, and the same finding on every re-read: the value names that event, so a
// re-read recognises itself (its alert is then already recorded) and no other event can claim it.
//
// What feeds a profile: successful write calls (envelope `readOnly: false`) and the listed
// sensitive APIs, made by the principal itself (no AWS service on its behalf). Reads are left
// unparsed, as elsewhere: they are most of a trail and most of its noise. Failed calls teach
// nothing (the access-denied threshold rules watch those).
//
// Pure: the mechanics here, the detection's metadata and policy in lambda/rules/anomalies, the
// profile in the StateStore. Each run builds its own FirstSeenTracker, which reads a profile once
// and writes it only when a value is new (or once a day, to renew its expiry).

import { rawReadOnly } from './event';
import { networkOf } from './net';
import type { LookupEventRecord, PrincipalProfile, ProfileStore, ProfileValue, WriteVolume } from './ports';
import type { RuleMetadata } from './rule';
import { sanitize } from './sanitize';
import { REGION_CODE } from './settings';
import type { Finding, Severity, TrailEvent } from './types';
import { HOUR_MS, judgeHour, type WriteVolumeDefinition } from './volume';

/** What a profile holds: one set of values each. */
export const PROFILE_DIMENSIONS = ['network', 'region', 'agent', 'api'] as const;
export type ProfileDimension = (typeof PROFILE_DIMENSIONS)[number];
/** The checks that can be turned on: the profile's dimensions, and write volume (core/volume.ts). */
export const FIRST_SEEN_DIMENSIONS = [...PROFILE_DIMENSIONS, 'volume'] as const;
export type FirstSeenDimension = (typeof FIRST_SEEN_DIMENSIONS)[number];

export function isFirstSeenDimension(value: unknown): value is FirstSeenDimension {
  return typeof value === 'string' && (FIRST_SEEN_DIMENSIONS as readonly string[]).includes(value);
}

/** Values kept per dimension and principal. Past it, the dimension stops learning and judging. */
export const PROFILE_LIMITS: Readonly<Record<ProfileDimension, number>> = Object.freeze({
  network: 64,
  region: 40,
  agent: 24,
  api: 80,
});

/** A profile not written for this long expires (DynamoDB TTL): its principal learns afresh. */
export const PROFILE_RETENTION_MS = 90 * 24 * 3_600_000;

/** A profile is written at least this often while its principal is active, renewing its expiry. */
export const PROFILE_TOUCH_MS = 24 * 3_600_000;

/** The detection as the catalogue declares it: metadata, the sensitive APIs and who is profiled. */
export interface FirstSeenDefinition extends RuleMetadata {
  /** The sensitive APIs (also its `eventNames`): their first successful call is a novelty. */
  readonly sensitiveApis: readonly string[];
  /** The profile an event belongs to; '' = not profiled (AWS services, service-linked roles). */
  readonly principalOf: (event: TrailEvent) => string;
  /** Severity from the new dimensions of one event. */
  readonly severity: (dimensions: readonly ProfileDimension[]) => Severity;
}

export interface FirstSeenSettings {
  readonly dimensions: readonly FirstSeenDimension[];
  /** How long after a principal's first observation its novelties start to count. */
  readonly learningMs: number;
}

/** One event's values, ready to be judged against its principal's profile. */
export interface Observation {
  readonly principal: string;
  readonly event: TrailEvent;
  /** `<dimension>|<value>` keys, at most one per dimension. */
  readonly values: ReadonlyMap<ProfileDimension, string>;
  /** A successful write call: counted for write volume. */
  readonly write: boolean;
}

/** Principal keys are attacker-influenced text: bounded well below DynamoDB's 2 KB key limit. */
const MAX_PRINCIPAL_CHARS = 512;
const MAX_VALUE_CHARS = 64;

export class FirstSeen {
  readonly dimensions: ReadonlySet<FirstSeenDimension>;
  private readonly sensitive: ReadonlySet<string>;

  /** The write-volume check, when turned on. */
  readonly volume: WriteVolumeDefinition | undefined;

  constructor(
    readonly definition: FirstSeenDefinition,
    readonly settings: FirstSeenSettings,
    volume?: WriteVolumeDefinition,
  ) {
    this.dimensions = new Set(settings.dimensions);
    this.volume = this.dimensions.has('volume') ? volume : undefined;
    if (this.dimensions.has('volume') && volume === undefined) {
      throw new Error('the write-volume check is turned on but no definition of it was given');
    }
    this.sensitive = new Set(definition.sensitiveApis);
    if (!Number.isFinite(settings.learningMs) || settings.learningMs < 0) {
      throw new Error(
        `first-seen learning period must be a non-negative duration, got ${settings.learningMs}`,
      );
    }
  }

  get enabled(): boolean {
    return this.dimensions.size > 0;
  }

  /**
   * Whether an event could feed a profile: a write (by the envelope's `ReadOnly`, else by the raw
   * body), or a sensitive API. False lets the event stay unparsed.
   */
  watches(record: Pick<LookupEventRecord, 'eventName' | 'body' | 'readOnly'>): boolean {
    if (!this.enabled) return false;
    const { eventName, body } = record;
    if (typeof body !== 'string') return true;
    if (eventName !== undefined && this.sensitive.has(eventName)) return true;
    return (record.readOnly ?? rawReadOnly(body)) === false;
  }

  /** The event's values, or undefined when it does not feed a profile. */
  observe(event: TrailEvent): Observation | undefined {
    if (!this.enabled || event.errorCode !== '' || event.eventId === '') return undefined;
    if (!Number.isFinite(event.eventTimeMs)) return undefined;
    const sensitive = this.sensitive.has(event.eventName);
    if (event.readOnly !== false && !sensitive) return undefined;
    const principal = sanitize(this.definition.principalOf(event), MAX_PRINCIPAL_CHARS);
    if (principal === '') return undefined;
    const values = new Map<ProfileDimension, string>();
    const add = (dimension: ProfileDimension, value: string) => {
      if (value !== '' && this.dimensions.has(dimension)) values.set(dimension, `${dimension}|${value}`);
    };
    add('network', networkOf(event.sourceIPAddress));
    add('region', REGION_CODE.test(event.awsRegion) ? event.awsRegion : '');
    add('agent', agentFamily(event.userAgent));
    if (sensitive) add('api', sanitize(event.eventName, MAX_VALUE_CHARS));
    const write = event.readOnly === false && this.volume !== undefined;
    return values.size === 0 && !write ? undefined : { principal, event, values, write };
  }
}

/** Tools named anywhere in a user agent: they decide the family even when an SDK token comes first. */
const NAMED_TOOLS = [
  'terraform',
  'pulumi',
  'aws-cdk',
  'cloudformation',
  'ansible',
  'pacu',
  'trufflehog',
  'scoutsuite',
  'cloudfox',
  'prowler',
  'steampipe',
  'cloudquery',
  'weirdaal',
] as const;

/** SDK tokens that belong to one family. */
const ALIASES: Readonly<Record<string, string>> = { botocore: 'boto3', 'aws-sdk-go-v2': 'aws-sdk-go' };

/**
 * A user agent's family: a tool named in it, else its first product token, lower case, letters,
 * digits and `.-_` only (`aws-cli/2.15.0 Python/3.11 ...` -> `aws-cli`; `Mozilla/5.0 ...` ->
 * `browser`). Versions and platforms are dropped: an upgrade is not a novelty.
 */
export function agentFamily(userAgent: string): string {
  if (userAgent === '') return '';
  const text = userAgent.slice(0, 512).toLowerCase();
  for (const tool of NAMED_TOOLS) if (text.includes(tool)) return tool;
  if (text.startsWith('mozilla/')) return 'browser';
  const token = /^[\s[]*([a-z0-9._-]+)/.exec(text)?.[1] ?? '';
  const family = token.slice(0, 40);
  return ALIASES[family] ?? (family || 'other');
}

/**
 * One run's view of the profiles: each read once, written only when a value is new or the
 * profile's expiry is due. Calls for the same principal run one after another, so two regions
 * of a run never race on a profile.
 */
export class FirstSeenTracker {
  private readonly profiles = new Map<string, Promise<PrincipalProfile | undefined>>();
  /** Hours of write volume read or written in this run, by `<bucketStartMs>@<principal>`. */
  private readonly volumes = new Map<string, WriteVolume>();

  constructor(
    private readonly store: ProfileStore,
    private readonly firstSeen: FirstSeen,
  ) {}

  /** Findings for the observations (one page's, any order). Throws if the state table fails. */
  async judge(observations: readonly Observation[], nowMs: number): Promise<Finding[]> {
    const byPrincipal = new Map<string, Observation[]>();
    for (const o of observations) {
      const list = byPrincipal.get(o.principal);
      if (list) list.push(o);
      else byPrincipal.set(o.principal, [o]);
    }
    const results = await Promise.all(
      [...byPrincipal].map(([principal, list]) => this.judgePrincipal(principal, list, nowMs)),
    );
    return results.flat();
  }

  private judgePrincipal(principal: string, observations: Observation[], nowMs: number): Promise<Finding[]> {
    const before = this.profiles.get(principal) ?? this.store.getProfile(principal);
    const work = before.then(async (known) => {
      const profile = await this.learn(principal, known, observations, nowMs);
      const findings = this.verdicts(profile, observations);
      findings.push(...(await this.volumeVerdicts(principal, profile, observations, nowMs)));
      return { profile, findings };
    });
    // Later calls for this principal wait for this one's writes. A failure is not kept: the next
    // call reads the profile afresh (and the rejection is handled here, so it never goes unheard).
    const profile = work.then((done) => done.profile);
    this.profiles.set(principal, profile);
    profile.catch(() => {
      if (this.profiles.get(principal) === profile) this.profiles.delete(principal);
    });
    return work.then((done) => done.findings);
  }

  /** Counts the write calls into their hours; a finding for an hour that crossed on one of them. */
  private async volumeVerdicts(
    principal: string,
    profile: PrincipalProfile | undefined,
    observations: readonly Observation[],
    nowMs: number,
  ): Promise<Finding[]> {
    const definition = this.firstSeen.volume;
    if (definition === undefined || profile === undefined) return [];
    const byHour = new Map<number, TrailEvent[]>();
    for (const o of observations) {
      if (!o.write) continue;
      const hour = Math.floor(o.event.eventTimeMs / HOUR_MS) * HOUR_MS;
      const list = byHour.get(hour);
      if (list) list.push(o.event);
      else byHour.set(hour, [o.event]);
    }
    const learnedAtMs = profile.firstSeenMs + this.firstSeen.settings.learningMs;
    const findings: Finding[] = [];
    for (const [bucketStartMs, events] of byHour) {
      const id = `${bucketStartMs}@${principal}`;
      const { volume, finding } = await judgeHour(
        this.store,
        definition,
        { principal, bucketStartMs, events },
        learnedAtMs,
        nowMs,
        this.volumes.get(id),
      );
      this.volumes.set(id, volume);
      if (finding) findings.push(finding);
    }
    return findings;
  }

  private async learn(
    principal: string,
    profile: PrincipalProfile | undefined,
    observations: readonly Observation[],
    nowMs: number,
  ): Promise<PrincipalProfile | undefined> {
    const oldestFirst = [...observations].sort((a, b) => a.event.eventTimeMs - b.event.eventTimeMs);
    const held = countByDimension(profile);
    const added = new Map<string, ProfileValue>();
    for (const o of oldestFirst) {
      for (const [dimension, key] of o.values) {
        if (profile?.values.has(key) || added.has(key)) continue;
        if (held[dimension] >= PROFILE_LIMITS[dimension]) continue;
        held[dimension] += 1;
        added.set(key, { eventId: o.event.eventId, timeMs: o.event.eventTimeMs });
      }
    }
    // A new principal gets its profile even with no value to learn: its learning period starts.
    const renewDue = profile === undefined || nowMs - profile.touchedMs >= PROFILE_TOUCH_MS;
    if (added.size === 0 && !renewDue) return profile;
    const firstSeenMs = profile?.firstSeenMs ?? oldestFirst[0]!.event.eventTimeMs;
    return this.store.addToProfile(principal, firstSeenMs, added, nowMs);
  }

  private verdicts(profile: PrincipalProfile | undefined, observations: readonly Observation[]): Finding[] {
    if (profile === undefined) return [];
    const learnedAtMs = profile.firstSeenMs + this.firstSeen.settings.learningMs;
    const findings: Finding[] = [];
    for (const o of observations) {
      const fresh: Array<[ProfileDimension, string]> = [];
      for (const [dimension, key] of o.values) {
        const value = profile.values.get(key);
        if (value?.eventId === o.event.eventId && value.timeMs >= learnedAtMs) {
          fresh.push([dimension, key.slice(dimension.length + 1)]);
        }
      }
      if (fresh.length > 0) findings.push(this.finding(o, fresh, profile));
    }
    return findings;
  }

  private finding(
    o: Observation,
    fresh: ReadonlyArray<[ProfileDimension, string]>,
    profile: PrincipalProfile,
  ): Finding {
    const { definition } = this.firstSeen;
    const e = o.event;
    const dimensions = fresh.map(([d]) => d);
    const parts = fresh.map(([d, value]) =>
      describeNovelty(d, sanitize(value, MAX_VALUE_CHARS), knownBefore(profile, d, e.eventTimeMs)),
    );
    const days = Math.floor((e.eventTimeMs - profile.firstSeenMs) / 86_400_000);
    const who = sanitize(o.principal, 200);
    const call = sanitize(e.eventName, 64) || 'a call';
    return {
      ruleId: definition.id,
      title: definition.title,
      severity: definition.severity(dimensions),
      mitre: definition.mitre,
      summary: `${who} made ${call} ${parts.join(', ')}; its profile has ${days} days of history.`,
      runbook: definition.runbook,
      reference: definition.reference,
      dedupKey: `${definition.id}|${o.principal}|${dimensions.join('+')}`,
      event: e,
    };
  }
}

function describeNovelty(dimension: ProfileDimension, value: string, knownBefore: number): string {
  const before = `${knownBefore} known before`;
  switch (dimension) {
    case 'network':
      return `from a new network ${value} (${before})`;
    case 'region':
      return `in a region it had not used, ${value} (${before})`;
    case 'agent':
      return `with a new user-agent family "${value}" (${before})`;
    case 'api':
      return 'for the first time';
  }
}

/** Values of the dimension that the profile learned from events older than `timeMs`. */
function knownBefore(profile: PrincipalProfile, dimension: ProfileDimension, timeMs: number): number {
  let count = 0;
  for (const [key, value] of profile.values) {
    if (key.startsWith(`${dimension}|`) && value.timeMs < timeMs) count += 1;
  }
  return count;
}

function countByDimension(profile: PrincipalProfile | undefined): Record<ProfileDimension, number> {
  const counts: Record<ProfileDimension, number> = { network: 0, region: 0, agent: 0, api: 0 };
  if (profile === undefined) return counts;
  for (const key of profile.values.keys()) {
    const dimension = key.slice(0, key.indexOf('|'));
    if (dimension in counts) counts[dimension as ProfileDimension] += 1;
  }
  return counts;
}

export { networkOf } from './net';
