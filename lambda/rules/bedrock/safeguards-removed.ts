// Bedrock's own safeguards: model invocation logging (the record of every prompt and answer),
// guardrails (the content filters in front of a model), the guardrail the account enforces on every
// call, and Automated Reasoning policies (formal checks of what a model answers).
import { str } from '../../core/event';
import { arnAccount } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isForeignAccount, viaAwsService } from '../common/actors';
import { boolOf, child, collectStrings, isTrue, param } from '../common/json';
import { failed } from '../common/outcome';
import { failedSeverity, lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'bedrock.safeguards-removed';

const ACTIONS: ReadonlyMap<string, { readonly what: string; readonly severity: Severity }> = new Map([
  [
    'DeleteModelInvocationLoggingConfiguration',
    { what: 'deleted model invocation logging', severity: 'high' },
  ],
  [
    'PutModelInvocationLoggingConfiguration',
    { what: 'replaced model invocation logging', severity: 'medium' },
  ],
  ['DeleteGuardrail', { what: 'deleted guardrail', severity: 'high' }],
  ['UpdateGuardrail', { what: 'changed guardrail', severity: 'medium' }],
  [
    'DeleteEnforcedGuardrailConfiguration',
    { what: 'deleted the account’s enforced guardrail', severity: 'medium' },
  ],
  [
    'PutEnforcedGuardrailConfiguration',
    { what: 'replaced the account’s enforced guardrail', severity: 'medium' },
  ],
  ['DeleteAutomatedReasoningPolicy', { what: 'deleted Automated Reasoning policy', severity: 'medium' }],
  ['UpdateAutomatedReasoningPolicy', { what: 'changed Automated Reasoning policy', severity: 'medium' }],
  [
    'UpdateAutomatedReasoningPolicyAnnotations',
    { what: 'changed the annotations of Automated Reasoning policy', severity: 'medium' },
  ],
]);

/** Content kinds whose delivery a logging configuration can switch off, as the request names them. */
const DELIVERY = [
  ['textDataDeliveryEnabled', 'text'],
  ['imageDataDeliveryEnabled', 'image'],
] as const;

/**
 * How a new logging configuration weakens the record, in words: text or image delivery turned off,
 * no destination left, or a destination (role or resource ARN) in another account. '' when none.
 */
function loggingWeakened(e: TrailEvent): string {
  if (e.eventName !== 'PutModelInvocationLoggingConfiguration') return '';
  const config = child(e.requestParameters, 'loggingConfig');
  const off = DELIVERY.filter(([key]) => boolOf(child(config, key)) === false).map(([, kind]) => kind);
  if (off.length > 0) return `with ${off.join(' and ')} delivery turned off`;
  const s3 = str(child(child(config, 's3Config'), 'bucketName'));
  const logs = str(child(child(config, 'cloudWatchConfig'), 'logGroupName'));
  if (config !== undefined && s3 === '' && logs === '') return 'with no destination';
  const foreign = collectStrings(config, (text) => isForeignAccount(e, arnAccount(text)), 1)[0];
  return foreign === undefined ? '' : `delivering through ${show(foreign, 140)} in another account`;
}

/**
 * The call's base severity (a logging configuration that weakens the record is high, like deleting
 * it); one step lower when an AWS service made the call. A refused attempt at something high is
 * medium, anything milder low.
 */
function severity(e: TrailEvent): Severity {
  const base: Severity =
    loggingWeakened(e) !== '' ? 'high' : (ACTIONS.get(e.eventName)?.severity ?? 'medium');
  if (failed(e)) return failedSeverity(base);
  return viaAwsService(e) ? lower(base) : base;
}

/** The call carried a Bedrock API key (`callWithBearerToken`, set by AWS, not by the caller). */
const withBearerToken = (e: TrailEvent): boolean =>
  isTrue(child(e.additionalEventData, 'callWithBearerToken')) ||
  isTrue(child(e.requestParameters, 'callWithBearerToken'));

/** The guardrail, policy or enforced configuration the call names; '' for the logging calls. */
const subject = (e: TrailEvent): string => param(e, 'guardrailIdentifier', 'policyArn', 'configId');

/** Where a new logging configuration sends its records. */
function destination(e: TrailEvent): string {
  const config = child(e.requestParameters, 'loggingConfig');
  const bucket = str(child(child(config, 's3Config'), 'bucketName'));
  const group = str(child(child(config, 'cloudWatchConfig'), 'logGroupName'));
  const parts = [
    bucket === '' ? '' : `bucket ${show(bucket, 64)}`,
    group === '' ? '' : `log group ${show(group, 96)}`,
  ];
  return parts.filter(Boolean).join(' and ');
}

export default defineRule({
  id: ID,
  title: 'Bedrock invocation logging, guardrail or safety policy removed',
  description:
    'A principal weakened one of Amazon Bedrock’s safeguards. High: model invocation logging deleted, ' +
    'or replaced (PutModelInvocationLoggingConfiguration) with text or image delivery turned off, with ' +
    'no destination, or delivering through a role or resource of another account; a guardrail ' +
    'deleted. Medium: any other logging configuration put in place (the destination may have moved), ' +
    'a guardrail changed, the account’s enforced guardrail configuration deleted or replaced, an ' +
    'Automated Reasoning policy deleted or changed (UpdateAutomatedReasoningPolicy, ' +
    'UpdateAutomatedReasoningPolicyAnnotations). One step lower when an AWS service made the call. A ' +
    'refused attempt is medium when it aimed at something high, low otherwise. The alert says when the ' +
    'call was made with a Bedrock API key (callWithBearerToken), a key meant only for invoking models.',
  whyItMatters:
    'Invocation logs are the only record of what was asked of a model and what it answered; guardrails ' +
    'and Automated Reasoning policies keep a model from leaking data, producing harmful output or ' +
    'answering against the rules the organisation set. Removing, redirecting or loosening them comes ' +
    'before misusing the model unseen.',
  runbook:
    'Confirm with the owner of the AI workloads. If it is not expected, restore the logging ' +
    'configuration, guardrail, enforced configuration or policy from infrastructure code, check that ' +
    'log delivery resumed to a destination the organisation owns, treat records sent elsewhere as ' +
    'exposed, and review the principal’s Bedrock calls since.',
  reference: 'https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html',
  mitre: ['TA0005:T1562.008', 'TA0005:T1562.001'],
  eventNames: [...ACTIONS.keys()],
  eventSources: ['bedrock.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => {
    const what = ACTIONS.get(e.eventName)?.what ?? 'changed a Bedrock safeguard';
    const name = subject(e);
    const weakened = loggingWeakened(e);
    const to = e.eventName === 'PutModelInvocationLoggingConfiguration' ? destination(e) : '';
    return (
      `${actorLabel(e)} ${what}${name === '' ? '' : ` ${show(name, 140)}`}` +
      `${to === '' ? '' : ` (now to ${to})`}${weakened === '' ? '' : `, ${weakened},`}` +
      `${withBearerToken(e) ? ' with a Bedrock API key' : ''} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, e.eventName, subject(e)),
});
