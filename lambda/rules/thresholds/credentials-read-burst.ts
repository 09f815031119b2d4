// Secret values read in a burst by one principal: credential harvesting, the step after a
// foothold (secrets, SecureString parameters decrypted, EC2 Windows passwords).
import { str } from '../../core/event';
import { principalKey } from '../../core/principal';
import { defineThresholdRule } from '../../core/threshold';
import type { TrailEvent } from '../../core/types';
import { isServiceCaller } from '../common/actors';
import { succeeded } from '../common/outcome';

const SSM_READS = new Set(['GetParameter', 'GetParameters', 'GetParametersByPath']);

/** A read that returned a secret value in clear: SSM reads only with decryption asked for. */
function returnsSecret(e: TrailEvent): boolean {
  if (!succeeded(e) || isServiceCaller(e)) return false;
  if (SSM_READS.has(e.eventName)) return e.requestParameters.withDecryption === true;
  return true;
}

/** Which secret a read returned: its name or id, or the sorted list a batch read named. */
function secretOf(e: TrailEvent): string {
  const p = e.requestParameters;
  const list = (value: unknown) =>
    Array.isArray(value)
      ? value
          .map((v) => str(v))
          .filter(Boolean)
          .sort()
          .join(',')
      : '';
  const id =
    str(p.secretId) ||
    str(p.name) ||
    str(p.path) ||
    str(p.instanceId) ||
    list(p.names) ||
    list(p.secretIdList) ||
    (p.filters === undefined ? '' : JSON.stringify(p.filters));
  // Unknown: the read counts on its own, as a secret nobody else read.
  return id === '' ? '' : `${e.eventSource}:${id}`;
}

export const credentialsReadBurst = defineThresholdRule({
  id: 'credentials.read-burst',
  title: 'Burst of secret reads by one principal',
  description:
    'At least 20 distinct secrets read in clear by the same principal (a role counts as one, ' +
    'whatever its session names; an IAM Identity Center role once per person) within a 15-minute ' +
    'window: Secrets Manager GetSecretValue and ' +
    'BatchGetSecretValue, SSM GetParameter(s)/GetParametersByPath with decryption, and EC2 ' +
    'GetPasswordData. Distinct secrets, not reads: an application reading its own secret without ' +
    'caching never reaches it. Medium: a Terraform plan or a configuration-heavy start-up reads many ' +
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
  eventNames: ['GetSecretValue', 'BatchGetSecretValue', ...SSM_READS, 'GetPasswordData'],
  eventSources: ['secretsmanager.amazonaws.com', 'ssm.amazonaws.com', 'ec2.amazonaws.com'],
  severity: 'medium',
  threshold: 20,
  windowMs: 15 * 60_000,
  counting: 'distinct secrets read',
  keyLabel: 'by',
  matches: returnsSecret,
  key: principalKey,
  distinct: secretOf,
});
