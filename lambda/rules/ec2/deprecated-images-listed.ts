// DescribeImages asking for deprecated AMIs: the old, unpatched images nobody should still launch.

import { str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isServiceCaller } from '../common/actors';
import { child, isTrue, itemsOf } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'ec2.deprecated-images-listed';

const asksDeprecated = (e: TrailEvent): boolean => isTrue(child(e.requestParameters, 'includeDeprecated'));

/** The filter values of the request (`filterSet.items[].valueSet.items[].value`: the image names searched for). */
const searched = (e: TrailEvent): string[] =>
  itemsOf(child(e.requestParameters, 'filterSet'))
    .slice(0, 10)
    .flatMap((filter) => itemsOf(child(filter, 'valueSet')).slice(0, 10))
    .map((value) => str(child(value, 'value')).trim())
    .filter((value) => value !== '')
    .slice(0, 4);

const severity = (e: TrailEvent): Severity => (failed(e) ? 'info' : 'low');

export default defineRule({
  id: ID,
  title: 'Deprecated AMIs listed',
  description:
    'A principal listed AMIs including deprecated ones (DescribeImages with includeDeprecated true). Low, ' +
    'info when it failed: launch tools rarely ask for images their publishers have retired. Calls by AWS ' +
    'services are not matched. DescribeImages is one of the most frequent reads; the engine parses only ' +
    'those whose request names includeDeprecated.',
  whyItMatters:
    'Deprecated images are old builds with known vulnerabilities; searching for them is how an intruder ' +
    'looks for an easy-to-exploit image to launch, or for a public image someone published by mistake.',
  runbook:
    'Ask the principal why it looked for deprecated images. If it is not expected, review its other ' +
    'calls, especially RunInstances or CopyImage of the images it found, and its credentials.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ami-deprecate.html',
  mitre: ['TA0007:T1580'],
  eventNames: ['DescribeImages'],
  eventSources: ['ec2.amazonaws.com'],
  prefilter: ['includeDeprecated'],
  severity,
  matches: (e) => asksDeprecated(e) && !isServiceCaller(e),
  explain: (e) => {
    const terms = searched(e);
    const matching = terms.length > 0 ? ` matching ${show(terms.join(', '), 120)}` : '';
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to list' : 'listed'} AMIs including deprecated ones${matching} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, e.actor.arn || e.actor.principalId),
});
