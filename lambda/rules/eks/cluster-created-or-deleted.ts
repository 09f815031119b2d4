// CreateCluster / DeleteCluster: a Kubernetes control plane brought up or torn down.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { child, path, req } from '../common/json';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'eks.cluster-created-or-deleted';

const cluster = (e: TrailEvent): string => req(e, 'name') || path(e.responseElements, 'cluster', 'name');

/** The IAM role a new cluster's control plane runs with. */
const role = (e: TrailEvent): string => req(e, 'roleArn');

/** A new cluster whose API endpoint the request leaves reachable from the internet. */
const publicEndpoint = (e: TrailEvent): boolean => {
  const vpc = child(e.requestParameters, 'resourcesVpcConfig');
  const flag = child(vpc, 'endpointPublicAccess');
  // The API's default is a public endpoint when the request does not say.
  return e.eventName === 'CreateCluster' && flag !== false && flag !== 'false';
};

export default defineRule({
  id: ID,
  title: 'EKS cluster created or deleted',
  description:
    'A principal created (CreateCluster) or deleted (DeleteCluster) an EKS cluster. Low: clusters come ' +
    'and go with environments, and the record is what an investigation needs; info when the call failed ' +
    'or an AWS service made it for a principal (CloudFormation, eksctl through CloudFormation). Calls by ' +
    'AWS itself are not matched. Access to a cluster (eks.access-granted) and its audit logging ' +
    '(eks.control-plane-logging-disabled) are rated on their own.',
  whyItMatters:
    'A cluster nobody planned is compute an intruder controls inside the account, with a role of its own ' +
    'and often a public API endpoint; a deleted cluster takes its workloads, and the evidence on its ' +
    'nodes, with it.',
  runbook:
    'Confirm the change with the platform team. For an unexpected cluster: review its role, endpoint ' +
    'access and access entries (DescribeCluster, ListAccessEntries), and delete it with its node groups ' +
    'if nobody owns it. For an unexpected deletion: check what ran on it and whether the caller also ' +
    'removed logs, snapshots or backups.',
  reference: 'https://docs.aws.amazon.com/eks/latest/userguide/logging-using-cloudtrail.html',
  mitre: ['TA0005:T1578.002', 'TA0040:T1485'],
  eventNames: ['CreateCluster', 'DeleteCluster'],
  eventSources: ['eks.amazonaws.com'],
  severity: (e) => lowerFor('low', failed(e) || viaAwsService(e)),
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const created = e.eventName === 'CreateCluster';
    const verb = created ? 'create' : 'delete';
    const details = created
      ? ` with role ${show(role(e), 120)}${publicEndpoint(e) ? ' and a public API endpoint' : ''}`
      : '';
    return (
      `${actorLabel(e)} ${failed(e) ? `tried to ${verb}` : `${verb}d`} EKS cluster ${show(cluster(e), 100)}` +
      `${details} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, cluster(e)),
});
