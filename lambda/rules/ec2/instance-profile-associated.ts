// AssociateIamInstanceProfile / ReplaceIamInstanceProfileAssociation (EC2) and AddRoleToInstanceProfile
// (IAM): a role handed to compute, whose code then runs with the role's permissions.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { JsonValue, Severity, TrailEvent } from '../../core/types';
import { actorLabel, callerKind, isAwsItself, isKeyHolderOrRoot, viaAwsService } from '../common/actors';
import { child, param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** EC2 records these two calls' parameters under the request's name: `{ AssociateIamInstanceProfileRequest: {...} }`. */
function ec2Request(e: TrailEvent): JsonValue | undefined {
  return child(e.requestParameters, `${e.eventName}Request`) ?? e.requestParameters;
}

/** The instance profile: its name or ARN (EC2), or `instanceProfileName` (IAM). */
function profile(e: TrailEvent): string {
  if (e.eventName === 'AddRoleToInstanceProfile') return param(e, 'instanceProfileName');
  const spec = child(ec2Request(e), 'IamInstanceProfile');
  return str(child(spec, 'Arn')) || str(child(spec, 'Name'));
}

const instanceId = (e: TrailEvent): string => str(child(ec2Request(e), 'InstanceId'));
const associationId = (e: TrailEvent): string => str(child(ec2Request(e), 'AssociationId'));

/**
 * Medium; high when a key holder or root makes the call (`callerKind`). Failed:
 * medium for what would be high, low otherwise; one step lower when an AWS service made the call
 * for the principal (CloudFormation, Elastic Beanstalk).
 */
const severity = (e: TrailEvent): Severity =>
  lowerFor(byOutcome(e, isKeyHolderOrRoot(e) ? 'high' : 'medium'), viaAwsService(e));

function what(e: TrailEvent): string {
  const p = show(profile(e), 160, 'unnamed');
  const tried = failed(e);
  switch (e.eventName) {
    case 'AddRoleToInstanceProfile':
      return `${tried ? 'tried to add' : 'added'} role ${show(param(e, 'roleName'), 64)} to instance profile ${p}`;
    case 'ReplaceIamInstanceProfileAssociation':
      return (
        `${tried ? 'tried to replace' : 'replaced'} the instance profile of association ` +
        `${show(associationId(e), 48)} with ${p}`
      );
    default:
      return `${tried ? 'tried to attach' : 'attached'} instance profile ${p} to instance ${show(instanceId(e), 40)}`;
  }
}

export default defineRule({
  id: 'ec2.instance-profile-associated',
  title: 'IAM role passed to an EC2 instance',
  description:
    'A principal attached an instance profile to an EC2 instance (AssociateIamInstanceProfile), ' +
    'replaced an instance’s profile (ReplaceIamInstanceProfileAssociation) or put a role into an ' +
    'instance profile (AddRoleToInstanceProfile). Medium; high when the caller is a key holder (an ' +
    'IAM user’s long-term access key, or a session made from it outside the console) or root, as a ' +
    'leaked key is used. Failed ' +
    'calls are medium when the success would be high, low otherwise; a call an AWS service made for ' +
    'the principal is one step lower, and calls by AWS itself are not matched.',
  whyItMatters:
    'Passing a role to compute is a privilege escalation path: whoever runs code on the instance (user ' +
    'data, SSM, SSH) reads the role’s credentials from the instance metadata service and acts with the ' +
    'role’s permissions, which may be far wider than the caller’s own.',
  runbook:
    'Check that the role and instance belong together (a deployment, an approved change). If not, ' +
    'disassociate the profile (DisassociateIamInstanceProfile) or remove the role from it ' +
    '(RemoveRoleFromInstanceProfile), review the role’s calls from the instance since, and find out ' +
    'how the caller got iam:PassRole on that role.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateIamInstanceProfile.html',
  mitre: ['TA0004:T1098'],
  eventNames: [
    'AssociateIamInstanceProfile',
    'ReplaceIamInstanceProfileAssociation',
    'AddRoleToInstanceProfile',
  ],
  eventSources: ['ec2.amazonaws.com', 'iam.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const key =
      callerKind(e) === 'key-holder'
        ? ` with access key ${show(e.actor.accessKeyId, 32)} outside the console`
        : '';
    return `${actorLabel(e)} ${what(e)}${key} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) =>
    dedup(
      'ec2.instance-profile-associated',
      e.recipientAccountId,
      e.eventName === 'AddRoleToInstanceProfile' ? '' : e.awsRegion,
      instanceId(e) || associationId(e) || profile(e),
    ),
});
