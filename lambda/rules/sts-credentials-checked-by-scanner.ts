// GetCallerIdentity from a secret scanner or an attack framework: the first thing such a tool does
// with a key it found is ask whose key it is.
import { defineRule } from '../core/rule';
import type { Severity, TrailEvent } from '../core/types';
import { actorLabel, dedup, failed, origin, outcome, show } from './helpers';

/**
 * Product tokens of tools that validate found credentials. The user agent is the caller's to
 * choose: this only catches tools that announce themselves, and is matched on the product token,
 * never on text elsewhere in the string.
 */
const TOOLS: readonly string[] = ['trufflehog', 'pacu', 'cloudfox', 'scoutsuite', 'weirdaal'];

/** The spellings the tools send, for the engine's pre-filter (which is case-sensitive). */
const SPELLINGS: readonly string[] = [...TOOLS, 'TruffleHog', 'Pacu', 'CloudFox', 'ScoutSuite', 'WeirdAAL'];

/** The tool named by the user agent's first product token, or ''. */
function tool(e: TrailEvent): string {
  const product = (e.userAgent.trim().split(/[\s/]/, 1)[0] ?? '').toLowerCase();
  return TOOLS.find((name) => product === name) ?? '';
}

const severity = (e: TrailEvent): Severity => (failed(e) ? 'medium' : 'high');

export default defineRule({
  id: 'sts.credentials-checked-by-scanner',
  title: 'Credentials checked by a secret scanner or attack tool',
  description:
    'GetCallerIdentity whose user agent names a tool that validates found credentials (TruffleHog, Pacu, ' +
    'CloudFox, ScoutSuite and others) as its product: high; medium when the call failed. Only tools that ' +
    'announce themselves are caught: the user agent is the caller’s to choose.',
  whyItMatters:
    'A secret scanner that finds a key in a repository or an image calls GetCallerIdentity to learn whose ' +
    'it is. Unless your own team runs the scan, the key is in someone else’s hands.',
  runbook:
    'Find where the key is exposed (the actor’s access key id), deactivate and rotate it now, and review ' +
    'every call made with it from other source addresses.',
  reference: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html',
  mitre: ['TA0007:T1087.004', 'TA0006:T1552.001'],
  eventNames: ['GetCallerIdentity'],
  eventSources: ['sts.amazonaws.com'],
  // GetCallerIdentity is one of the commonest calls: only those naming a tool are parsed for it.
  prefilter: SPELLINGS,
  severity,
  matches: (e) => tool(e) !== '',
  explain: (e) =>
    `${show(tool(e), 24)} checked the credentials of ${actorLabel(e)} (access key ` +
    `${show(e.actor.accessKeyId, 32)}) ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('sts.credentials-checked-by-scanner', e.recipientAccountId, e.actor.accessKeyId || e.actor.arn),
});
