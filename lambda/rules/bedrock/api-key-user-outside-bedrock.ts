// The IAM user behind a long-term Bedrock API key calling anything but Bedrock: an every-event rule,
// pre-filtered on the user's name prefix so that other events stay unparsed.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { viaAwsService } from '../common/actors';
import { failed } from '../common/outcome';
import { byOutcome } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'bedrock.api-key-user-outside-bedrock';

/** The prefix of the IAM users that Bedrock and IAM create to hold a long-term Bedrock API key. */
const PREFIX = 'BedrockAPIKey-';

/**
 * Where such a user's calls belong: Bedrock's control plane and its inference endpoints (bedrock-
 * mantle is the OpenAI-compatible one, where API keys are used too), the sign-in and the Marketplace
 * subscription calls behind model access.
 */
const EXPECTED_SOURCES = new Set([
  'bedrock.amazonaws.com',
  'bedrock-runtime.amazonaws.com',
  'bedrock-mantle.amazonaws.com',
  'signin.amazonaws.com',
  'aws-marketplace.amazonaws.com',
  'agreement-marketplace.amazonaws.com',
  'discovery-marketplace.amazonaws.com',
]);

/** Identity checks every SDK and tool makes: no access beyond learning who one is. */
const IDENTITY_CHECKS = new Set(['GetCallerIdentity', 'GetSessionToken', 'GetAccessKeyInfo']);

function outsideBedrock(e: TrailEvent): boolean {
  if (e.actor.type !== 'IAMUser' || !e.actor.userName.startsWith(PREFIX) || viaAwsService(e)) return false;
  if (EXPECTED_SOURCES.has(e.eventSource)) return false;
  return !(e.eventSource === 'sts.amazonaws.com' && IDENTITY_CHECKS.has(e.eventName));
}

export default defineRule({
  id: ID,
  title: 'Bedrock API key user calling another service',
  description:
    'An IAM user named BedrockAPIKey-*, the kind created to hold a long-term Amazon Bedrock API key, ' +
    'called a service other than Bedrock (its control plane and inference endpoints), sign-in and the ' +
    'Marketplace (model subscriptions); the STS identity checks GetCallerIdentity, GetSessionToken and ' +
    'GetAccessKeyInfo are left out. High; medium when the call was refused. Calls an AWS service made ' +
    'for the user are not matched.',
  whyItMatters:
    'Such a user exists only to back an API key, and the managed policy it is given reaches beyond ' +
    'Bedrock (IAM, VPC and KMS reads). A call to any other service means someone added an access key ' +
    'or a password to it and is using it for reconnaissance or to move on through the account.',
  runbook:
    'List the user’s access keys, login profile and MFA devices, and remove any added to it. Review ' +
    'every call it made outside Bedrock, and what the addresses it called from did. Deny ' +
    'iam:CreateAccessKey and iam:CreateLoginProfile on user/BedrockAPIKey-* with an SCP.',
  reference: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_bedrock.html',
  mitre: ['TA0004:T1078.004', 'TA0007:T1087.004'],
  eventNames: [],
  everyEvent: { identityIncludes: [PREFIX] },
  severity: (e) => byOutcome(e, 'high'),
  matches: outsideBedrock,
  explain: (e) =>
    `Bedrock API key user ${show(e.actor.userName, 64)} ${failed(e) ? 'tried to call' : 'called'} ` +
    `${show(e.eventName, 64)} on ${show(e.eventSource, 64)}, outside Bedrock, ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.actor.arn || e.actor.principalId, e.eventSource),
});
