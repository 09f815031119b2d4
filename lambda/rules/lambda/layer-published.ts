// PublishLayerVersion: new code that any function of the account, or of others, can load.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { path, req } from '../common/json';
import { lambdaEventNames } from '../common/lambda-event-names';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'lambda.layer-published';

const layer = (e: TrailEvent): string => req(e, 'layerName');

export default defineRule({
  id: ID,
  title: 'Lambda layer version published',
  description:
    'A principal published a new version of a Lambda layer (PublishLayerVersion, recorded as ' +
    'PublishLayerVersion20181031). Low: build pipelines publish layers routinely, and the record ties a ' +
    'later layer change on a function (lambda.code-or-layers-changed) or a share ' +
    '(lambda.layer-shared) to the code it brought; info when the call failed or an AWS service made it ' +
    'for a principal. Calls by AWS itself are not matched. The layer’s content is not in the record.',
  whyItMatters:
    'A layer is code that runs inside every function that uses it, with that function’s role: a new ' +
    'version is a way to slip a backdoor into functions, or to stage code to share with another account.',
  runbook:
    'Check that the layer version comes from the expected pipeline (GetLayerVersion shows its creation ' +
    'date and the location of its content). If not, download and inspect it, delete the version ' +
    '(DeleteLayerVersion), and find functions updated to use it.',
  reference: 'https://docs.aws.amazon.com/lambda/latest/api/API_PublishLayerVersion.html',
  mitre: ['TA0003:T1525', 'TA0042:T1608'],
  eventNames: lambdaEventNames('layers', 'PublishLayerVersion'),
  eventSources: ['lambda.amazonaws.com'],
  severity: (e) => lowerFor('low', failed(e) || viaAwsService(e)),
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const version = path(e.responseElements, 'version');
    const published = version !== '' ? ` as version ${show(version, 12)}` : '';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to publish' : 'published'} Lambda layer ${show(layer(e), 140)}` +
      `${published} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, layer(e)),
});
