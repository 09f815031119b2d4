// ListBuckets by an IAM user's key or root: the first look around of a leaked long-term credential.
import { defineRule } from '../../core/rule';
import { creatorLabel, isKeyHolderOrRoot, isServiceCaller } from '../common/actors';
import { failed } from '../common/outcome';
import { dedup, origin, outcome } from '../common/text';

const ID = 's3.buckets-listed';

export default defineRule({
  id: ID,
  title: 'S3 buckets listed with a long-term key or as root',
  description:
    'A principal that is not a role session listed every bucket of the account (ListBuckets): an IAM ' +
    'user calling with its long-term access key (or a session made from it outside the console) or the ' +
    'root user. Low, refused calls included (a stolen key with no S3 rights still tries). Role sessions ' +
    '(applications, pipelines, IAM Identity Center users) list buckets all day and are not matched, nor ' +
    'are IAM users in the console, whose S3 page lists the buckets on every visit, nor calls by AWS ' +
    'services. The engine parses ListBuckets only when its record names an IAM user, a federated user or ' +
    'root.',
  whyItMatters:
    'Listing the buckets is the first thing done with a leaked access key: it shows what data the ' +
    'account holds and whether the key can reach it. Workloads rarely use long-term keys, so one that ' +
    'does is worth knowing about.',
  runbook:
    'Identify who owns the key (the user’s tags, the key’s last use) and whether the call came from a ' +
    'place they work from. If not, deactivate the key (UpdateAccessKey), and review what else it did: ' +
    'object reads, bucket policy changes, and other listing calls.',
  reference: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html',
  mitre: ['TA0007:T1619', 'TA0007:T1580'],
  eventNames: ['ListBuckets'],
  eventSources: ['s3.amazonaws.com'],
  // ListBuckets is one of the most frequent reads; only records naming these callers are parsed.
  prefilter: ['"IAMUser"', '"Root"', '"FederatedUser"'],
  severity: 'low',
  matches: (e) => isKeyHolderOrRoot(e) && !isServiceCaller(e),
  explain: (e) => {
    const how =
      e.actor.type === 'Root'
        ? ''
        : e.actor.type === 'FederatedUser'
          ? ' with a session made from an IAM user’s access key'
          : ' with an IAM user’s access key';
    return (
      `${creatorLabel(e)} ${failed(e) ? 'tried to list' : 'listed'} the account’s S3 buckets${how} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.actor.arn || e.actor.principalId),
});
