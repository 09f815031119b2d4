// An SES sending identity deleted: after abusing a verified domain or address, removing it hides
// what was sent from it and stops its bounce and complaint notifications.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'ses.identity-deleted';

/** The identity: `identity` (SES v1) or `emailIdentity` (SES v2), a domain or an address. */
const identity = (e: TrailEvent): string => req(e, 'identity', 'emailIdentity');

/** Medium; one step lower when an AWS service made the call; failed calls are low. */
const severity = (e: TrailEvent): Severity => judgeChange(e, 'medium');

export default defineRule({
  id: ID,
  title: 'SES identity deleted',
  description:
    'A principal deleted an Amazon SES verified identity, a domain or an email address ' +
    '(DeleteIdentity in SES v1, DeleteEmailIdentity in SES v2). Medium; one step lower when an AWS ' +
    'service made the call (a CloudFormation stack deletion); failed calls are low.',
  whyItMatters:
    'Attackers who send spam or phishing through a stolen account often delete the identities they ' +
    'used when they are done: the identity, its DKIM setup and its notifications go, and with them ' +
    'the easy view of what was sent. Deleting the organisation’s own domain identity also stops its ' +
    'legitimate mail.',
  runbook:
    'Confirm with the owner of the mail setup. If it is not expected: look for SendEmail, ' +
    'SendRawEmail and identity creation calls by the same principal (and the sending statistics of ' +
    'the account), verify the identity again if it is yours, rotate the caller credentials, and ' +
    'review its other calls.',
  reference: 'https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_DeleteEmailIdentity.html',
  mitre: ['TA0005:T1070', 'TA0040:T1496.004'],
  eventNames: ['DeleteIdentity', 'DeleteEmailIdentity'],
  eventSources: ['ses.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to delete' : 'deleted'} SES identity ${show(identity(e), 128)} ` +
    `${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, identity(e)),
});
