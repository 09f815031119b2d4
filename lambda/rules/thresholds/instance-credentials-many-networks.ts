// One EC2 instance's role session calling from two public networks within an hour: an instance
// calls from its own public address or its NAT gateway, not from two places at once.
import { publicNetworkOf } from '../../core/net';
import { defineThresholdRule } from '../../core/threshold';
import type { TrailEvent } from '../../core/types';
import { isInstanceCredential, viaAwsService } from '../common/actors';

/**
 * What a stolen credential is first used for, and applications rarely call: who am I allowed to be,
 * what is in the account, what secrets are there. Counting needs each event parsed, so the list is
 * kept to calls that are rare in a workload's own traffic; other calls are left unparsed.
 */
const ENUMERATION = [
  'ListBuckets',
  'GetAccountAuthorizationDetails',
  'ListUsers',
  'ListRoles',
  'ListAccessKeys',
  'ListAttachedRolePolicies',
  'ListRolePolicies',
  'GetRolePolicy',
  'ListAttachedUserPolicies',
  'ListUserPolicies',
  'ListGroupsForUser',
  'ListSecrets',
  'GetSecretValue',
  'ListFunctions20150331',
  'GetAccountSummary',
  'ListAccountAliases',
];

/** The session: role and instance, since every instance of a role has its own addresses. */
const sessionOf = (e: TrailEvent): string =>
  isInstanceCredential(e) && !viaAwsService(e) && publicNetworkOf(e.sourceIPAddress) !== ''
    ? e.actor.arn
    : '';

export const instanceCredentialsManyNetworks = defineThresholdRule({
  id: 'ec2.instance-credentials-many-networks',
  title: 'EC2 instance credentials used from two networks',
  description:
    'One EC2 instance’s role session (an instance-profile session, named after the instance) made ' +
    'enumeration or secret reads (ListBuckets, GetAccountAuthorizationDetails, IAM listings, ' +
    'ListSecrets, GetSecretValue, ...) from at least 2 public networks (IPv4 /24, IPv6 /48) within ' +
    'an hour. Private addresses (calls through VPC endpoints) are not counted. High. Which networks ' +
    'belong to AWS or to the account is not in the record: an attacker calling from another cloud ' +
    'instance counts like any other address.',
  whyItMatters:
    'An instance calls from its own public address or its NAT gateway. The same session calling from ' +
    'a second network, and listing the account while at it, has had its credentials copied off the ' +
    'instance: the signature of metadata-service theft.',
  runbook:
    'Compare the two addresses with the instance’s public address and NAT gateway. If one is foreign, ' +
    'revoke the role’s sessions (an inline deny on aws:TokenIssueTime), require IMDSv2, look for ' +
    'request forgery in the application, and review every call the foreign address made.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html',
  mitre: ['TA0006:T1552.005', 'TA0001:T1078.004'],
  eventNames: ENUMERATION,
  severity: 'high',
  threshold: 2,
  windowMs: 60 * 60_000,
  counting: 'public networks',
  keyLabel: 'used by instance session',
  // Instance sessions carry the delivery marker or the instance id as the session name.
  prefilter: ['ec2RoleDelivery', '/i-'],
  matches: (e) => sessionOf(e) !== '',
  key: sessionOf,
  distinct: (e) => publicNetworkOf(e.sourceIPAddress),
});
