// Reading a synthesized template: CloudFormation values as text, alarm ARNs, reference cycles, and
// the IAM statements of a role. Shared by the stack, never-silent and organization tests.
import type { Template } from 'aws-cdk-lib/assertions';

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** A CloudFormation string value as text: `Ref`s become `${Name}`, `Fn::Join`s are joined. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return `\${${v.Ref}}`;
    const join = v['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(render).join(join[0]);
    const att = v['Fn::GetAtt'] as [string, string] | undefined;
    if (att) return `\${${att[0]}.${att[1]}}`;
  }
  return JSON.stringify(value) ?? String(value);
}

/**
 * Every alarm of the template, by the ARN forms that name it: its `Fn::GetAtt` Arn, and the ARN
 * built from its explicit name (`arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`).
 */
export function alarmArnForms(template: Template): Array<{ id: string; forms: string[] }> {
  return Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([id, alarm]) => {
    const forms = [`\${${id}.Arn}`];
    if (alarm.Properties.AlarmName !== undefined) {
      forms.push(
        `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${render(alarm.Properties.AlarmName)}`,
      );
      forms.push(
        `arn:\${AWS::Partition}:cloudwatch:eu-west-1:111111111111:alarm:${render(alarm.Properties.AlarmName)}`,
      );
    }
    return { id, forms };
  });
}

/** Asserts that `values` names exactly the template's alarms, each once. */
export function expectExactlyTheAlarms(template: Template, values: unknown): void {
  const rendered = asList(values).map(render).sort();
  const alarms = alarmArnForms(template);
  const named = alarms.map(({ id, forms }) => ({ id, arn: rendered.find((r) => forms.includes(r)) }));
  expect(named.filter((n) => n.arn === undefined).map((n) => n.id)).toEqual([]);
  expect(rendered).toHaveLength(alarms.length);
}

/** The logical ids a resource refers to (Ref, Fn::GetAtt, DependsOn), pseudo parameters left out. */
function references(resource: unknown): Set<string> {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'Ref' && typeof inner === 'string' && !inner.startsWith('AWS::')) found.add(inner);
        else if (key === 'Fn::GetAtt' && Array.isArray(inner)) found.add(String(inner[0]));
        else if (key === 'DependsOn') for (const d of asList(inner)) found.add(String(d));
        else walk(inner);
      }
    }
  };
  walk(resource);
  return found;
}

/** One reference cycle among the resources (their logical ids, in order), or [] when there is none. */
export function referenceCycle(resources: Record<string, unknown>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] => {
    if (state.get(id) === 'done' || !(id in resources)) return [];
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const next of references(resources[id])) {
      const cycle = visit(next);
      if (cycle.length > 0) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return [];
  };
  for (const id of Object.keys(resources)) {
    const cycle = visit(id);
    if (cycle.length > 0) return cycle;
  }
  return [];
}

/** Every statement of every IAM policy that applies to a role (its inline policies and the AWS::IAM::Policy attached). */
export function roleStatements(template: Template, roleId: string): Statement[] {
  const role = template.findResources('AWS::IAM::Role')[roleId];
  if (!role) throw new Error(`no role ${roleId}`);
  const statements: Statement[] = [];
  for (const inline of role.Properties.Policies ?? []) statements.push(...inline.PolicyDocument.Statement);
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles: Array<{ Ref: string }> = policy.Properties.Roles;
    if (roles.some((r) => r.Ref === roleId)) statements.push(...policy.Properties.PolicyDocument.Statement);
  }
  return statements;
}

/** The actions of the statements, flattened and sorted. */
export function actionList(statements: readonly Statement[]): string[] {
  return statements.flatMap((s) => asList(s.Action) as string[]).sort();
}

type FunctionProperties = ReturnType<Template['findResources']>[string];

/** The logical id and properties of the Lambda function with this explicit name (or logical id prefix). */
export function lambdaFunction(
  template: Template,
  match: { name?: string; idPrefix?: string },
): { id: string; properties: FunctionProperties; roleId: string } {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
    ([id, fn]) =>
      (match.name === undefined || fn.Properties.FunctionName === match.name) &&
      (match.idPrefix === undefined || new RegExp(`^${match.idPrefix}[0-9A-F]{8}$`).test(id)),
  );
  if (found.length !== 1)
    throw new Error(`expected one function for ${JSON.stringify(match)}, found ${found.length}`);
  const [id, fn] = found[0]!;
  return { id, properties: fn.Properties, roleId: fn.Properties.Role['Fn::GetAtt'][0] };
}
