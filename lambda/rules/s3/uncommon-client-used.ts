// S3 Browser and Cyberduck: desktop file-transfer clients seen in data theft, whatever the call.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 's3.uncommon-client-used';

/** The clients, as each names itself at the start of its user agent (`S3 Browser/12.0.9 ...`, `Cyberduck/8.7 ...`). */
const CLIENTS = ['S3 Browser', 'Cyberduck'] as const;

/** The client named in the user agent, or ''. */
const clientOf = (e: TrailEvent): string => CLIENTS.find((name) => e.userAgent.includes(name)) ?? '';

export default defineRule({
  id: ID,
  title: 'S3 desktop client used (S3 Browser, Cyberduck)',
  description:
    'Any call whose user agent names S3 Browser or Cyberduck, two desktop clients for browsing and bulk ' +
    'copying of S3 data. Low, refused calls included: the user agent is the caller’s to choose, so this ' +
    'is context for the principal’s other alerts rather than proof. Calls by AWS services are not matched. ' +
    'The changes such a client makes (a bucket policy, an access key, a login profile) are rated by their ' +
    'own rules. The engine looks for the two names in the raw record and leaves other records unparsed.',
  whyItMatters:
    'Intruders with stolen keys use these clients to browse and download buckets in bulk; S3 Browser ' +
    'also creates IAM users, keys and policies from templates. In an account whose people and ' +
    'pipelines use the CLI and SDKs, either client is a stranger.',
  runbook:
    'Ask the principal whether they use the client. If not, treat the credentials as stolen: deactivate ' +
    'the key or revoke the sessions, and review what the client read and changed (the same user agent in ' +
    'Event history, and S3 data events where they are recorded).',
  reference:
    'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html',
  mitre: ['TA0010:T1567', 'TA0009:T1530'],
  eventNames: [],
  everyEvent: { agentIncludes: [...CLIENTS] },
  severity: 'low',
  matches: (e) => clientOf(e) !== '' && !isServiceCaller(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to call' : 'called'} ${show(e.eventName, 64)} with ${clientOf(e)} ` +
    `(user agent "${show(e.userAgent, 120)}") ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, clientOf(e), e.actor.arn || e.actor.principalId),
});
