// PagerDuty Events API v2 through EventBridge (docs/integrations/pagerduty.md): a connection that
// carries the routing key, an API destination, and a rule per severity on the event bus whose input
// transformer turns the alert document into a `trigger` event. No function of ours is in the path.
import { Duration, SecretValue } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Severity } from '../lambda/core/types';
import { ALERT_DETAIL_TYPE, PAGERDUTY_SEVERITY, TRAILWATCH_EVENT_SOURCE } from './outputs-props';

/** PagerDuty's Events API v2 endpoint. */
export const PAGERDUTY_ENDPOINT = 'https://events.pagerduty.com/v2/enqueue';
/**
 * Calls per second to PagerDuty at most: the Events API takes about 120 calls a minute per
 * integration key and answers 429 beyond (PagerDuty developer docs, "Events API Rate Limits").
 */
export const PAGERDUTY_RATE_PER_SECOND = 2;
/** Retries of a failed delivery (a timeout, 429 or 5xx), within PAGERDUTY_MAX_EVENT_AGE. */
export const PAGERDUTY_RETRY_ATTEMPTS = 20;
/** A page that has not reached PagerDuty within this goes to the dead-letter queue, which is alarmed. */
export const PAGERDUTY_MAX_EVENT_AGE = Duration.hours(1);

/**
 * The PagerDuty v2 `trigger` event for an alert of `severity`, made by EventBridge from the bus event
 * (`detail` = the `trigger` document). The routing key is not in it: the connection adds it to the body.
 *
 * Every value from the event is a placeholder standing alone as a JSON value, never inside quotes:
 * EventBridge replaces such a placeholder with the value's JSON (a string with its quotes and
 * escapes, an object as is), whereas inside a quoted string it inserts the raw text unescaped, so a
 * quote or a backslash in the alert would break the JSON (EventBridge User Guide, "Amazon EventBridge
 * input transformation"; aws-cdk-lib's RuleTargetInput.fromObject renders placeholders the same way).
 */
export function pagerDutyEvent(severity: Severity): events.RuleTargetInput {
  const field = (path: string) => events.EventField.fromPath(path);
  return events.RuleTargetInput.fromObject({
    event_action: 'trigger',
    dedup_key: field('$.detail.id'),
    client: 'trailwatch',
    payload: {
      // The title, not the summary: event text can bring the summary to 1024 characters plus the
      // truncation marker, past PagerDuty's limit of 1024; the title is at most 256 and the marker.
      // The summary, like every field, is in custom_details.
      summary: field('$.detail.title'),
      severity: PAGERDUTY_SEVERITY[severity],
      source: 'trailwatch',
      component: field('$.detail.event.account'),
      group: field('$.detail.event.region'),
      class: field('$.detail.ruleId'),
      custom_details: field('$.detail'),
    },
    links: [{ href: field('$.detail.links.console'), text: 'CloudTrail event in the AWS console' }],
  });
}

export interface PagerDutyRoutingProps {
  /** The Secrets Manager secret (name or ARN) whose value is the routing key. */
  readonly routingKeySecret: string;
  readonly severities: readonly Severity[];
  /** The bus trailwatch puts its alerts on; undefined for the account's default bus. */
  readonly eventBus?: events.IEventBus;
}

/** The connection, the API destination, the rules and the dead-letter queue of the PagerDuty path. */
export class PagerDutyRouting extends Construct {
  public readonly connection: events.Connection;
  public readonly destination: events.ApiDestination;
  /** One rule per severity, in the order given. */
  public readonly rules: events.Rule[] = [];
  /** Pages EventBridge gave up on (the original bus event, never the routing key). SSE-SQS, TLS only. */
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: PagerDutyRoutingProps) {
    super(scope, id);
    // A dynamic reference ({{resolve:secretsmanager:...}}): CloudFormation reads the secret at deploy
    // time and EventBridge keeps it in a secret of its own; the template never holds the key.
    const routingKey = SecretValue.secretsManager(props.routingKeySecret);
    this.connection = new events.Connection(this, 'Connection', {
      description: 'trailwatch: PagerDuty Events API v2 (the routing key goes in the body)',
      // The Events API authenticates by the body's routing_key, not by a header; a connection needs
      // an authorization all the same, and this header carries nothing PagerDuty does not already get.
      authorization: events.Authorization.apiKey('X-Routing-Key', routingKey),
      bodyParameters: { routing_key: events.HttpParameter.fromSecret(routingKey) },
    });
    this.destination = new events.ApiDestination(this, 'Destination', {
      description: 'trailwatch: PagerDuty Events API v2',
      connection: this.connection,
      endpoint: PAGERDUTY_ENDPOINT,
      httpMethod: events.HttpMethod.POST,
      rateLimitPerSecond: PAGERDUTY_RATE_PER_SECOND,
    });
    // SSE-SQS: EventBridge can send dead letters to it without a key policy (it cannot use the
    // AWS-managed SQS key).
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const severity of props.severities) {
      const rule = new events.Rule(this, `Rule-${severity}`, {
        description: `trailwatch: ${severity} alerts to PagerDuty as ${PAGERDUTY_SEVERITY[severity]}`,
        eventBus: props.eventBus,
        eventPattern: {
          source: [TRAILWATCH_EVENT_SOURCE],
          detailType: [ALERT_DETAIL_TYPE],
          detail: { severity: [severity] },
        },
      });
      rule.addTarget(
        new targets.ApiDestination(this.destination, {
          event: pagerDutyEvent(severity),
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: PAGERDUTY_RETRY_ATTEMPTS,
          maxEventAge: PAGERDUTY_MAX_EVENT_AGE,
        }),
      );
      this.rules.push(rule);
    }
  }

  /** Pages given up: the dead-letter queue's visible messages, the maximum over 5 minutes. */
  public metricDeadLetters(): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
    });
  }
}
