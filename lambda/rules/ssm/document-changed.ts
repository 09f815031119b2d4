// CreateDocument / UpdateDocument / UpdateDocumentDefaultVersion / ModifyDocumentPermission: the
// scripts SSM runs on instances, written or shared.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isForeignAccount, isKeyHolderOrRoot, isServiceCaller } from '../common/actors';
import { param, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

const isPermission = (e: TrailEvent): boolean => e.eventName === 'ModifyDocumentPermission';

/** The accounts a share adds: `all` makes the document public. */
const sharedWith = (e: TrailEvent): string[] => stringsOf(e.requestParameters.accountIdsToAdd);

const isPublic = (e: TrailEvent): boolean => sharedWith(e).some((id) => id.trim().toLowerCase() === 'all');

function severity(e: TrailEvent): Severity {
  if (isPermission(e)) return byOutcome(e, isPublic(e) ? 'high' : 'medium');
  return byOutcome(e, isKeyHolderOrRoot(e) ? 'high' : 'medium');
}

/** What the call did, as a verb phrase: past tense, or infinitive for a failed call. */
function what(e: TrailEvent, tried: boolean): string {
  const name = show(param(e, 'name'), 100);
  const verb = (done: string, attempt: string): string => (tried ? `tried to ${attempt}` : done);
  switch (e.eventName) {
    case 'CreateDocument': {
      const type = param(e, 'documentType');
      return `${verb('created', 'create')} SSM document ${name}${type ? ` (${show(type, 30)})` : ''}`;
    }
    case 'UpdateDocument':
      return `${verb('rewrote', 'rewrite')} SSM document ${name}`;
    case 'UpdateDocumentDefaultVersion':
      return `${verb('made', 'make')} version ${show(param(e, 'documentVersion'), 20)} the default of SSM document ${name}`;
    default:
      return isPublic(e)
        ? `${verb('made', 'make')} SSM document ${name} public`
        : `${verb('shared', 'share')} SSM document ${name} with ${firstFew(sharedWith(e).map((id) => show(id, 20)))}`;
  }
}

export default defineRule({
  id: 'ssm.document-changed',
  title: 'SSM document written or shared',
  description:
    'A principal created or rewrote an SSM document (CreateDocument, UpdateDocument, ' +
    'UpdateDocumentDefaultVersion), or shared one (ModifyDocumentPermission adding accounts). A ' +
    'document is the script Run Command, Automation and Session Manager execute on instances. High ' +
    'when the writer is a key holder (an IAM user’s long-term access key, or a session made from it ' +
    'outside the console) or root, medium for workload roles, pipelines and people in the console; a ' +
    'share is high when it makes the document public, medium for named accounts. Failed calls one ' +
    'step lower; calls by AWS services are not matched. Removing accounts from a share is not matched.',
  whyItMatters:
    'Whoever can change a document that associations, maintenance windows or people run changes what ' +
    'runs as root or SYSTEM on every instance it targets: persistence and execution without touching ' +
    'an instance. A public document exposes its content, and any parameters or secrets written in it.',
  runbook:
    'Compare the new document version with the previous one (GetDocument with both versions) and ask ' +
    'its owner. If the change is not expected, restore the previous default version, check which ' +
    'associations and maintenance windows run the document, and rotate the caller credentials. For a ' +
    'share, remove the accounts (ModifyDocumentPermission with accountIdsToRemove).',
  reference: 'https://docs.aws.amazon.com/systems-manager/latest/userguide/documents.html',
  mitre: ['TA0002:T1651', 'TA0003:T1098'],
  eventNames: [
    'CreateDocument',
    'UpdateDocument',
    'UpdateDocumentDefaultVersion',
    'ModifyDocumentPermission',
  ],
  eventSources: ['ssm.amazonaws.com'],
  severity,
  matches: (e) =>
    !isServiceCaller(e) &&
    (!isPermission(e) ||
      (param(e, 'permissionType') === 'Share' &&
        (isPublic(e) || sharedWith(e).some((id) => isForeignAccount(e, id.trim()))))),
  explain: (e) => `${actorLabel(e)} ${what(e, failed(e))} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('ssm.document-changed', e.recipientAccountId, e.awsRegion, param(e, 'name')),
});
