// ModifyImageAttribute: an AMI's launchPermission, who may launch (and so copy) the image.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isAwsItself } from '../common/actors';
import { readShare, type Share } from '../common/ec2-sharing';
import { param } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, firstFew, origin, outcome, show } from '../common/text';

const share = (e: TrailEvent): Share => readShare(e.requestParameters.launchPermission, homeAccount(e));

function exposure(s: Share): Severity | undefined {
  if (s.public) return 'critical';
  if (s.accounts.length > 0) return 'high';
  if (s.organizations.length > 0) return 'medium';
  return undefined;
}

const severity = (e: TrailEvent): Severity => byOutcome(e, exposure(share(e)) ?? 'medium');

function whom(s: Share): string {
  if (s.public) return 'everyone (public)';
  if (s.accounts.length > 0) return `account(s) ${show(firstFew(s.accounts), 80)}`;
  return `organization(s) ${show(firstFew(s.organizations, 1), 120)}`;
}

export default defineRule({
  id: 'ec2.ami-shared',
  title: 'AMI shared',
  description:
    'A principal added launch permission to an AMI (ModifyImageAttribute, launchPermission). ' +
    'Critical when it is made public (group "all"), high when shared with other accounts, medium when ' +
    'shared with an organization or OU; failed attempts are one step lower. Removals, other ' +
    'attributes (description, ...) and calls by AWS itself are not matched.',
  whyItMatters:
    'An AMI carries the full disks of the instance it was made from; once shared, the receiving ' +
    'accounts can launch or copy it and read everything baked in, secrets included.',
  runbook:
    'Check whether the receivers are your own accounts or a known partner. If not, remove the launch ' +
    'permission (ModifyImageAttribute with remove, or ResetImageAttribute), check that public ' +
    'sharing is blocked (EnableImageBlockPublicAccess), and rotate any secret the image contains.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html',
  mitre: ['TA0010:T1537'],
  eventNames: ['ModifyImageAttribute'],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e) && exposure(share(e)) !== undefined,
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to share' : 'shared'} AMI ${show(param(e, 'imageId'), 40)} ` +
    `with ${whom(share(e))} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('ec2.ami-shared', e.recipientAccountId, e.awsRegion, param(e, 'imageId')),
});
