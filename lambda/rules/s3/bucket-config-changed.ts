// Bucket configuration that decides who reads the data, where it is copied and how long it
// lives (CIS / Security Hub CloudWatch.8 beside bucket policies and ACLs).
import { isObject, obj, str } from '../../core/event';
import { arnAccount } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { JsonObject, Severity, TrailEvent } from '../../core/types';
import { actorLabel, isForeignAccount, viaAwsService } from '../common/actors';
import { listOf, param } from '../common/json';
import { failed } from '../common/outcome';
import { lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** `Rule` entries of a configuration block (S3 records one rule as an object, several as a list). */
const rulesOf = (e: TrailEvent, block: string): JsonObject[] =>
  listOf(obj(e.requestParameters[block]).Rule).filter(isObject);

/** Destination accounts of replication rules that are not the bucket's account. */
function foreignReplicaAccounts(e: TrailEvent): string[] {
  if (e.eventName !== 'PutBucketReplication') return [];
  return rulesOf(e, 'ReplicationConfiguration')
    .map((rule) => str(obj(rule.Destination).Account))
    .filter((account) => isForeignAccount(e, account));
}

/** Default-encryption keys that belong to another account (objects then need that account's key). */
function foreignEncryptionKeys(e: TrailEvent): string[] {
  if (e.eventName !== 'PutBucketEncryption') return [];
  return rulesOf(e, 'ServerSideEncryptionConfiguration')
    .map((rule) => str(obj(rule.ApplyServerSideEncryptionByDefault).KMSMasterKeyID))
    .filter((key) => isForeignAccount(e, arnAccount(key)));
}

/** The shortest expiry, in days, of the enabled lifecycle rules; '' when there is none. */
function shortestExpiry(e: TrailEvent): string {
  if (e.eventName !== 'PutBucketLifecycle') return '';
  const days = rulesOf(e, 'LifecycleConfiguration')
    .filter((rule) => str(rule.Status) === 'Enabled')
    .map((rule) => Number(str(obj(rule.Expiration).Days)))
    .filter((d) => Number.isFinite(d) && d > 0);
  return days.length > 0 ? String(Math.min(...days)) : '';
}

const crossAccount = (e: TrailEvent): boolean =>
  foreignReplicaAccounts(e).length > 0 || foreignEncryptionKeys(e).length > 0;

/**
 * Changes that are routine or remove less than they add: default encryption (stacks set it for every
 * bucket), and deleting the CORS or lifecycle configuration (cross-origin access withdrawn, objects kept
 * longer than before).
 */
const ROUTINE = new Set(['PutBucketEncryption', 'DeleteBucketCors', 'DeleteBucketLifecycle']);

function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'low';
  // Setting default encryption is routine unless the key is foreign.
  const base: Severity = crossAccount(e) ? 'high' : ROUTINE.has(e.eventName) ? 'low' : 'medium';
  return viaAwsService(e) ? lower(base) : base;
}

const ACTIONS: ReadonlyMap<string, string> = new Map([
  ['DeleteBucketPolicy', 'deleted the policy of'],
  ['PutBucketCors', 'changed the CORS configuration of'],
  ['DeleteBucketCors', 'deleted the CORS configuration of'],
  ['PutBucketLifecycle', 'changed the lifecycle rules of'],
  ['DeleteBucketLifecycle', 'deleted the lifecycle rules of'],
  ['PutBucketReplication', 'changed the replication of'],
  ['DeleteBucketReplication', 'deleted the replication of'],
  ['PutBucketEncryption', 'changed the default encryption of'],
  ['DeleteBucketEncryption', 'deleted the default encryption of'],
]);

function detail(e: TrailEvent): string {
  const replicas = foreignReplicaAccounts(e);
  if (replicas.length > 0) return `, replicating to account ${show(replicas[0], 16)}`;
  const keys = foreignEncryptionKeys(e);
  if (keys.length > 0) return `, encrypting with a key of account ${show(arnAccount(keys[0] ?? ''), 16)}`;
  const expiry = shortestExpiry(e);
  return expiry ? `, expiring objects after ${show(expiry, 8)} day${expiry === '1' ? '' : 's'}` : '';
}

export default defineRule({
  id: 's3.bucket-config-changed',
  title: 'S3 bucket configuration changed',
  description:
    'A principal deleted a bucket policy, changed or deleted CORS or lifecycle rules, changed or ' +
    'deleted replication, or changed or deleted default encryption. High when replication copies objects ' +
    'to another account or default encryption uses a KMS key of another account; low for other ' +
    'default-encryption settings and for deleting the CORS or lifecycle configuration (the bucket then ' +
    'allows less, or keeps objects longer); medium otherwise. One step lower when an AWS service made the ' +
    'call (CloudFormation); failed calls are low. PutBucketPolicy (s3.bucket-policy-changed), ' +
    'PutBucketAcl (s3.bucket-acl-changed) and Block Public Access are other rules.',
  whyItMatters:
    'Replication to a foreign account copies every new object out; a foreign encryption key lets ' +
    'another account hold the data to ransom; a short lifecycle rule or a deleted replication ' +
    'quietly destroys data or its backup.',
  runbook:
    'Confirm the change with the bucket owner. If it is not expected, restore the previous ' +
    'configuration from infrastructure code, remove foreign replication destinations or keys, and ' +
    'check what was replicated or expired since (S3 Inventory, replication metrics, server access ' +
    'logs).',
  reference: 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html',
  mitre: ['TA0010:T1537', 'TA0040:T1485', 'TA0040:T1486'],
  cis: ['CloudWatch.8'],
  eventNames: [...ACTIONS.keys()],
  eventSources: ['s3.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} ${ACTIONS.get(e.eventName) ?? 'changed the configuration of'} S3 bucket ` +
    `${show(param(e, 'bucketName'), 80)}${detail(e)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('s3.bucket-config-changed', e.recipientAccountId, e.eventName, param(e, 'bucketName')),
});
