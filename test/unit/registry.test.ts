// The catalogue as data: ids, metadata and fixtures kept consistent as rules are added.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isObject } from '../../lambda/core/event';
import {
  agentTexts,
  bodyTexts,
  CIS_CONTROL_PATTERN,
  identityTexts,
  MITRE_PATTERN,
  metadataProblems,
  RULE_ID_PATTERN,
} from '../../lambda/core/rule';
import { isSeverity } from '../../lambda/core/types';
import { firstSeen } from '../../lambda/rules/anomalies/first-seen';
import { writeVolume } from '../../lambda/rules/anomalies/write-volume';
import { DETECTIONS, RULES } from '../../lambda/rules/index';
import { THRESHOLD_RULES } from '../../lambda/rules/thresholds';

const FIXTURES = join(__dirname, '..', 'fixtures', 'rules');
const RULE_FILES = join(__dirname, '..', '..', 'lambda', 'rules');
/** Folders of lambda/rules that hold helpers or other detections, not one event rule a file. */
const NOT_SERVICES = ['common', 'thresholds', 'anomalies'];
const ids = RULES.map((r) => r.id);

describe('rule registry', () => {
  it('lists at least the seed catalogue', () => {
    expect(RULES.length).toBeGreaterThanOrEqual(8);
  });

  it('has unique ids, listed in order', () => {
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it.each(ids)('%s: id is dotted lower-case', (id) => {
    expect(id).toMatch(RULE_ID_PATTERN);
  });

  describe.each(RULES.map((r) => [r.id, r] as const))('%s', (_id, rule) => {
    it('fills every metadata string', () => {
      for (const field of ['title', 'description', 'whyItMatters', 'runbook', 'reference'] as const) {
        expect(rule[field].trim()).not.toBe('');
      }
    });

    it('links to an https reference', () => {
      expect(new URL(rule.reference).protocol).toBe('https:');
    });

    it('has well-formed MITRE ids', () => {
      expect(rule.mitre.length).toBeGreaterThan(0);
      for (const m of rule.mitre) expect(m).toMatch(MITRE_PATTERN);
    });

    it('lives in <service>/<name>.ts, after its id', () => {
      const [service, name] = rule.id.split('.');
      expect(existsSync(join(RULE_FILES, service ?? '', `${name}.ts`))).toBe(true);
    });

    it('names each event once, or is an every-event rule with a pre-filter', () => {
      if (rule.everyEvent) {
        const texts = [...bodyTexts(rule), ...agentTexts(rule), ...identityTexts(rule)];
        expect(texts.length).toBeGreaterThan(0);
        for (const text of texts) expect(text.length).toBeGreaterThanOrEqual(3);
      } else expect(rule.eventNames.length).toBeGreaterThan(0);
      expect(new Set(rule.eventNames).size).toBe(rule.eventNames.length);
      for (const name of rule.eventNames) expect(name).toMatch(/^[A-Za-z0-9]+$/);
      for (const source of rule.eventSources ?? []) expect(source).toMatch(/^[a-z0-9.-]+\.amazonaws\.com$/);
    });

    it('has a static severity that is valid, or a severity function', () => {
      if (typeof rule.severity === 'string') expect(isSeverity(rule.severity)).toBe(true);
      else expect(typeof rule.severity).toBe('function');
    });

    it('has a dedup key', () => {
      expect(typeof rule.dedupKey).toBe('function');
    });

    it('has a fixture with at least one positive and one negative case', () => {
      const path = join(FIXTURES, `${rule.id}.json`);
      expect(existsSync(path)).toBe(true);
      const fixture: unknown = JSON.parse(readFileSync(path, 'utf8'));
      expect(isObject(fixture)).toBe(true);
      if (!isObject(fixture)) return;
      expect(Array.isArray(fixture.positive) && fixture.positive.length).toBeGreaterThanOrEqual(1);
      expect(Array.isArray(fixture.negative) && fixture.negative.length).toBeGreaterThanOrEqual(1);
    });
  });

  it('has no fixture file without a rule', () => {
    const orphans = readdirSync(FIXTURES)
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.slice(0, -'.json'.length))
      .filter((id) => !ids.includes(id));
    expect(orphans).toEqual([]);
  });

  it('supersedes only rules that exist and share an event name with it', () => {
    for (const rule of RULES) {
      for (const id of rule.supersedes ?? []) {
        const other = RULES.find((r) => r.id === id);
        expect(other).toBeDefined();
        expect(other!.eventNames.some((name) => rule.eventNames.includes(name))).toBe(true);
      }
    }
  });

  it('registers every rule file of the service folders', () => {
    const services = readdirSync(RULE_FILES).filter(
      (entry) => !NOT_SERVICES.includes(entry) && statSync(join(RULE_FILES, entry)).isDirectory(),
    );
    const unregistered = services
      .flatMap((service) =>
        readdirSync(join(RULE_FILES, service)).map((file) => `${service}.${file.replace(/\.ts$/, '')}`),
      )
      .filter((id) => !ids.includes(id));
    expect(unregistered).toEqual([]);
  });

  it('keeps only JSON files in the fixture folder', () => {
    expect(readdirSync(FIXTURES).filter((file) => !file.endsWith('.json'))).toEqual([]);
  });
});

describe('CIS AWS Foundations monitoring controls', () => {
  const controls = DETECTIONS.flatMap((detection) => detection.cis ?? []);

  it.each(DETECTIONS.map((d) => [d.id, d] as const))('%s: CIS control ids are well formed', (_id, d) => {
    for (const control of d.cis ?? []) expect(control).toMatch(CIS_CONTROL_PATTERN);
    expect(new Set(d.cis ?? []).size).toBe((d.cis ?? []).length);
  });

  it('has a detection for each of CloudWatch.1 to CloudWatch.14', () => {
    const missing = Array.from({ length: 14 }, (_, i) => `CloudWatch.${i + 1}`).filter(
      (control) => !controls.includes(control),
    );
    expect(missing).toEqual([]);
  });
});

describe('the first-seen and write-volume detections', () => {
  it('have well-formed metadata and ids no other detection uses', () => {
    expect(metadataProblems(firstSeen)).toEqual([]);
    expect(metadataProblems(writeVolume)).toEqual([]);
    const ids = DETECTIONS.map((detection) => detection.id);
    expect(ids).toEqual(
      expect.arrayContaining([firstSeen.id, writeVolume.id, ...THRESHOLD_RULES.map((r) => r.id)]),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists each sensitive API once, as its event names', () => {
    expect(new Set(firstSeen.sensitiveApis).size).toBe(firstSeen.sensitiveApis.length);
    expect(firstSeen.eventNames).toEqual(firstSeen.sensitiveApis);
  });

  it('rates one new dimension below paging and two at high', () => {
    expect(firstSeen.severity(['network'])).toBe('medium');
    expect(firstSeen.severity(['agent'])).toBe('low');
    expect(firstSeen.severity(['network', 'agent'])).toBe('high');
  });
});
