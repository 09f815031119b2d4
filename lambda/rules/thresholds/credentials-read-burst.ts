// Secret values read in a burst by one principal: credential harvesting, the step after a
// foothold (secrets, SecureString parameters decrypted, EC2 Windows passwords).
import { str } from '../../core/event';
import { principalKey } from '../../core/principal';
import { defineThresholdRule } from '../../core/threshold';
import type { TrailEvent } from '../../core/types';
import { isServiceCaller } from '../common/actors';

const SSM_READS = new Set(['GetParameter', 'GetParameters', 'GetParametersByPath']);

/** `DescribeInstanceAttribute` asking for an instance's user data, where bootstrap secrets live. */
const readsUserData = (e: TrailEvent): boolean =>
  e.eventName === 'DescribeInstanceAttribute' && str(e.requestParameters.attribute).trim() === 'userData';

/**
 * A read that asked for a secret value in clear, allowed or refused: SSM reads only with decryption
 * asked for, instance attributes only the user data. A refused read counts too: sweeping every
 * secret and being refused on most is the same intrusion, found by the same count.
 */
function asksForSecret(e: TrailEvent): boolean {
  if (isServiceCaller(e)) return false;
  if (SSM_READS.has(e.eventName)) return e.requestParameters.withDecryption === true;
  if (e.eventName === 'DescribeInstanceAttribute') return readsUserData(e);
  return true;
}

const names = (value: unknown): string[] =>
  Array.isArray(value) ? value.map((v) => str(v).trim()).filter(Boolean) : [];

/**
 * Which secrets a read asked for, each counted on its own: a GetParameters of 10 names or a
 * BatchGetSecretValue of 20 ids is 10 or 20 reads. A filtered batch read counts as its filter.
 * None known: the read counts on its own, as a secret nobody else read.
 */
function secretsOf(e: TrailEvent): string[] {
  const p = e.requestParameters;
  const listed = [...names(p.names), ...names(p.secretIdList)];
  const single =
    str(p.secretId) ||
    str(p.name) ||
    str(p.path) ||
    str(p.instanceId) ||
    (p.filters === undefined ? '' : JSON.stringify(p.filters));
  const ids = listed.length > 0 ? listed : single === '' ? [] : [single];
  return ids.map((id) => `${e.eventSource}:${id}`);
}

export const credentialsReadBurst = defineThresholdRule({
  id: 'credentials.read-burst',
  title: 'Burst of secret reads by one principal',
  description:
    'At least 20 distinct secrets asked for in clear by the same principal (a role counts as one, ' +
    'whatever its session names; an IAM Identity Center role once per person) within a 15-minute ' +
    'window: Secrets Manager GetSecretValue and BatchGetSecretValue, SSM GetParameter(s) and ' +
    'GetParametersByPath with decryption, EC2 GetPasswordData and user-data reads ' +
    '(DescribeInstanceAttribute). Refused reads count too, and each name of a batch read counts on ' +
    'its own. Distinct secrets, not reads: an application reading its own secret without caching ' +
    'never reaches it. Medium: a Terraform plan or a configuration-heavy start-up reads many ' +
    'secrets too, so the burst is recorded and shown, and pages only with minSeverity medium. Reads ' +
    'made by AWS services are not counted.',
  whyItMatters:
    'Collecting every secret an account holds is what an intruder does right after getting in; a ' +
    'person or a new principal reading dozens of secrets in minutes is rarely anything else.',
  runbook:
    'Identify the principal and what normally runs as it. If the burst is not its usual behaviour, ' +
    'list the secrets it read (the events in the window), rotate them, and revoke its sessions or ' +
    'deactivate its access key.',
  reference: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-cloudtrail.html',
  mitre: ['TA0006:T1555.006', 'TA0006:T1552'],
  eventNames: [
    'GetSecretValue',
    'BatchGetSecretValue',
    ...SSM_READS,
    'GetPasswordData',
    'DescribeInstanceAttribute',
  ],
  eventSources: ['secretsmanager.amazonaws.com', 'ssm.amazonaws.com', 'ec2.amazonaws.com'],
  severity: 'medium',
  threshold: 20,
  windowMs: 15 * 60_000,
  counting: 'distinct secrets asked for (refused ones included)',
  keyLabel: 'by',
  // Only what can ask for a secret value: a Secrets Manager read, an SSM read naming decryption, a
  // user-data attribute, a Windows password. Other SSM parameter reads stay unparsed.
  prefilter: ['secretsmanager.amazonaws.com', 'withDecryption', 'userData', 'GetPasswordData'],
  matches: asksForSecret,
  key: principalKey,
  distinct: secretsOf,
});
