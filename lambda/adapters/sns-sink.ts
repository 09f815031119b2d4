// AlertSink over SNS Publish: one message per alert, each protocol with its own rendering.
import {
  type MessageAttributeValue,
  PublishCommand,
  type PublishCommandOutput,
  SNSClient,
} from '@aws-sdk/client-sns';
import { AlertRefusedError, type AlertSink } from '../core/ports';
import type { RenderedAlert } from '../core/types';

export interface SnsSinkOptions {
  readonly topicArn: string;
  readonly client?: SNSClient;
}

/**
 * SNS errors that sending the same message again cannot fix: the message or its parameters are
 * invalid, the caller may not publish, or the topic or its KMS key is disabled or gone. Throttling,
 * internal errors, KMS throttling and network failures are transient and are not listed.
 */
const PERMANENT = new Set([
  'AuthorizationErrorException',
  'InvalidParameterException',
  'InvalidParameterValueException',
  'InvalidSecurityException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'NotFoundException',
  'ValidationException',
]);

/** One attempt waits at most this long for an answer, so a publish call ends within about a minute. */
const ATTEMPT_TIMEOUT_MS = 10_000;

export class SnsAlertSink implements AlertSink {
  private readonly client: SNSClient;

  constructor(private readonly options: SnsSinkOptions) {
    this.client =
      options.client ??
      new SNSClient({
        region: regionOfArn(options.topicArn),
        maxAttempts: 5,
        requestHandler: { connectionTimeout: 3_000, requestTimeout: ATTEMPT_TIMEOUT_MS },
      });
  }

  async publish(alert: RenderedAlert): Promise<string> {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, attribute] of Object.entries(alert.attributes)) {
      attributes[name] = { DataType: attribute.type, StringValue: attribute.value };
    }
    let out: PublishCommandOutput;
    try {
      out = await this.client.send(
        new PublishCommand({
          TopicArn: this.options.topicArn,
          Subject: alert.subject,
          Message: alert.message,
          MessageStructure: 'json',
          MessageAttributes: attributes,
        }),
      );
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      if (typeof name === 'string' && PERMANENT.has(name)) {
        throw new AlertRefusedError(name, (error as Error).message, { cause: error });
      }
      throw error;
    }
    if (!out.MessageId) {
      throw new Error('SNS accepted the message but returned no MessageId');
    }
    return out.MessageId;
  }
}

/** arn:aws:sns:<region>:<account>:<name> -> region; the topic lives where the stack does. */
export function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}
