// cdk.json sets every feature flag a new CDK app gets today (aws-cdk-lib's recommended flags).
// Turning them on must not replace a resource of an existing deployment: the same logical ids and
// types, and where a resource changes, only properties CloudFormation updates in place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { synthStack } from './synth';

const ENV = { account: '111122223333', region: 'eu-west-1' };
const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
const recommended: Record<string, unknown> = JSON.parse(
  fs.readFileSync(require.resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8'),
);

/** Properties CloudFormation changes without replacing the resource (per resource type). */
const IN_PLACE: Record<string, readonly string[]> = {
  'AWS::KMS::Key': ['KeyPolicy'],
  'AWS::SNS::TopicPolicy': ['PolicyDocument'],
  'AWS::IAM::Policy': ['PolicyDocument'],
  'AWS::IAM::Role': ['Policies', 'AssumeRolePolicyDocument'],
  'AWS::SQS::QueuePolicy': ['PolicyDocument'],
  'AWS::CDK::Metadata': ['Analytics'],
};

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

function changes(before: Resources, after: Resources): string[] {
  const problems: string[] = [];
  for (const [id, resource] of Object.entries(before)) {
    const next = after[id];
    if (!next) problems.push(`${id} (${resource.Type}) is gone`);
    else if (next.Type !== resource.Type) problems.push(`${id} changes type`);
    else {
      const keys = new Set([
        ...Object.keys(resource.Properties ?? {}),
        ...Object.keys(next.Properties ?? {}),
      ]);
      for (const key of keys) {
        const same = JSON.stringify(resource.Properties?.[key]) === JSON.stringify(next.Properties?.[key]);
        if (!same && !(IN_PLACE[resource.Type] ?? []).includes(key)) problems.push(`${id}.${key} changes`);
      }
    }
  }
  for (const id of Object.keys(after)) if (!before[id]) problems.push(`${id} is new`);
  return problems;
}

describe('the feature flags of cdk.json', () => {
  it('include every flag aws-cdk-lib recommends for a new app, at its recommended value', () => {
    // But the partitions: trailwatch knows the commercial partition's regions only (lib/context.ts).
    expect(cdkJson.context['@aws-cdk/core:target-partitions']).toEqual(['aws']);
    for (const [flag, value] of Object.entries(recommended).filter(
      ([f]) => f !== '@aws-cdk/core:target-partitions',
    ))
      expect([flag, cdkJson.context[flag]]).toEqual([flag, value]);
  });

  for (const [name, context] of [
    ['the single-account detector', { alertEmail: 'ops@example.com' }],
    [
      'organization mode',
      { organization: 'true', organizationId: 'o-abcdefghij', organizationRootId: 'r-ab12' },
    ],
  ] as const) {
    it(`replace no resource of ${name}`, () => {
      const before = synthStack({ ...context }, ENV).template.toJSON().Resources as Resources;
      const after = synthStack({ ...cdkJson.context, ...context }, ENV).template.toJSON()
        .Resources as Resources;
      expect(changes(before, after)).toEqual([]);
    });
  }
});
