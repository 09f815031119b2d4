// EnableRegion: an opt-in Region switched on for an account.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, homeAccount, isAwsItself, viaAwsService } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const region = (e: TrailEvent): string => req(e, 'RegionName', 'regionName');

/** The account the Region is enabled for: `AccountId` when the management account names a member, else the caller's own. */
const account = (e: TrailEvent): string => req(e, 'AccountId', 'accountId') || homeAccount(e);

/** Medium; a failed attempt low; one step lower when an AWS service made the call for the principal. */
const severity = (e: TrailEvent): Severity => lowerFor(byOutcome(e, 'medium'), viaAwsService(e));

export default defineRule({
  id: 'account.region-enabled',
  title: 'Opt-in Region enabled',
  description:
    'A principal enabled an opt-in AWS Region for an account (EnableRegion), its own or, from the ' +
    'management account, a member’s. Medium; a failed attempt is low, a call an AWS service made for ' +
    'the principal one step lower, and calls by AWS itself are not matched.',
  whyItMatters:
    'Regions that are off by default are often outside the monitoring an organisation set up: no trail ' +
    'checks, no GuardDuty, nobody looking. Turning one on is how an intruder finds a quiet place to ' +
    'run instances or keep resources.',
  runbook:
    'Confirm with the account owner that the Region is wanted. If not, disable it (DisableRegion) after ' +
    'checking for resources created there, and make sure trails, GuardDuty and this detector cover it ' +
    'if it stays on.',
  reference: 'https://docs.aws.amazon.com/accounts/latest/reference/API_EnableRegion.html',
  mitre: ['TA0005:T1535'],
  eventNames: ['EnableRegion'],
  eventSources: ['account.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) =>
    `${actorLabel(e)} ${failed(e) ? 'tried to enable' : 'enabled'} Region ${show(region(e), 40)} for account ` +
    `${show(account(e), 16)} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('account.region-enabled', account(e), region(e)),
});
