// Organization mode adds to the stack only when `organization=true`: without it, the template is the
// one trailwatch synthesized before organization mode existed, byte for byte (asset hashes aside).
//
// The templates are in __snapshots__/single-account-templates.json, taken at commit 02eb5a5 before
// lib/organization.ts was written. Refresh them only for a deliberate change to the single-account
// stack, and review the diff:
//   TRAILWATCH_UPDATE_TEMPLATE_SNAPSHOT=1 npx jest test/infra/single-account-template.test.ts
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizedTemplate } from './synth';

const SNAPSHOT = path.join(__dirname, '__snapshots__', 'single-account-templates.json');
const ENV = { account: '111122223333', region: 'eu-west-1' };

/** The variants pinned: the bare default, and one that sets most keys on a stack with an environment. */
const VARIANTS: Record<string, { context: Record<string, unknown>; env?: typeof ENV }> = {
  default: { context: {} },
  configured: {
    context: {
      alertEmail: 'ops@example.com,sec@example.com:medium',
      alertPhone: '+15551234567',
      alertUrl: 'https://hooks.example.com/trailwatch',
      scheduleMinutes: '10',
      regions: 'eu-west-1,eu-central-1,us-east-1',
      overlapMinutes: '90',
      minSeverity: 'medium',
      maxAlertsPerRun: '20',
      firstSeen: 'network,api',
      memoryMb: '512',
      logRetentionDays: '90',
      removalPolicy: 'destroy',
      reservedConcurrency: '2',
    },
    env: ENV,
  },
};

describe('the single-account template', () => {
  if (process.env.TRAILWATCH_UPDATE_TEMPLATE_SNAPSHOT === '1') {
    it('is written to the snapshot file', () => {
      const templates = Object.fromEntries(
        Object.entries(VARIANTS).map(([name, v]) => [name, normalizedTemplate(v.context, v.env)]),
      );
      const comment =
        'Templates of the single-account stack (organization unset), taken before organization mode was ' +
        'added. Refresh only for a deliberate change to the single-account stack: ' +
        'TRAILWATCH_UPDATE_TEMPLATE_SNAPSHOT=1 npx jest test/infra/single-account-template.test.ts';
      fs.writeFileSync(SNAPSHOT, `${JSON.stringify({ $comment: comment, templates }, null, 2)}\n`);
    });
    return;
  }

  const pinned = JSON.parse(fs.readFileSync(SNAPSHOT, 'utf8')).templates as Record<string, unknown>;

  it.each(Object.keys(VARIANTS))('is unchanged: %s', (name) => {
    const variant = VARIANTS[name]!;
    expect(normalizedTemplate(variant.context, variant.env)).toEqual(pinned[name]);
  });

  it.each(Object.keys(VARIANTS))('has no resource type or logical id of its own: %s', (name) => {
    const variant = VARIANTS[name]!;
    const resources = (template: unknown) =>
      Object.entries((template as { Resources: Record<string, { Type: string }> }).Resources)
        .map(([id, r]) => `${r.Type} ${id}`)
        .sort();
    expect(resources(normalizedTemplate(variant.context, variant.env))).toEqual(resources(pinned[name]));
  });

  it('stays unchanged with organization=false, whatever organization keys cdk.json keeps', () => {
    const keys = {
      organization: 'false',
      organizationId: 'o-abcdefghij',
      organizationRootId: 'r-ab12',
      organizationOus: 'ou-ab12-abcdefgh',
      organizationConcurrency: '50',
      memberRoleName: 'audit-reader',
    };
    expect(normalizedTemplate(keys)).toEqual(pinned.default);
    expect(normalizedTemplate({ ...VARIANTS.configured!.context, ...keys }, ENV)).toEqual(pinned.configured);
  });

  it('differs with organization=true (the comparison can fail)', () => {
    expect(
      normalizedTemplate({
        organization: 'true',
        organizationId: 'o-abcdefghij',
        organizationRootId: 'r-ab12',
      }),
    ).not.toEqual(pinned.default);
  });
});
