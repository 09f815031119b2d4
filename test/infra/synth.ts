// Builds the real stack from context, as `cdk synth -c ...` would, without bundling the Lambda.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TrailwatchStack } from '../../lib/trailwatch-stack';

/** Skips esbuild: the template is the same, only the asset hash differs. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };

export function synthStack(
  context: Record<string, unknown> = {},
  env?: { account: string; region: string },
): { app: App; stack: TrailwatchStack; template: Template } {
  const app = new App({ context: { ...SKIP_BUNDLING, ...context } });
  const stack = new TrailwatchStack(app, 'Trailwatch', env ? { env } : {});
  return { app, stack, template: Template.fromStack(stack) };
}

/** Every statement of every IAM policy that applies to the detector function's role (inline and attached). */
export function functionPolicyStatements(
  template: Template,
): Array<{ Action: string | string[]; Resource: unknown }> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  const roleId: string = fn?.Properties.Role['Fn::GetAtt'][0];
  const role = template.findResources('AWS::IAM::Role')[roleId];
  const statements: Array<{ Action: string | string[]; Resource: unknown }> = [];
  for (const inline of role?.Properties.Policies ?? []) statements.push(...inline.PolicyDocument.Statement);
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles: Array<{ Ref: string }> = policy.Properties.Roles;
    if (roles.some((r) => r.Ref === roleId)) statements.push(...policy.Properties.PolicyDocument.Statement);
  }
  return statements;
}

export function actionsOf(statements: Array<{ Action: string | string[] }>): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
}

/** The template as JSON, with the Lambda assets' content hashes (they follow lambda/, not lib/) replaced. */
export function normalizedTemplate(
  context: Record<string, unknown>,
  env?: { account: string; region: string },
): unknown {
  const { template } = synthStack(context, env);
  return JSON.parse(JSON.stringify(template.toJSON()).replace(/"[0-9a-f]{64}\.zip"/g, '"<asset-hash>.zip"'));
}
