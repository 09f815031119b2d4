// An attack tool, or an attack distribution, that names itself in the user agent, whatever the
// call: an every-event rule, pre-filtered on the markers so that the engine still leaves most events
// unparsed.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { containsAny } from '../../core/watch';
import { actorLabel, isInstanceCredential } from '../common/actors';
import { failed } from '../common/outcome';
import { lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'account.offensive-tool-used';

interface Tool {
  readonly name: string;
  /** Texts of the raw body that may carry the tool's marker: the engine's pre-filter. */
  readonly markers: readonly string[];
  /** The marker in the user agent, case as the tool writes it (the pre-filter is case-sensitive). */
  readonly test: RegExp;
}

/**
 * Each tool by the marker its own code puts in the user agent:
 * - Stratus Red Team (adversary emulation) appends `stratus-red-team_<run uuid>` to every call,
 *   the Terraform that prepares and cleans up a technique included, since version 1.7;
 * - Pacu's `set_ua_suffix` command, run without an argument, appends `Pacu-Session-<uuid>`;
 * - ScoutSuite names itself `Scout Suite/<version>` as the client.
 * - Kali Linux, the attack distribution: the AWS CLI and botocore record `md/distrib#kali.<year>`,
 *   the CLI's executable `exe/<arch>.kali.<year>`, and Kali's kernels `<version>+kali-amd64`. EC2
 *   instance credentials on Kali are ec2.instance-credentials-misused.
 * Secret scanners checking found keys with GetCallerIdentity are sts.credentials-checked-by-scanner.
 * Every body is searched for these, so the list stays short; the user agent is the caller's to
 * choose, so only the tools and systems that announce themselves are caught.
 */
const TOOLS: readonly Tool[] = [
  { name: 'Stratus Red Team', markers: ['stratus-red-team_'], test: /stratus-red-team_/ },
  { name: 'Pacu', markers: ['Pacu-Session-'], test: /Pacu-Session-/ },
  { name: 'ScoutSuite', markers: ['Scout Suite/'], test: /(?:^|\s)Scout Suite\// },
  {
    name: 'Kali Linux',
    markers: ['distrib#kali', '.kali.', 'kali-'],
    test: /distrib#kali|\.kali\.|(?:^|[^A-Za-z])kali-/,
  },
];

const STRATUS = 'stratus-red-team_';

/** The tool the user agent names, if any. Kali on an EC2 instance's credentials is left to the EC2 rule. */
/** Any tool's marker: one search of the user agent before the tools are told apart. */
const ANY_MARKER = containsAny(TOOLS.flatMap((tool) => tool.markers));

function toolOf(e: TrailEvent): Tool | undefined {
  if (!ANY_MARKER.test(e.userAgent)) return undefined;
  const agent = e.userAgent.slice(0, 4096);
  const tool = TOOLS.find((t) => t.test.test(agent));
  if (tool?.name === 'Kali Linux' && isInstanceCredential(e)) return undefined;
  return tool;
}

/** Stratus Red Team's run id after its marker (a UUID), or ''. */
function runId(e: TrailEvent): string {
  const at = e.userAgent.indexOf(STRATUS);
  if (at < 0) return '';
  return /^[0-9a-fA-F-]{1,36}/.exec(e.userAgent.slice(at + STRATUS.length))?.[0] ?? '';
}

/** Stratus Red Team's Terraform preparing or removing a technique's prerequisites, not the technique itself. */
const isTerraformStep = (e: TrailEvent): boolean =>
  toolOf(e)?.name === 'Stratus Red Team' && /terraform/i.test(e.userAgent);

/** CloudTrail marks reads; a call it does not mark is judged as a write. */
const isRead = (e: TrailEvent): boolean => e.readOnly === true;

/**
 * High for a write, medium for a read; a refused call is medium for a write (the tool tried it) and
 * low for a read. Stratus Red Team's Terraform steps around a technique are one level lower: they
 * create and delete the technique's own prerequisites.
 */
function severity(e: TrailEvent): Severity {
  const level: Severity = isRead(e) ? (failed(e) ? 'low' : 'medium') : failed(e) ? 'medium' : 'high';
  return isTerraformStep(e) ? lower(level) : level;
}

export default defineRule({
  id: ID,
  title: 'Offensive security tool used',
  description:
    'A call whose user agent carries the marker of an attack tool or an attack distribution, whatever ' +
    'the call: Stratus Red Team (stratus-red-team_<run id>), Pacu with its user-agent suffix ' +
    '(Pacu-Session-<id>), ScoutSuite (Scout Suite/<version>), or Kali Linux (distrib#kali, .kali., ' +
    'kali-, as the AWS CLI and SDKs report the system). High for a write, medium for a read or a ' +
    'refused write, low for a refused read; one level lower for the Terraform steps that prepare and ' +
    'clean up a Stratus technique. Kali on an EC2 instance’s credentials is ' +
    'ec2.instance-credentials-misused. The user agent is the caller’s to choose: only what announces ' +
    'itself is caught. Secret scanners and attack tools checking found keys with GetCallerIdentity are ' +
    'sts.credentials-checked-by-scanner.',
  whyItMatters:
    'These tools run real attack techniques, or map the account for one (credential theft, ' +
    'persistence, defense evasion, exfiltration), and Kali is the distribution they ship on. In an ' +
    'account that is not a test account that is either an unannounced exercise, which the on-call ' +
    'should hear about, or someone with real credentials attacking it.',
  runbook:
    'Ask the security team whether an exercise or an assessment is planned in this account (a Stratus ' +
    'run id or a Pacu session id in the alert ties its calls together). If it is, close the alerts of ' +
    'that run together and make sure it is cleaned up (stratus cleanup). If not, treat the credentials ' +
    'as compromised: revoke the sessions, deactivate the keys, and undo what the tool changed.',
  reference:
    'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html',
  mitre: ['TA0042:T1588.002'],
  eventNames: [],
  everyEvent: { agentIncludes: TOOLS.flatMap((tool) => tool.markers) },
  severity,
  matches: (e) => toolOf(e) !== undefined,
  explain: (e) => {
    const tool = toolOf(e)?.name ?? 'an attack tool';
    const step = isTerraformStep(e) ? ' (its Terraform set-up or clean-up)' : '';
    const run = runId(e);
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to call' : 'called'} ${show(e.eventName, 64)} with ${tool}` +
      `${step}${run === '' ? '' : `, run ${show(run, 40)}`} ${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) =>
    dedup(ID, e.recipientAccountId, toolOf(e)?.name ?? '', runId(e), e.actor.arn || e.actor.principalId),
});
