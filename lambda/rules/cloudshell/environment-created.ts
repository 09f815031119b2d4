// A CloudShell environment created: a shell in the browser, with the console session's credentials
// and the AWS CLI ready, created the first time someone opens CloudShell in a region.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, callerKind } from '../common/actors';
import { path } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'cloudshell.environment-created';

/**
 * High for root: nothing routine needs a shell as root. Medium for everyone else: console users
 * open CloudShell as a matter of course, and a new environment appears whenever one of them first
 * uses it in a region, so paging on each would teach people to ignore it; the alert is there to be
 * read with what the session did next (iam.write-from-cloudshell). A refused call is low.
 */
function severity(e: TrailEvent): Severity {
  if (failed(e)) return 'low';
  return callerKind(e) === 'root' ? 'high' : 'medium';
}

const environment = (e: TrailEvent): string =>
  path(e.responseElements, 'EnvironmentId') || path(e.responseElements, 'environmentId');

export default defineRule({
  id: ID,
  title: 'CloudShell environment created',
  description:
    'A principal created an AWS CloudShell environment (CreateEnvironment), which happens the first ' +
    'time it opens CloudShell in a region. High for root; medium for anyone else, because console ' +
    'users open CloudShell routinely and a page for each would be noise; low when the call was ' +
    'refused. Calls an AWS service made are not matched. What the shell then did is for other rules ' +
    '(iam.write-from-cloudshell and the rules of each call).',
  whyItMatters:
    'CloudShell gives whoever holds a console session a ready command line with that session’s ' +
    'credentials, no local tools or keys needed. Intruders who take over a console session use it to ' +
    'script their way through the account, and the calls it makes look like ordinary CLI use.',
  runbook:
    'Check that the console sign-in behind the session is expected (the sign-in’s address, MFA and ' +
    'time). If not, end the session (revoke the role’s sessions or reset the user’s password), delete ' +
    'the CloudShell environment, and review the calls made from it (user agent exec-env/CloudShell).',
  reference: 'https://docs.aws.amazon.com/cloudshell/latest/userguide/logging-and-monitoring.html',
  mitre: ['TA0002:T1059.009', 'TA0001:T1078.004'],
  eventNames: ['CreateEnvironment'],
  eventSources: ['cloudshell.amazonaws.com'],
  severity,
  matches: (e) => callerKind(e) !== 'aws',
  explain: (e) => {
    const id = environment(e);
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to create' : 'created'} a CloudShell environment` +
      `${id === '' ? '' : ` ${show(id, 48)}`} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, e.actor.arn || e.actor.principalId),
});
