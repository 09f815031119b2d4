// A Bedrock knowledge base or its data sources changed: documents ingested or deleted, a sync
// started, a data source created, repointed or removed, the knowledge base changed or deleted. What a
// RAG application retrieves it presents as fact, so changing the corpus changes the answers.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, callerKind, isAwsItself, isForeignAccount } from '../common/actors';
import { child, path, req } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'bedrock.knowledge-base-changed';

/** Per call: what was done, what was tried, and whether it only moves documents (a sync). */
const ACTIONS: ReadonlyMap<
  string,
  { readonly done: string; readonly tried: string; readonly sync: boolean }
> = new Map([
  [
    'IngestKnowledgeBaseDocuments',
    { done: 'ingested documents into', tried: 'ingest documents into', sync: true },
  ],
  [
    'DeleteKnowledgeBaseDocuments',
    { done: 'deleted documents from', tried: 'delete documents from', sync: true },
  ],
  ['StartIngestionJob', { done: 'started a sync of', tried: 'start a sync of', sync: true }],
  ['CreateDataSource', { done: 'added a data source to', tried: 'add a data source to', sync: false }],
  ['UpdateDataSource', { done: 'changed a data source of', tried: 'change a data source of', sync: false }],
  ['DeleteDataSource', { done: 'deleted a data source of', tried: 'delete a data source of', sync: false }],
  ['UpdateKnowledgeBase', { done: 'changed', tried: 'change', sync: false }],
  ['DeleteKnowledgeBase', { done: 'deleted', tried: 'delete', sync: false }],
]);

/** The account that owns a data source's S3 bucket, when the request names one other than the event's own. */
function foreignBucketOwner(e: TrailEvent): string {
  const s3 = child(child(e.requestParameters, 'dataSourceConfiguration'), 's3Configuration');
  const owner = str(child(s3, 'bucketOwnerAccountId')).trim();
  return isForeignAccount(e, owner) ? owner : '';
}

/**
 * Medium. Document ingestion, deletion and syncs made by a workload are low: that is how pipelines
 * keep a corpus current, all day. High when a data source reads from a bucket another account owns.
 * One step lower when an AWS service made the call, low when it failed.
 */
function severity(e: TrailEvent): Severity {
  if (foreignBucketOwner(e) !== '') return judgeChange(e, 'high');
  const routineSync = ACTIONS.get(e.eventName)?.sync === true && callerKind(e) === 'workload';
  return judgeChange(e, routineSync ? 'low' : 'medium');
}

const knowledgeBase = (e: TrailEvent): string =>
  req(e, 'knowledgeBaseId') || path(e.responseElements, 'dataSource', 'knowledgeBaseId');

/** The data source the call names: its id, or the name a new one is given; none for knowledge base calls. */
function dataSource(e: TrailEvent): string {
  if (e.eventName.endsWith('KnowledgeBase')) return '';
  const created = e.eventName === 'CreateDataSource' ? req(e, 'name') : '';
  return req(e, 'dataSourceId') || created || path(e.responseElements, 'dataSource', 'dataSourceId');
}

export default defineRule({
  id: ID,
  title: 'Bedrock knowledge base or data source changed',
  description:
    'A principal changed what an Amazon Bedrock knowledge base holds or where it reads from: ' +
    'IngestKnowledgeBaseDocuments, DeleteKnowledgeBaseDocuments, StartIngestionJob, ' +
    'Create/Update/DeleteDataSource, UpdateKnowledgeBase or DeleteKnowledgeBase. Medium; document ' +
    'ingestion, deletion and syncs made by a workload (a role session other than a person’s) are low, ' +
    'since pipelines keep corpora current that way. High when a data source reads from an S3 bucket ' +
    'another account owns (bucketOwnerAccountId). One step lower when an AWS service made the call, ' +
    'low when it failed; AWS acting through a service-linked role is not matched. Bedrock documents ' +
    'these build-time calls as management events; a trail that records the document calls as data ' +
    'events keeps them from Event history, and only the configuration changes are then seen.',
  whyItMatters:
    'Applications built on retrieval-augmented generation present what the knowledge base returns as ' +
    'the truth. Adding documents, deleting the real ones or pointing a data source at a bucket an ' +
    'intruder controls poisons every answer, and can carry instructions that an agent then follows.',
  runbook:
    'Confirm the change with the knowledge base owner. If it is not expected, check the data source ' +
    'location and its bucket owner (GetDataSource), review the documents ingested since the change, ' +
    'restore the corpus from its source of truth and sync again, and review the caller’s other calls.',
  reference: 'https://docs.aws.amazon.com/bedrock/latest/userguide/knowledge-base.html',
  mitre: ['TA0040:T1565.001', 'TA0040:T1485'],
  eventNames: [...ACTIONS.keys()],
  eventSources: ['bedrock.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const action = ACTIONS.get(e.eventName);
    const did = failed(e) ? `tried to ${action?.tried ?? 'change'}` : (action?.done ?? 'changed');
    const source = dataSource(e);
    const owner = foreignBucketOwner(e);
    return (
      `${actorLabel(e)} ${did} Bedrock knowledge base ${show(knowledgeBase(e), 40)}` +
      `${source === '' ? '' : ` (data source ${show(source, 80)})`}` +
      `${owner === '' ? '' : `, reading from a bucket owned by account ${show(owner, 16)},`} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup(ID, e.recipientAccountId, e.awsRegion, knowledgeBase(e), e.actor.arn || e.actor.principalId),
});
