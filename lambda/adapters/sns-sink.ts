// AlertSink over SNS Publish: one message per alert, each protocol with its own rendering.
import { type MessageAttributeValue, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { RenderedAlert } from '../core/types';
import type { AlertSink } from '../ports';

export interface SnsSinkOptions {
  readonly topicArn: string;
  readonly client?: SNSClient;
}

export class SnsAlertSink implements AlertSink {
  private readonly client: SNSClient;

  constructor(private readonly options: SnsSinkOptions) {
    this.client = options.client ?? new SNSClient({ region: regionOfArn(options.topicArn), maxAttempts: 5 });
  }

  async publish(alert: RenderedAlert): Promise<string> {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, attribute] of Object.entries(alert.attributes)) {
      attributes[name] = { DataType: attribute.type, StringValue: attribute.value };
    }
    const out = await this.client.send(
      new PublishCommand({
        TopicArn: this.options.topicArn,
        Subject: alert.subject,
        Message: alert.message,
        MessageStructure: 'json',
        MessageAttributes: attributes,
      }),
    );
    if (!out.MessageId) throw new Error('SNS accepted the message but returned no MessageId');
    return out.MessageId;
  }
}

/** arn:aws:sns:<region>:<account>:<name> -> region; the topic lives where the stack does. */
export function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}
