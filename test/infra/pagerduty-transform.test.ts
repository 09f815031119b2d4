// Proof that the PagerDuty rules turn a real trailwatch.alert/1 document into a valid PagerDuty Events
// API v2 `trigger` event: the synthesized rule's InputTransformer is applied to a bus event by an
// evaluator of EventBridge's documented substitution rules, the connection's body parameter is added,
// and the result is checked against the Events API v2 trigger event's fields.
//
// EventBridge's rules, as the EventBridge User Guide ("Amazon EventBridge input transformation") and the
// API reference (InputTransformer) state them, and as the evaluator applies them:
//  - InputPathsMap names a variable per JSON path (dot notation) into the event.
//  - In a JSON template, a placeholder standing alone as a value is replaced by the value as JSON
//    (the guide's "Simple JSON" example: `"instance": <instance>` gives `"instance": "i-0123456789"`);
//    an object or array is inserted as is.
//  - Inside a quoted string, the value's text is inserted as it is: "EventBridge does not escape
//    values extracted by Input Path", so a quote or backslash there breaks the JSON. The evaluator
//    does the same, so that a template that quoted its placeholders would fail this test.
//  - The connection's body parameters are added to the request body (API reference,
//    ConnectionBodyParameter: "Additional parameter included in the body").
import Ajv from 'ajv';
import { renderAlert } from '../../lambda/core/alert';
import { normalizeRecord } from '../../lambda/core/event';
import type { Finding, JsonObject, Severity } from '../../lambda/core/types';
import { PAGERDUTY_SEVERITY } from '../../lib/outputs-props';
import alertSchema from '../../schema/alert-v1.schema.json';
import { synthStack } from './synth';

const ROUTING_KEY = 'R0ut1ngKeyR0ut1ngKeyR0ut1ngKey12';
const SECRET_NAME = 'trailwatch/pagerduty-routing-key';
const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'];

interface Transformer {
  readonly InputPathsMap: Record<string, string>;
  readonly InputTemplate: string;
}

/** The value at a dot-notation JSON path (`$.detail.links.console`); undefined when absent. */
function atPath(event: unknown, path: string): unknown {
  if (!path.startsWith('$')) throw new Error(`not a JSON path: ${path}`);
  let value: unknown = event;
  for (const part of path
    .slice(1)
    .split('.')
    .filter((p) => p !== '')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** EventBridge's substitution, as documented (see the file's header). */
function applyTransformer(transformer: Transformer, event: unknown): string {
  const values = new Map<string, unknown>();
  for (const [name, path] of Object.entries(transformer.InputPathsMap)) {
    const value = atPath(event, path);
    if (value === undefined)
      throw new Error(`${path} is not in the event: EventBridge would leave <${name}> out`);
    values.set(name, value);
  }
  const template = transformer.InputTemplate;
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (inString && c === '\\') {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    const placeholder = c === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i)) : null;
    if (placeholder && values.has(placeholder[1]!)) {
      const value = values.get(placeholder[1]!);
      out += inString ? (typeof value === 'string' ? value : JSON.stringify(value)) : JSON.stringify(value);
      i += placeholder[0].length - 1;
      continue;
    }
    out += c;
  }
  return out;
}

/** The connection's body parameters added to the JSON body. */
function withBodyParameters(body: string, parameters: Record<string, string>): unknown {
  const parsed: unknown = JSON.parse(body);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('the transformed body is not a JSON object');
  }
  return { ...(parsed as Record<string, unknown>), ...parameters };
}

/** The problems of a PagerDuty Events API v2 trigger event (PagerDuty developer docs, "Send an Alert Event"). */
function triggerEventProblems(event: unknown): string[] {
  const problems: string[] = [];
  const e = event as Record<string, unknown>;
  const allowed = [
    'routing_key',
    'event_action',
    'dedup_key',
    'payload',
    'images',
    'links',
    'client',
    'client_url',
  ];
  for (const key of Object.keys(e)) if (!allowed.includes(key)) problems.push(`unknown field ${key}`);
  if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32) problems.push('routing_key');
  if (e.event_action !== 'trigger') problems.push('event_action');
  if (typeof e.dedup_key !== 'string' || e.dedup_key === '' || e.dedup_key.length > 255)
    problems.push('dedup_key');
  const p = (e.payload ?? {}) as Record<string, unknown>;
  if (typeof p.summary !== 'string' || p.summary.trim() === '' || [...p.summary].length > 1024) {
    problems.push('payload.summary');
  }
  if (typeof p.source !== 'string' || p.source === '') problems.push('payload.source');
  if (!PAGERDUTY_SEVERITIES.includes(p.severity as string)) problems.push('payload.severity');
  for (const key of ['component', 'group', 'class'] as const) {
    if (p[key] !== undefined && typeof p[key] !== 'string') problems.push(`payload.${key}`);
  }
  if (p.custom_details !== undefined && (typeof p.custom_details !== 'object' || p.custom_details === null)) {
    problems.push('payload.custom_details');
  }
  const links = e.links as Array<Record<string, unknown>> | undefined;
  if (
    !Array.isArray(links) ||
    links.some(
      (l) => typeof l.href !== 'string' || !l.href.startsWith('https://') || typeof l.text !== 'string',
    )
  ) {
    problems.push('links');
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// A real alert document with hostile text

const HOSTILE = 'he said "stop" \\ then\nleft\t<detail-id> {"x": 1} \u2028 </script>';

function hostileFinding(severity: Severity, summary: string): Finding {
  const parsed = normalizeRecord({
    eventVersion: '1.09',
    eventID: 'a1b2c3d4-5678-90ab-cdef-111122223333',
    eventName: 'StopLogging',
    eventSource: 'cloudtrail.amazonaws.com',
    eventTime: '2026-05-01T03:12:45Z',
    eventType: 'AwsApiCall',
    awsRegion: 'eu-west-1',
    recipientAccountId: '111122223333',
    sourceIPAddress: '203.0.113.9',
    userAgent: `aws-cli/2.15.0 ${HOSTILE}`,
    requestParameters: { name: `trail "${HOSTILE}"` },
    responseElements: null,
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      arn: 'arn:aws:iam::111122223333:user/mallory',
      accountId: '111122223333',
      userName: `mallory "\\" ${HOSTILE}`,
    },
  } as JsonObject);
  if (!parsed.ok) throw new Error(parsed.reason);
  return {
    ruleId: 'cloudtrail.logging-stopped',
    title: `CloudTrail logging stopped ${HOSTILE}`,
    severity,
    mitre: ['TA0005:T1562.008'],
    summary,
    runbook: `Confirm with the caller; ${HOSTILE}`,
    reference: 'https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html',
    dedupKey: `cloudtrail.logging-stopped:${HOSTILE}`,
    event: parsed.event,
  };
}

/** The bus event the functions put: `detail` is the alert's machine document, the SNS https body. */
function busEventOf(finding: Finding): { event: JsonObject; document: JsonObject } {
  const rendered = renderAlert(finding, { generatedAtMs: Date.parse('2026-05-01T03:15:00Z') });
  const document = JSON.parse((JSON.parse(rendered.message) as Record<string, string>).https!) as JsonObject;
  return {
    document,
    event: {
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': 'Trailwatch Alert',
      source: 'trailwatch',
      account: '111122223333',
      time: '2026-05-01T03:15:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: document,
    },
  };
}

// ---------------------------------------------------------------------------------------------

describe('the PagerDuty rules applied to a trailwatch.alert/1 document', () => {
  const { template } = synthStack(
    { pagerDutyRoutingKeySecret: SECRET_NAME, pagerDutySeverities: 'critical,high', minSeverity: 'medium' },
    { account: '111122223333', region: 'eu-west-1' },
  );
  const rules = Object.values(template.findResources('AWS::Events::Rule')).filter(
    (rule) => rule.Properties.EventPattern?.source?.[0] === 'trailwatch',
  );
  const ruleFor = (severity: Severity) => {
    const rule = rules.find((r) => r.Properties.EventPattern.detail.severity[0] === severity);
    if (!rule) throw new Error(`no rule for ${severity}`);
    return rule.Properties.Targets[0].InputTransformer as Transformer;
  };
  const [connection] = Object.values(template.findResources('AWS::Events::Connection'));
  const bodyParameter = connection?.Properties.AuthParameters.InvocationHttpParameters.BodyParameters[0];
  const validate = new Ajv({ allErrors: true, strict: false }).compile(alertSchema);

  it('reads the routing key from Secrets Manager at deploy time, into the body', () => {
    expect(bodyParameter).toEqual({
      Key: 'routing_key',
      Value: `{{resolve:secretsmanager:${SECRET_NAME}:SecretString:::}}`,
      IsValueSecret: true,
    });
  });

  it.each(['critical', 'high'] as const)('makes a valid trigger event of a hostile %s alert', (severity) => {
    // Prepare
    const finding = hostileFinding(severity, `mallory stopped trail "${HOSTILE}" ${'x'.repeat(3000)}`);
    const { event, document } = busEventOf(finding);
    expect(validate(document)).toBe(true);
    // Act: EventBridge's substitution, then the connection's body parameter (the key as resolved).
    const body = applyTransformer(ruleFor(severity), event);
    const request = withBodyParameters(body, { routing_key: ROUTING_KEY }) as {
      payload: { summary: string; custom_details: { summary: string; actor: { name: string } } };
    };
    // Assess
    expect(triggerEventProblems(request)).toEqual([]);
    expect(request).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: document.id,
      client: 'trailwatch',
      payload: {
        summary: document.title,
        severity: PAGERDUTY_SEVERITY[severity],
        source: 'trailwatch',
        component: '111122223333',
        group: 'eu-west-1',
        class: 'cloudtrail.logging-stopped',
        custom_details: document,
      },
      links: [{ href: (document.links as JsonObject).console, text: 'CloudTrail event in the AWS console' }],
    });
    // The hostile text arrives intact: quotes, backslashes and a placeholder-like <detail-id> included.
    expect(request.payload.custom_details.actor.name).toContain('mallory "\\"');
    expect(request.payload.summary).toContain('<detail-id>');
    // Why the title and not the summary: this summary is past PagerDuty's 1024 characters.
    expect([...request.payload.custom_details.summary].length).toBeGreaterThan(1024);
  });

  it('catches a template that quotes its placeholders (the evaluator is strict)', () => {
    // Prepare: the same transformer with "<detail-title>" quoted, as a naive template would have it.
    const quoted = {
      ...ruleFor('critical'),
      InputTemplate: ruleFor('critical').InputTemplate.replace('<detail-title>', '"<detail-title>"'),
    };
    const { event } = busEventOf(hostileFinding('critical', `say "hi" \\ ${HOSTILE}`));
    // Act + Assess
    expect(() => JSON.parse(applyTransformer(quoted, event))).toThrow();
  });

  it('maps every severity to a PagerDuty severity, one constant per rule', () => {
    for (const severity of ['critical', 'high'] as const) {
      const { event } = busEventOf(hostileFinding(severity, 'alice stopped trail main.'));
      expect(JSON.parse(applyTransformer(ruleFor(severity), event)).payload.severity).toBe(
        PAGERDUTY_SEVERITY[severity],
      );
    }
    expect(PAGERDUTY_SEVERITY).toEqual({
      critical: 'critical',
      high: 'error',
      medium: 'warning',
      low: 'info',
      info: 'info',
    });
  });

  it('keeps the routing key out of the template', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toContain(ROUTING_KEY);
    // Both places that carry the key hold the dynamic reference, nothing else.
    expect(text.match(/\{\{resolve:secretsmanager:[^}]*\}\}/g)).toEqual([
      `{{resolve:secretsmanager:${SECRET_NAME}:SecretString:::}}`,
      `{{resolve:secretsmanager:${SECRET_NAME}:SecretString:::}}`,
    ]);
  });
});
