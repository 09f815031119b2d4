// A Bedrock API key (a bearer token) used to delete models, jobs, capacity or endpoints: keys meant
// for invoking models, used to destroy. Safeguards deleted with one are bedrock.safeguards-removed.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, viaAwsService } from '../common/actors';
import { child, isTrue, param, req } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'bedrock.api-key-used-to-delete';

/** What each deletion removes, for the alert. */
const DELETIONS: ReadonlyMap<string, string> = new Map([
  ['DeleteCustomModel', 'custom model'],
  ['DeleteImportedModel', 'imported model'],
  ['DeleteCustomModelDeployment', 'custom model deployment'],
  ['DeleteProvisionedModelThroughput', 'Provisioned Throughput'],
  ['DeleteMarketplaceModelEndpoint', 'Marketplace model endpoint'],
  ['DeregisterMarketplaceModelEndpoint', 'Marketplace model endpoint registration'],
  ['DeleteInferenceProfile', 'inference profile'],
  ['BatchDeleteEvaluationJob', 'evaluation jobs'],
]);

/**
 * The call carried a Bedrock API key: CloudTrail records `callWithBearerToken` in the event's
 * additional data (and, on some Bedrock endpoints, among the request parameters). AWS writes it, not
 * the caller.
 */
const withBearerToken = (e: TrailEvent): boolean =>
  isTrue(child(e.additionalEventData, 'callWithBearerToken')) ||
  isTrue(child(e.requestParameters, 'callWithBearerToken'));

/** The resource the call names, whichever identifier its API uses. */
const target = (e: TrailEvent): string =>
  param(e, 'jobIdentifiers') ||
  req(
    e,
    'modelIdentifier',
    'provisionedModelId',
    'customModelDeploymentIdentifier',
    'endpointArn',
    'inferenceProfileIdentifier',
  );

export default defineRule({
  id: ID,
  title: 'Bedrock API key used to delete models, capacity or endpoints',
  description:
    'A call made with an Amazon Bedrock API key (callWithBearerToken true) deleted a custom or ' +
    'imported model, a custom model deployment, Provisioned Throughput, a Marketplace endpoint or its ' +
    'registration, an inference profile or evaluation jobs. High; medium when the call was refused, an ' +
    'attempt still worth recording since API keys are handed to applications that only invoke models. ' +
    'Guardrails, invocation logging and the other safeguards deleted with an API key are ' +
    'bedrock.safeguards-removed, whose alert says a key was used. Calls an AWS service made are not ' +
    'matched.',
  whyItMatters:
    'Bedrock API keys are bearer credentials for invoking models, often pasted into applications, ' +
    'notebooks and configuration files. Deleting resources or safeguards with one is not what it was ' +
    'given for: it is how a stolen key is turned to sabotage, or to blinding the account before abuse.',
  runbook:
    'Identify the key’s owner (the IAM user, often BedrockAPIKey-*, or the principal a short-term key ' +
    'was made from). Revoke the key: deny bedrock:CallWithBearerToken to that user and reset or delete ' +
    'its service-specific credential. Restore what was deleted, check the user for access keys or a ' +
    'password added as a foothold, and review every call made with the key.',
  reference: 'https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html',
  mitre: ['TA0040:T1485', 'TA0005:T1562.001', 'TA0001:T1078.004'],
  eventNames: [...DELETIONS.keys()],
  eventSources: ['bedrock.amazonaws.com'],
  severity: (e) => byOutcome(e, 'high'),
  matches: (e) => withBearerToken(e) && !viaAwsService(e),
  explain: (e) => {
    const what = DELETIONS.get(e.eventName) ?? 'a Bedrock resource';
    const name = target(e);
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to delete' : 'deleted'} ${what}` +
      `${name === '' ? '' : ` ${show(name, 140)}`} with a Bedrock API key ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup(ID, e.recipientAccountId, e.actor.arn || e.actor.principalId, e.eventName, target(e)),
});
