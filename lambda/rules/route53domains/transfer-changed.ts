// Route 53 Domains: a registered domain made transferable, its transfer code read, or the domain sent
// to another AWS account; and a domain transferred in from another registrar.
import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { child, req } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

interface Change {
  readonly done: string;
  readonly tried: string;
  readonly base: Severity;
}

/**
 * The calls, by operation name. Losing a domain takes the lock off, the authorisation code, or a
 * transfer to another account: high. TransferDomain brings a domain in from another registrar: it
 * puts no domain of this account at risk, so it is medium.
 */
const CHANGES: Readonly<Record<string, Change>> = {
  DisableDomainTransferLock: {
    done: 'removed the transfer lock of domain',
    tried: 'tried to remove the transfer lock of domain',
    base: 'high',
  },
  RetrieveDomainAuthCode: {
    done: 'retrieved the transfer authorisation code of domain',
    tried: 'tried to retrieve the transfer authorisation code of domain',
    base: 'high',
  },
  TransferDomainToAnotherAwsAccount: {
    done: 'started moving domain',
    tried: 'tried to move domain',
    base: 'high',
  },
  TransferDomain: {
    done: 'started transferring in domain',
    tried: 'tried to transfer in domain',
    base: 'medium',
  },
};

/**
 * The event names: the operation names, and the same names with a lower-case first letter, which
 * the Route 53 developer guide's example records use for Route 53 Domains (`updateDomainContact`).
 */
const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);
const EVENT_NAMES = Object.keys(CHANGES).flatMap((name) => [name, lowerFirst(name)]);

const changeOf = (e: TrailEvent): Change | undefined => {
  const name = e.eventName.charAt(0).toUpperCase() + e.eventName.slice(1);
  return Object.hasOwn(CHANGES, name) ? CHANGES[name] : undefined;
};

/** The domain: `domainName` as a string, or `{ name }` as some records write it. */
function domain(e: TrailEvent): string {
  const value = child(e.requestParameters, 'domainName', 'DomainName');
  return typeof value === 'string' ? value : str(child(value, 'name'));
}

/** By call (above): high or medium. Failed: medium and low; one step lower when an AWS service made the call. */
const severity = (e: TrailEvent): Severity =>
  lowerFor(byOutcome(e, changeOf(e)?.base ?? 'high'), viaAwsService(e));

export default defineRule({
  id: 'route53domains.transfer-changed',
  title: 'Route 53 domain made transferable or transferred',
  description:
    'A principal removed a registered domain’s transfer lock (DisableDomainTransferLock), retrieved its ' +
    'transfer authorisation code (RetrieveDomainAuthCode) or started its transfer to another AWS ' +
    'account (TransferDomainToAnotherAwsAccount): high. A transfer of a domain into Route 53 from ' +
    'another registrar (TransferDomain) is medium. Failed calls are one level lower (medium, low); a ' +
    'call an AWS service made for the principal is one step lower, and calls by AWS itself are not ' +
    'matched.',
  whyItMatters:
    'Whoever controls a domain controls its mail, its certificates and every sign-in that trusts it. ' +
    'The transfer lock and the authorisation code are what stand between an intruder and moving the ' +
    'domain to a registrar or account they own; getting it back can take weeks.',
  runbook:
    'Confirm with the domain owner that a transfer is planned. If not, turn the lock back on ' +
    '(EnableDomainTransferLock), cancel a pending transfer to another account ' +
    '(CancelDomainTransferToAnotherAwsAccount), check the registrant contact email was not changed, ' +
    'and rotate the caller credentials. Contact AWS Support at once if the domain has already left.',
  reference: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/domain-transfer-from-route-53.html',
  mitre: ['TA0042:T1584.001', 'TA0040:T1531'],
  eventNames: EVENT_NAMES,
  // route53domains is the source AWS documents; some public rules match route53.amazonaws.com.
  eventSources: ['route53domains.amazonaws.com', 'route53.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const change = changeOf(e);
    const verb = (failed(e) ? change?.tried : change?.done) ?? 'changed the transfer settings of domain';
    const name = e.eventName.toLowerCase();
    const to =
      name === 'transferdomaintoanotherawsaccount'
        ? ` to AWS account ${show(req(e, 'accountId', 'AccountId'), 16)}`
        : name === 'transferdomain'
          ? ' from another registrar'
          : '';
    return `${actorLabel(e)} ${verb} ${show(domain(e), 120)}${to} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) => dedup('route53domains.transfer-changed', e.recipientAccountId, domain(e)),
});
