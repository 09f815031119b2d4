// GetCallerIdentity from a secret scanner or an attack framework: the first thing such a tool does
// with a key it found is ask whose key it is.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel } from '../common/actors';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

/**
 * Tools that validate found credentials, by the name they use as their product token. The user
 * agent is the caller's to choose: this only catches tools that announce themselves, and is
 * matched on the product token, never on text elsewhere in the string.
 */
const TOOLS: readonly string[] = ['TruffleHog', 'Pacu', 'CloudFox', 'ScoutSuite', 'WeirdAAL'];

/**
 * The spellings recognised: the tool's own, all lower case, all upper case and capitalised. The
 * engine's pre-filter is a case-sensitive search of the raw body, so `matches` accepts exactly
 * these spellings and no others: a spelling that `matches` accepted but the pre-filter missed would
 * be found by callers that evaluate every event and silently skipped by the Lambda.
 */
const SPELLINGS: ReadonlyMap<string, string> = new Map(
  TOOLS.flatMap((name) => {
    const lower = name.toLowerCase();
    const capitalised = name.charAt(0) + lower.slice(1);
    return [name, lower, name.toUpperCase(), capitalised].map((spelling) => [spelling, name] as const);
  }),
);

/** The tool named by the user agent's first product token, or ''. */
function tool(e: TrailEvent): string {
  const product = e.userAgent.trim().split(/[\s/]/, 1)[0] ?? '';
  return SPELLINGS.get(product) ?? '';
}

const severity = (e: TrailEvent): Severity => (failed(e) ? 'medium' : 'high');

export default defineRule({
  id: 'sts.credentials-checked-by-scanner',
  title: 'Credentials checked by a secret scanner or attack tool',
  description:
    'GetCallerIdentity whose user agent names a tool that validates found credentials (TruffleHog, Pacu, ' +
    'CloudFox, ScoutSuite and others) as its product, spelled as the tool does, in lower, upper or ' +
    'capitalised case: high; medium when the call failed. Only tools that announce themselves are caught: ' +
    'the user agent is the caller’s to choose.',
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
  prefilter: [...SPELLINGS.keys()],
  severity,
  matches: (e) => tool(e) !== '',
  explain: (e) =>
    `${show(tool(e), 24)} checked the credentials of ${actorLabel(e)} (access key ` +
    `${show(e.actor.accessKeyId, 32)}) ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) =>
    dedup('sts.credentials-checked-by-scanner', e.recipientAccountId, e.actor.accessKeyId || e.actor.arn),
});
