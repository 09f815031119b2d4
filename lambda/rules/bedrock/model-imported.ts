// A model from outside the account's own training brought into Bedrock: an imported model, a custom
// model deployed for inference, or a Bedrock Marketplace endpoint created or registered.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { child, path, req } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'bedrock.model-imported';

const ACTIONS: ReadonlyMap<string, readonly [string, string]> = new Map([
  ['CreateModelImportJob', ['started importing model', 'import model']],
  ['CreateCustomModelDeployment', ['deployed custom model', 'deploy custom model']],
  [
    'CreateMarketplaceModelEndpoint',
    ['created Marketplace model endpoint', 'create Marketplace model endpoint'],
  ],
  [
    'RegisterMarketplaceModelEndpoint',
    ['registered Marketplace model endpoint', 'register Marketplace model endpoint'],
  ],
] as const);

/** The model or endpoint the call names. */
const subject = (e: TrailEvent): string =>
  req(e, 'importedModelName', 'modelDeploymentName', 'endpointName', 'endpointIdentifier') ||
  req(e, 'modelArn', 'modelSourceIdentifier') ||
  path(e.responseElements, 'jobArn') ||
  path(e.responseElements, 'customModelDeploymentArn');

/** Where an imported model's weights come from (`modelDataSource.s3DataSource.s3Uri`). */
const source = (e: TrailEvent): string =>
  str(child(child(child(e.requestParameters, 'modelDataSource'), 's3DataSource'), 's3Uri'));

export default defineRule({
  id: ID,
  title: 'Bedrock model imported or Marketplace endpoint added',
  description:
    'A principal brought a model into Amazon Bedrock from outside the account’s own training: ' +
    'CreateModelImportJob (weights from S3), CreateCustomModelDeployment (a custom model made ' +
    'invocable), CreateMarketplaceModelEndpoint or RegisterMarketplaceModelEndpoint. Medium: teams ' +
    'do this on purpose, and the alert names the model and, for an import, the S3 location of its ' +
    'weights, so the owner can judge where it came from. One step lower when an AWS service made the ' +
    'call, low when it failed; AWS acting through a service-linked role is not matched.',
  whyItMatters:
    'Applications trust the models they call. A model whose weights an intruder supplied can carry a ' +
    'backdoor, leak what it is sent, or answer wrongly on cue: a supply-chain compromise that lives on ' +
    'in the account after the intruder leaves.',
  runbook:
    'Ask the ML team whether the model is expected. Check who owns the bucket its weights came from and ' +
    'whether the Marketplace listing is an approved vendor. If not, delete the imported model, the ' +
    'deployment or the endpoint before anything invokes it, and review the caller’s other calls.',
  reference: 'https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CreateModelImportJob.html',
  mitre: ['TA0003:T1525', 'TA0001:T1195'],
  eventNames: [...ACTIONS.keys()],
  eventSources: ['bedrock.amazonaws.com'],
  severity: (e) => judgeChange(e, 'medium'),
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const [done, tried] = ACTIONS.get(e.eventName) ?? ['added model', 'add model'];
    const from = source(e);
    return (
      `${actorLabel(e)} ${failed(e) ? `tried to ${tried}` : done} ${show(subject(e), 120)}` +
      `${from === '' ? '' : ` from ${show(from, 160)}`} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, e.eventName, subject(e)),
});
