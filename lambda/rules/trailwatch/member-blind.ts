// A member account and region of a watched organization that trailwatch has not read for too
// long. Not a CloudTrail call: the dispatcher records it (source trailwatch.internal, which AWS
// never writes) when a pair's lag passes the limit, once per episode.
import { BLIND_EVENT, NOTICE_SOURCE } from '../../core/organization';
import { defineRule } from '../../core/rule';
import { child, path } from '../common/json';
import { dedup, show } from '../common/text';

const ID = 'trailwatch.member-blind';

export default defineRule({
  id: ID,
  title: 'trailwatch blind to a member account',
  description:
    'In organization mode, the dispatcher found that one member account and region has not been read ' +
    'for longer than the lag alarm threshold (30 minutes by default): its worker keeps failing (the ' +
    'member role missing or changed, access denied, CloudTrail failing) or falls behind. One alert per ' +
    'episode, naming the account, its OU, how long it has been blind and the last error; it is clear ' +
    'again once the pair trails by less than half the threshold.',
  whyItMatters:
    'Nothing that happens in that account and region is detected until it is read again; an attacker ' +
    'who deletes or edits the member role blinds trailwatch to the account before acting in it.',
  runbook:
    'Read the last error in the alert. If the member role is missing or its trust changed, check the ' +
    "StackSet's instance for the account (CloudFormation console, StackSets) and the account's own Event " +
    'history for DeleteRole or UpdateAssumeRolePolicy on the role, then redeploy the StackSet instance. If ' +
    "the worker is throttled or timing out, see the worker's logs for the pair. Once it is read again, " +
    'trailwatch catches up from its cursor: events from the blind time are scored then, up to 90 days back.',
  reference:
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-manage-auto-deployment.html',
  mitre: ['TA0005:T1562.008'],
  eventNames: [BLIND_EVENT],
  severity: () => 'high',
  // Not listed as an event source: the catalogue's sources are AWS endpoints; the check is here.
  matches: (e) => e.eventSource === NOTICE_SOURCE,
  explain: (e) => {
    const details = child(e.raw, 'serviceEventDetails');
    const name = path(details, 'accountName');
    const ou = path(details, 'ouPath');
    const lastError = path(details, 'lastError');
    const minutes = Number(child(details, 'lagMinutes'));
    return (
      `trailwatch has not read account ${show(e.recipientAccountId, 32)}` +
      `${name ? ` (${show(name, 64)}${ou ? `, ${show(ou, 120)}` : ''})` : ''} in ${show(e.awsRegion, 32)} ` +
      `for ${Number.isFinite(minutes) ? minutes : '?'} minutes` +
      `${lastError ? `; last error: ${show(lastError, 200)}` : '; no run has finished for it'}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion),
});
