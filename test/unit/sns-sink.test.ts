// One adapter, one mock: the SNS sink maps a rendered alert onto PublishCommand's input.
// The integration tests prove the wire protocol against the local SNS server.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { regionOfArn, SnsAlertSink } from '../../lambda/adapters/sns-sink';
import type { RenderedAlert } from '../../lambda/core/types';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:trailwatch-alerts';
const alert: RenderedAlert = {
  subject: 'CRITICAL: CloudTrail logging stopped by alice',
  message: JSON.stringify({ default: 'text', sms: 'CRIT StopLogging' }),
  attributes: {
    severity: { type: 'String', value: 'critical' },
    eventIds: { type: 'String.Array', value: '["e-1"]' },
  },
};

describe('SnsAlertSink', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  it('publishes per-protocol JSON with every attribute typed', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({ region: 'eu-west-1' }) });

    await expect(sink.publish(alert)).resolves.toBe('m-1');

    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input).toEqual({
      TopicArn: TOPIC,
      Subject: alert.subject,
      Message: alert.message,
      MessageStructure: 'json',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'critical' },
        eventIds: { DataType: 'String.Array', StringValue: '["e-1"]' },
      },
    });
  });

  it('treats an answer without a MessageId as a failure, so the alert stays in the outbox', async () => {
    sns.on(PublishCommand).resolves({});
    const sink = new SnsAlertSink({ topicArn: TOPIC, client: new SNSClient({ region: 'eu-west-1' }) });
    await expect(sink.publish(alert)).rejects.toThrow(/no MessageId/);
  });

  it('sends to the region of the topic', () => {
    expect(regionOfArn(TOPIC)).toBe('eu-west-1');
  });
});
