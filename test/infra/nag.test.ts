import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { TrailwatchDetector } from '../../lib/detector';
import { SKIP_BUNDLING, synthStack } from './synth';

/** Rule names of the findings a pack still reports for the scope (acknowledged ones excluded). */
function unacknowledged(scope: IConstruct): string[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath)}`),
  );
}

/** Every acknowledgement recorded in the tree: rule id -> reason. */
function acknowledgements(scope: IConstruct): Array<{ id: string; reason: unknown }> {
  return scope.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({ id, reason })),
        ),
    );
}

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  // Every subscription kind, so the subscription rules have something to check.
  const { stack } = synthStack({
    alertEmail: 'ops@example.com',
    alertPhone: '+15551234567',
    alertUrl: 'https://hooks.example.com/trailwatch',
    reservedConcurrency: '2',
  });

  it('leaves no finding unacknowledged in the stack', () => {
    expect(unacknowledged(stack)).toEqual([]);
  });

  it('leaves no finding unacknowledged when the construct is used on its own', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });
    const bare = new Stack(app, 'Bare');
    // Act
    new TrailwatchDetector(bare, 'Detector', {
      alertPhones: [{ endpoint: '+15551234567' }],
      alertUrls: [{ endpoint: 'https://hooks.example.com/x' }],
    });
    // Assess
    expect(unacknowledged(bare)).toEqual([]);
  });

  it('gives every acknowledgement a reason', () => {
    const acks = acknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const { id, reason } of acks) {
      expect({ id, reason: typeof reason === 'string' ? reason.trim().length > 20 : reason }).toEqual({
        id,
        reason: true,
      });
    }
  });

  it('acknowledges only the findings that are by design', () => {
    const ids = [...new Set(acknowledgements(stack).map((a) => a.id.replace(/^annotation::/i, '')))].sort();
    expect(ids).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'Serverless-LambdaAsyncFailureDestination',
      'Serverless-LambdaTracing',
      'Serverless-SNSRedrivePolicy',
      'Serverless-SQSRedrivePolicy',
    ]);
  });
});

describe('cdk-nag in organization mode', () => {
  const { stack } = synthStack({
    alertEmail: 'ops@example.com',
    organization: 'true',
    organizationId: 'o-abcdefghij',
    organizationRootId: 'r-ab12',
    organizationOus: 'ou-ab12-abcdefgh',
  });

  it('leaves no finding unacknowledged in the stack', () => {
    expect(unacknowledged(stack)).toEqual([]);
  });

  it('leaves no finding unacknowledged when the construct is used on its own', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });
    const bare = new Stack(app, 'Bare');
    // Act
    new TrailwatchDetector(bare, 'Detector', {
      organization: { organizationId: 'o-abcdefghij', rootId: 'r-ab12', memberRoleName: 'audit-reader' },
    });
    // Assess
    expect(unacknowledged(bare)).toEqual([]);
  });

  it('gives every acknowledgement a reason', () => {
    for (const { id, reason } of acknowledgements(stack)) {
      expect({ id, reason: typeof reason === 'string' ? reason.trim().length > 20 : reason }).toEqual({
        id,
        reason: true,
      });
    }
  });

  it('acknowledges only the findings that are by design, each where it arises', () => {
    const organization = stack.node.findChild('Detector').node.findChild('Organization');
    const ids = [
      ...new Set(acknowledgements(organization).map((a) => a.id.replace(/^annotation::/i, ''))),
    ].sort();
    expect(ids).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/trailwatch-member-reader]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::*:ou/o-abcdefghij/ou-*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::*:root/o-abcdefghij/r-*]',
      'Serverless-LambdaAsyncFailureDestination',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaEventSourceMappingDestination',
      'Serverless-LambdaTracing',
      'Serverless-SQSRedrivePolicy',
    ]);
  });
});
