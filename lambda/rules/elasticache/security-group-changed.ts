// ElastiCache cache security groups: which EC2 security groups may reach a cache cluster.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, isForeignAccount, viaAwsService } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'elasticache.security-group-changed';

/** Each call, as a verb: what it does, and what it did. */
const VERBS: Readonly<Record<string, readonly [string, string]>> = {
  CreateCacheSecurityGroup: ['create', 'created'],
  DeleteCacheSecurityGroup: ['delete', 'deleted'],
  AuthorizeCacheSecurityGroupIngress: ['allow', 'allowed'],
  RevokeCacheSecurityGroupIngress: ['revoke', 'revoked'],
};

const group = (e: TrailEvent): string => req(e, 'cacheSecurityGroupName');

/** The EC2 security group let in or out, and the account that owns it. */
const ec2Group = (e: TrailEvent): string => req(e, 'eC2SecurityGroupName', 'ec2SecurityGroupName');
const ec2Owner = (e: TrailEvent): string => req(e, 'eC2SecurityGroupOwnerId', 'ec2SecurityGroupOwnerId');

/** Ingress granted to a security group of another account: that account's instances reach the cache. */
const foreignIngress = (e: TrailEvent): boolean =>
  e.eventName === 'AuthorizeCacheSecurityGroupIngress' && isForeignAccount(e, ec2Owner(e).trim());

/** Low; medium when another account's group is let in. One step lower when failed or made through an AWS service. */
function severity(e: TrailEvent): Severity {
  return lowerFor(foreignIngress(e) ? 'medium' : 'low', failed(e) || viaAwsService(e));
}

function explain(e: TrailEvent): string {
  const [verb, done] = VERBS[e.eventName] ?? ['change', 'changed'];
  const action = failed(e) ? `tried to ${verb}` : done;
  const ingress =
    e.eventName === 'AuthorizeCacheSecurityGroupIngress' || e.eventName === 'RevokeCacheSecurityGroupIngress'
      ? ` EC2 security group ${show(ec2Group(e), 80)} of account ${show(ec2Owner(e), 16)} ${
          e.eventName === 'AuthorizeCacheSecurityGroupIngress' ? 'into' : 'from'
        }`
      : '';
  return `${actorLabel(e)} ${action}${ingress} cache security group ${show(group(e), 80)} ${origin(e)}${outcome(e)}.`;
}

export default defineRule({
  id: ID,
  title: 'ElastiCache cache security group changed',
  description:
    'A principal created or deleted an ElastiCache cache security group, or allowed or revoked an EC2 ' +
    'security group in one (CreateCacheSecurityGroup, DeleteCacheSecurityGroup, ' +
    'AuthorizeCacheSecurityGroupIngress, RevokeCacheSecurityGroupIngress). Low; medium when the group let ' +
    'in belongs to another account. One step lower when the call failed or an AWS service made it for a ' +
    'principal; calls by AWS itself are not matched. Cache security groups only serve clusters outside a ' +
    'VPC (EC2-Classic), so any change in a current account is unusual.',
  whyItMatters:
    'A cache security group decides which instances may connect to Redis or Memcached, which rarely ask ' +
    'for a password; letting in another account’s security group lets that account read and write the ' +
    'cache.',
  runbook:
    'Check the cache security group (DescribeCacheSecurityGroups) against the infrastructure code. If the ' +
    'change is not expected, revoke the ingress, find the owner of the EC2 security group let in, and ' +
    'review the cache’s connections and the caller’s other calls.',
  reference:
    'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_AuthorizeCacheSecurityGroupIngress.html',
  mitre: ['TA0005:T1562.007'],
  eventNames: Object.keys(VERBS),
  eventSources: ['elasticache.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, group(e)),
});
