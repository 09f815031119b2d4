import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { readContext } from '../../lib/context';
import { synthStack } from './synth';

const EXAMPLE = join(__dirname, '..', '..', 'examples', 'suppressions.json');
const NOW = Date.parse('2026-11-27T12:00:00Z');

describe('suppressionsFile', () => {
  it('passes a valid list to the function as compact JSON', () => {
    const { template } = synthStack({ suppressionsFile: EXAMPLE });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ TRAILWATCH_SUPPRESSIONS: Match.stringLikeRegexp('^\\{"version":1') }),
      },
    });
  });

  it('fails synth naming the key, the file and the entry when an entry has expired', () => {
    const stale = JSON.stringify({
      version: 1,
      suppressions: [
        { id: 'old-window', reason: 'maintenance', ruleIds: ['cloudtrail.*'], expires: '2026-01-01' },
      ],
    });
    expect(() =>
      readContext(
        (key) => (key === 'suppressionsFile' ? 'list.json' : undefined),
        () => stale,
        NOW,
      ),
    ).toThrow(/suppressionsFile: list\.json: suppressions\[0\] \(id "old-window"\).*expire/);
  });

  it('fails synth when the file is not JSON, naming the file', () => {
    expect(() =>
      readContext(
        (key) => (key === 'suppressionsFile' ? 'list.json' : undefined),
        () => '{ nope',
        NOW,
      ),
    ).toThrow(/suppressionsFile: "list\.json" could not be read as JSON/);
  });
});
