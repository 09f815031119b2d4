// Findings built from events whose every free-text field is as costly to store as an attacker can
// make it: backslashes and quotes (escaped in JSON), control characters, 4-byte characters.
import { Engine } from '../../lambda/core/engine';
import { normalizeRecord } from '../../lambda/core/event';
import type { Finding } from '../../lambda/core/types';
import { RULES } from '../../lambda/rules';

/** Text of `chars` UTF-16 units that grows most when escaped and encoded. */
export function costlyText(chars: number): string {
  const unit = '\\\\"\u0001😈';
  return unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
}

/** A successful StopLogging whose user agent, trail name, user name and ARN are all costly. */
export function hostileStopLogging(eventId: string, timeMs: number, user = 'mallory'): Finding {
  const record = {
    eventVersion: '1.09',
    eventID: eventId,
    eventName: 'StopLogging',
    eventSource: 'cloudtrail.amazonaws.com',
    eventTime: new Date(timeMs).toISOString(),
    eventType: 'AwsApiCall',
    awsRegion: 'eu-west-1',
    recipientAccountId: '111122223333',
    sourceIPAddress: costlyText(200),
    userAgent: costlyText(300_000),
    userIdentity: {
      type: 'IAMUser',
      userName: `${user}${costlyText(5_000)}`,
      arn: `arn:aws:iam::111122223333:user/${user}${costlyText(5_000)}`,
      accountId: '111122223333',
      principalId: `AIDA${costlyText(2_000)}`,
      accessKeyId: 'AKIAEXAMPLE',
    },
    requestParameters: { name: `arn:aws:cloudtrail:eu-west-1:111122223333:trail/${costlyText(50_000)}` },
    responseElements: null,
  };
  const parsed = normalizeRecord(record as never);
  if (!parsed.ok) throw new Error(parsed.reason);
  const [finding] = new Engine(RULES).evaluate(parsed.event).findings;
  if (finding === undefined) throw new Error('the hostile StopLogging raised no finding');
  return finding;
}
