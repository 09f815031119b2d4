import fc from 'fast-check';
import { composeScorers } from '../../lambda/compose';
import type { LookupEventRecord } from '../../lambda/core/ports';
import { scoreRecord } from '../../lambda/core/run';
import { containsAny, Watchlist } from '../../lambda/core/watch';

describe('containsAny', () => {
  it('holds exactly when one of the texts is in the body, for one text or many', () => {
    const text = fc.string({ unit: fc.constantFrom('"', 'a', '.', '*', '(', '|', '\\', '$', '?', 'x') });
    fc.assert(
      fc.property(
        fc.array(
          text.filter((t) => t !== ''),
          { minLength: 1, maxLength: 6 },
        ),
        text,
        (texts, body) => {
          expect(containsAny(texts).test(body)).toBe(texts.some((t) => body.includes(t)));
          const planted = `${body}${texts[texts.length - 1]}${body}`;
          expect(containsAny(texts).test(planted)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('matches nothing when there is nothing to look for', () => {
    expect(containsAny([]).test('anything')).toBe(false);
  });
});

describe('Watchlist', () => {
  const rules = {
    names: new Map([
      ['StopLogging', undefined],
      ['GetCallerIdentity', containsAny(['TruffleHog', 'Pacu'])],
    ]),
    anyName: ['"Root"'],
  };
  const thresholds = { names: new Map([['ConsoleLogin', undefined]]), anyName: ['"errorCode"'] };

  it('watches a name any scorer lists, and any body with a text some scorer looks for', () => {
    const list = new Watchlist([rules, thresholds]);
    expect(list.watches('StopLogging', '{}')).toBe(true);
    expect(list.watches('ConsoleLogin', '{}')).toBe(true);
    expect(list.watches('DescribeInstances', '{"userIdentity":{"type":"Root"}}')).toBe(true);
    expect(list.watches('DescribeInstances', '{"errorCode":"AccessDenied"}')).toBe(true);
    expect(list.watches('DescribeInstances', '{"userIdentity":{"type":"IAMUser"}}')).toBe(false);
  });

  it("keeps a name's body test unless another scorer takes every body of that name", () => {
    const alone = new Watchlist([rules]);
    expect(alone.watches('GetCallerIdentity', '{"userAgent":"aws-cli/2"}')).toBe(false);
    expect(alone.watches('GetCallerIdentity', '{"userAgent":"Pacu"}')).toBe(true);
    const counted = new Watchlist([
      rules,
      { names: new Map([['GetCallerIdentity', undefined]]), anyName: [] },
    ]);
    expect(counted.watches('GetCallerIdentity', '{"userAgent":"aws-cli/2"}')).toBe(true);
    const both = new Watchlist([
      rules,
      { names: new Map([['GetCallerIdentity', containsAny(['ScoutSuite'])]]), anyName: [] },
    ]);
    expect(both.watches('GetCallerIdentity', '{"userAgent":"ScoutSuite"}')).toBe(true);
    expect(both.watches('GetCallerIdentity', '{"userAgent":"Pacu"}')).toBe(true);
    expect(both.watches('GetCallerIdentity', '{"userAgent":"aws-cli/2"}')).toBe(false);
  });

  it('looks for caller texts in the caller and agent texts in the user agent, whatever the key order', () => {
    const list = new Watchlist([
      { names: new Map(), anyName: [], anyIdentity: ['"Root"'], anyAgent: ['Pacu'] },
    ]);
    const canonical = (identity: string, agent: string, request: string): string =>
      `{"eventVersion":"1.10","userIdentity":{"type":"${identity}"},"eventTime":"2026-11-27T10:05:00Z",` +
      `"userAgent":"${agent}","requestParameters":{"tag":"${request}"}}`;
    expect(list.watches('DescribeInstances', canonical('Root', 'aws-cli/2', 'x'))).toBe(true);
    expect(list.watches('DescribeInstances', canonical('IAMUser', 'Pacu/1.5', 'x'))).toBe(true);
    // The same texts elsewhere in the record (a tag the caller chose) do not make it worth parsing.
    expect(list.watches('DescribeInstances', canonical('IAMUser', 'aws-cli/2', '"Root" Pacu'))).toBe(false);
    // Keys sorted by another tool: the caller comes after eventTime, and the whole record is searched.
    const sorted =
      '{"eventName":"DescribeInstances","eventTime":"2026-11-27T10:05:00Z",' +
      '"userAgent":"aws-cli/2","userIdentity":{"type":"Root"}}';
    expect(list.watches('DescribeInstances', sorted)).toBe(true);
    const sortedTool =
      '{"eventTime":"2026-11-27T10:05:00Z","userAgent":"Pacu/1.5","userIdentity":{"type":"IAMUser"}}';
    expect(list.watches('DescribeInstances', sortedTool)).toBe(true);
  });

  it('watches a record it cannot judge: no name, or a body that is not text', () => {
    const list = new Watchlist([rules]);
    expect(list.watches(undefined, '{}')).toBe(true);
    expect(list.watches('', '{}')).toBe(true);
    expect(list.watches('DescribeInstances', undefined)).toBe(true);
    expect(list.watches('DescribeInstances', { eventName: 'x' })).toBe(true);
  });
});

describe('scoreRecord with the deployed scorers', () => {
  const scorers = composeScorers();
  const record = (eventName: string, fields: Record<string, unknown>, readOnly = true): LookupEventRecord => {
    const body = JSON.stringify({
      eventVersion: '1.08',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/dev', accountId: '111122223333' },
      eventTime: '2026-12-01T10:00:00Z',
      eventSource: 'ec2.amazonaws.com',
      eventName,
      awsRegion: 'eu-west-1',
      sourceIPAddress: '198.51.100.7',
      userAgent: 'aws-cli/2.17.40',
      ...fields,
      eventID: `id-${eventName}-${JSON.stringify(fields).length}`,
      readOnly,
    });
    return { eventId: `id-${eventName}`, eventName, readOnly, body };
  };

  it('leaves a read no scorer looks at unparsed', () => {
    expect(scoreRecord(record('DescribeInstances', {}), scorers).kind).toBe('unwatched');
  });

  it('counts a refused read for the threshold rules, though no event rule names it', () => {
    const scored = scoreRecord(record('DescribeInstances', { errorCode: 'AccessDenied' }), scorers);
    expect(scored.kind).toBe('scored');
    if (scored.kind !== 'scored') return;
    expect(scored.counted?.hits.map((hit) => hit.rule.id)).toContain('iam.access-denied-burst');
  });

  it('scores anything the root user does', () => {
    const scored = scoreRecord(
      record('DescribeInstances', {
        userIdentity: { type: 'Root', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' },
      }),
      scorers,
    );
    expect(scored.kind).toBe('scored');
    if (scored.kind !== 'scored') return;
    expect(scored.evaluation?.findings.map((f) => f.ruleId)).toContain('account.root-activity');
  });
});
