// CreateAccessEntry / AssociateAccessPolicy: an IAM principal let into an EKS cluster's Kubernetes
// API, and Kubernetes permissions given to it, through the EKS API rather than in-cluster RBAC.
import { arnAccount } from '../../core/principal';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, isForeignAccount, viaAwsService } from '../common/actors';
import { child, path, req, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

/** The access policies that make their holder an administrator of the cluster (or of its namespaces). */
const ADMIN_POLICIES = new Set(['AmazonEKSClusterAdminPolicy', 'AmazonEKSAdminPolicy']);

/** The cluster: `clusterName`, or `name` as the request path names it. */
const cluster = (e: TrailEvent): string => req(e, 'clusterName', 'name');

const principal = (e: TrailEvent): string => req(e, 'principalArn');

const policyArn = (e: TrailEvent): string => req(e, 'policyArn');

/** `arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy` -> the policy's name. */
const policyName = (e: TrailEvent): string => policyArn(e).split('/').pop() ?? '';

const isAdminPolicy = (e: TrailEvent): boolean =>
  e.eventName === 'AssociateAccessPolicy' && ADMIN_POLICIES.has(policyName(e));

/** The principal let in belongs to another account than the cluster's. */
const isForeignPrincipal = (e: TrailEvent): boolean => isForeignAccount(e, arnAccount(principal(e)));

/** ` on the whole cluster`, or ` in namespaces a, b` for a namespace-scoped association. */
function scope(e: TrailEvent): string {
  const accessScope = child(e.requestParameters, 'accessScope');
  const type = path(accessScope, 'type').toLowerCase();
  if (type === 'namespace') {
    const names = stringsOf(child(accessScope, 'namespaces'));
    return ` in namespace(s) ${show(firstFew(names), 100, 'unnamed')}`;
  }
  return type === 'cluster' ? ' on the whole cluster' : '';
}

/**
 * High for an administrator access policy (AmazonEKSClusterAdminPolicy, AmazonEKSAdminPolicy) or a
 * principal of another account; medium otherwise. Failed: medium for what would be high, low
 * otherwise; one step lower when an AWS service made the call for the principal.
 */
const severity = (e: TrailEvent): Severity =>
  lowerFor(byOutcome(e, isAdminPolicy(e) || isForeignPrincipal(e) ? 'high' : 'medium'), viaAwsService(e));

export default defineRule({
  id: 'eks.access-granted',
  title: 'EKS cluster access granted',
  description:
    'A principal created an EKS access entry for an IAM principal (CreateAccessEntry) or associated ' +
    'an access policy with one (AssociateAccessPolicy). High when the policy is ' +
    'AmazonEKSClusterAdminPolicy or AmazonEKSAdminPolicy, or when the principal let in belongs to ' +
    'another account; medium otherwise. Failed calls are medium when the success would be high, low ' +
    'otherwise; a call an AWS service made for the principal is one step lower, and calls by AWS ' +
    'itself are not matched.',
  whyItMatters:
    'Access entries map IAM identities to Kubernetes permissions from outside the cluster: with ' +
    'eks:CreateAccessEntry and eks:AssociateAccessPolicy an intruder can make any role they control a ' +
    'cluster administrator without touching RBAC objects, and keep that access after in-cluster ' +
    'credentials are rotated.',
  runbook:
    'Confirm the entry with the cluster owners (onboarding, a pipeline role). If it is not expected, ' +
    'delete the access entry (DeleteAccessEntry) or disassociate the policy (DisassociateAccessPolicy), ' +
    'review the Kubernetes audit log for what the principal did in the cluster, and rotate the ' +
    'caller credentials.',
  reference: 'https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html',
  mitre: ['TA0003:T1098.006', 'TA0004:T1098.006'],
  eventNames: ['CreateAccessEntry', 'AssociateAccessPolicy'],
  eventSources: ['eks.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const who = show(principal(e), 160);
    const where = `EKS cluster ${show(cluster(e), 100)}`;
    const foreign = isForeignPrincipal(e) ? ' (another account)' : '';
    if (e.eventName === 'CreateAccessEntry') {
      return (
        `${actorLabel(e)} ${failed(e) ? 'tried to create' : 'created'} an access entry for ${who}${foreign} ` +
        `in ${where} ${origin(e)}${outcome(e)}.`
      );
    }
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to associate' : 'associated'} access policy ` +
      `${show(policyName(e), 80, 'unnamed')} with ${who}${foreign}${scope(e)} in ${where} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('eks.access-granted', e.recipientAccountId, e.awsRegion, cluster(e), principal(e)),
});
