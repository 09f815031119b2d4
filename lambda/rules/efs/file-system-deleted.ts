// An EFS file system deleted, or one of its mount targets: shared storage destroyed, or cut off
// from the instances and containers that use it.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'efs.file-system-deleted';

const DELETE_FILE_SYSTEM = 'DeleteFileSystem';

/** The file system or mount target the call names. */
const subject = (e: TrailEvent): string => req(e, 'fileSystemId', 'mountTargetId');

const severity = (e: TrailEvent): Severity =>
  judgeChange(e, e.eventName === DELETE_FILE_SYSTEM ? 'high' : 'medium');

export default defineRule({
  id: ID,
  title: 'EFS file system or mount target deleted',
  description:
    'A principal deleted an Amazon EFS file system (DeleteFileSystem: high, its data is gone unless ' +
    'a backup or replica exists) or a mount target (DeleteMountTarget: medium, clients in that ' +
    'Availability Zone lose the file system; mount targets must be deleted before the file system ' +
    'can be). One step lower when an AWS service made the call (a CloudFormation stack deletion); ' +
    'failed calls are low.',
  whyItMatters:
    'EFS holds shared application data, home directories and build caches. Deleting it is ' +
    'irreversible destruction; deleting the mount targets first is the step that comes just before, ' +
    'and already stops every client.',
  runbook:
    'Confirm with the owner of the file system. If it is not expected: restore from the latest AWS ' +
    'Backup recovery point or the replica, if there is one, recreate the mount targets, restrict ' +
    "the caller's elasticfilesystem:Delete* rights, and review its other calls (backups deleted " +
    'too?).',
  reference: 'https://docs.aws.amazon.com/efs/latest/ug/API_DeleteFileSystem.html',
  mitre: ['TA0040:T1485'],
  eventNames: [DELETE_FILE_SYSTEM, 'DeleteMountTarget'],
  eventSources: ['elasticfilesystem.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) => {
    const what = e.eventName === DELETE_FILE_SYSTEM ? 'EFS file system' : 'EFS mount target';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to delete' : 'deleted'} ${what} ${show(subject(e), 64)} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, subject(e)),
});
