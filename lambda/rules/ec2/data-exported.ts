// Whole disks leaving through EC2's own export paths: an instance or an AMI written to S3 as a
// disk image (CreateInstanceExportTask, ExportImage) or an AMI stored as an S3 object
// (CreateStoreImageTask).
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { child, req } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'ec2.data-exported';

const WHAT: ReadonlyMap<string, string> = new Map([
  ['CreateInstanceExportTask', 'instance'],
  ['ExportImage', 'AMI'],
  ['CreateStoreImageTask', 'AMI'],
]);

/** The instance or image exported. */
const source = (e: TrailEvent): string => req(e, 'instanceId', 'imageId');

/** The destination bucket, wherever the request shape keeps it (field names in any letter case). */
function bucket(e: TrailEvent): string {
  const nested = (key: string): string => str(child(child(e.requestParameters, key), 's3Bucket'));
  return nested('exportToS3') || nested('s3ExportLocation') || req(e, 'bucket');
}

/**
 * Medium: these calls name a bucket but not its owner, so an export to another account's bucket
 * cannot be told from one to the caller's own. One step lower when an AWS service made the call;
 * failed calls are low.
 */
const severity = (e: TrailEvent): Severity => judgeChange(e, 'medium');

export default defineRule({
  id: ID,
  title: 'EC2 instance or AMI exported to S3',
  description:
    'A principal exported an EC2 instance (CreateInstanceExportTask) or an AMI (ExportImage) as a ' +
    'disk image to S3, or stored an AMI as an S3 object (CreateStoreImageTask). Medium: the ' +
    'requests name the destination bucket, which the alert shows, but not its owner, so an export ' +
    'to a bucket of another account cannot be told apart. One step lower when an AWS service made ' +
    'the call; failed calls are low.',
  whyItMatters:
    'An exported disk image holds everything on the volumes: data, configuration files, keys and ' +
    'credentials. Written to a bucket the attacker can read, it leaves the account whole, ready to ' +
    'be mounted elsewhere.',
  runbook:
    'Confirm the export with the owner of the instance or image (DescribeExportTasks, ' +
    'DescribeExportImageTasks, DescribeStoreImageTasks show the bucket and progress). If it is not ' +
    'expected: cancel it (CancelExportTask), check who owns the bucket and delete the objects if ' +
    'the bucket is yours, rotate any secret stored on the disks, and restrict the caller.',
  reference: 'https://docs.aws.amazon.com/vm-import/latest/userguide/vmexport.html',
  mitre: ['TA0010:T1537', 'TA0009:T1530'],
  eventNames: [...WHAT.keys()],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to export' : 'exported'} ${WHAT.get(e.eventName) ?? 'disk'} ` +
    `${show(source(e), 64)} to S3 bucket ${show(bucket(e), 64)} with ${show(e.eventName, 32)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, source(e), bucket(e)),
});
