// UpdateClusterConfig turning off EKS control plane log types: the Kubernetes API server, audit,
// authenticator, controller manager and scheduler logs that EKS sends to CloudWatch Logs.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { boolOf, child, objectsOf, req, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

/** The log types the request turns off: the `types` of every `clusterLogging` entry with `enabled: false`. */
function disabledTypes(e: TrailEvent): string[] {
  const logging = child(e.requestParameters, 'logging');
  const entries = objectsOf(child(logging, 'clusterLogging')).slice(0, 20);
  const types = entries
    .filter((entry) => boolOf(child(entry, 'enabled')) === false)
    .flatMap((entry) => stringsOf(child(entry, 'types')).slice(0, 20));
  return [...new Set(types)];
}

/** The Kubernetes audit log: who did what in the cluster, the log an intruder most wants gone. */
const disablesAudit = (e: TrailEvent): boolean => disabledTypes(e).some((t) => t.toLowerCase() === 'audit');

const cluster = (e: TrailEvent): string => req(e, 'name', 'clusterName');

/**
 * High when the audit log is turned off, medium for other log types. Failed: medium for what would be
 * high, low otherwise; one step lower when an AWS service made the call for the principal.
 */
const severity = (e: TrailEvent): Severity =>
  lowerFor(byOutcome(e, disablesAudit(e) ? 'high' : 'medium'), viaAwsService(e));

export default defineRule({
  id: 'eks.control-plane-logging-disabled',
  title: 'EKS control plane logging turned off',
  description:
    'A principal turned off EKS control plane log types (UpdateClusterConfig with a logging entry whose ' +
    'enabled is false). High when the audit log is among them, medium for the others (api, ' +
    'authenticator, controllerManager, scheduler). Updates that only turn logging on, or change other ' +
    'settings, are not matched. Failed calls are one level lower (medium, low); a call an AWS service ' +
    'made for the principal is one step lower, and calls by AWS itself are not matched.',
  whyItMatters:
    'The control plane logs are the record of what happened inside the cluster: the audit log names ' +
    'every Kubernetes API call and its caller. Turning them off before acting in the cluster is how an ' +
    'intruder avoids leaving that record.',
  runbook:
    'Turn the log types back on (UpdateClusterConfig with enabled true), confirm the change with the ' +
    'cluster owners, and review the cluster activity around the gap from other sources (CloudTrail ' +
    'EKS calls, node logs, GuardDuty EKS findings).',
  reference: 'https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html',
  mitre: ['TA0005:T1562.008'],
  eventNames: ['UpdateClusterConfig'],
  eventSources: ['eks.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e) && disabledTypes(e).length > 0,
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to turn off' : 'turned off'} control plane logging ` +
    `(${show(firstFew(disabledTypes(e), 5), 120)}) of EKS cluster ${show(cluster(e), 100)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('eks.control-plane-logging-disabled', e.recipientAccountId, e.awsRegion, cluster(e)),
});
