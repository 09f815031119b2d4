// An EC2 instance's credentials used where an instance does not run: from a desktop or an attack
// distribution, or the instance identity role calling APIs it exists only to identify the
// instance to. Every-event, pre-filtered on those markers so that other events stay unparsed.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isInstanceCredential, isInstanceIdentityRole, viaAwsService } from '../common/actors';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/**
 * Clients no EC2 instance runs: macOS or Darwin builds of the AWS CLI and SDKs (EC2 Mac hosts are
 * rare enough to suppress by name), and Kali or Parrot, the attack distributions. The user agent is
 * the caller's own text: this finds the careless, and says nothing of a caller who writes a usual one.
 */
const DESKTOP_MARKERS = ['os/macos', 'os/darwin', 'Darwin/', 'kali', 'Kali', 'parrot', 'Parrot'];
const DESKTOP = /os\/macos|os\/darwin|Darwin\/|(?:^|[^a-z])(?:kali|parrot)(?:[^a-z]|$)/i;

/** What the instance identity role is for: SSM and its channels learning which instance calls. */
const IDENTITY_ROLE_SOURCES = new Set([
  'ssm.amazonaws.com',
  'ssmmessages.amazonaws.com',
  'ec2messages.amazonaws.com',
]);

type Misuse = 'identity-role' | 'desktop' | undefined;

function misuse(e: TrailEvent): Misuse {
  // Called for every parsed event: the cheap tests first.
  const identityRole = e.actor.arn.includes('aws:ec2-instance/');
  if (!identityRole && !DESKTOP.test(e.userAgent)) return undefined;
  if (!isInstanceCredential(e) || viaAwsService(e)) return undefined;
  if (isInstanceIdentityRole(e) && !IDENTITY_ROLE_SOURCES.has(e.eventSource)) return 'identity-role';
  return DESKTOP.test(e.userAgent) ? 'desktop' : undefined;
}

export default defineRule({
  id: 'ec2.instance-credentials-misused',
  title: 'EC2 instance credentials used off the instance',
  description:
    'A call made with an EC2 instance’s role credentials (delivered by the instance metadata ' +
    'service, or a session named after the instance) from a client no instance runs: a macOS or ' +
    'Darwin build of the AWS CLI or an SDK, or Kali or Parrot Linux; or a call by the instance ' +
    'identity role (aws:ec2-instance) to any service but Systems Manager, which is all it exists ' +
    'for. High; a refused call medium. Calls made through AWS services are not matched. Credentials ' +
    'copied to another server that sends a usual user agent cannot be told from the record alone: ' +
    'ec2.instance-credentials-many-networks counts the networks a session calls from, and ' +
    'anomaly.first-seen notes a network the role has not used.',
  whyItMatters:
    'Instance credentials are the most stolen AWS credentials: a server-side request forgery or a ' +
    'foothold on the host reads them from the metadata service, and they work from anywhere until ' +
    'they expire. Seen from a laptop or an attack distribution, they have left the instance.',
  runbook:
    'Find the instance (the session name is its id) and who can reach its metadata service. Revoke ' +
    'the role’s active sessions (an inline deny on aws:TokenIssueTime), require IMDSv2 on the ' +
    'instance, look for request forgery in the application logs, and review what the role did ' +
    'from the outside address.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html',
  mitre: ['TA0006:T1552.005', 'TA0001:T1078.004'],
  eventNames: [],
  everyEvent: { identityIncludes: ['aws:ec2-instance'], agentIncludes: DESKTOP_MARKERS },
  severity: (e) => byOutcome(e, 'high'),
  matches: (e) => misuse(e) !== undefined,
  explain: (e) => {
    const did = `${failed(e) ? 'tried' : 'called'} ${show(e.eventName, 80)}`;
    return misuse(e) === 'identity-role'
      ? `The instance identity role of ${show(e.actor.userName, 40)} ${did} on ${show(e.eventSource, 60)}, ` +
          `a service it is not for, ${origin(e)}${outcome(e)}.`
      : `${actorLabel(e)}, an EC2 instance's credentials, ${did} from client ${show(e.userAgent, 100)} ` +
          `${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) => dedup('ec2.instance-credentials-misused', e.recipientAccountId, e.actor.arn),
});
