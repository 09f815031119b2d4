// The chat output: each alert as an AWS Chatbot custom notification, published as a plain message
// (no MessageStructure) to the SNS topic a Slack or Teams channel is mapped to. One publish per
// item, in order. The SDK package is loaded on the first send, so a detector without a chat topic
// never evaluates it.
import type { SNSClient } from '@aws-sdk/client-sns';
import { chatMessages } from '../../core/outputs/chat';
import { documentProblem, parseDocument } from '../../core/outputs/document';
import { reasonText } from '../../core/outputs/limits';
import { type AlertOutput, type ForwardItem, type ForwardResult, OUTPUT_BATCH_SIZES } from '../../core/ports';
import { CLIENT_SETTINGS, complete, errorCode, errorReason, isPermanentKms } from './errors';

type Sdk = typeof import('@aws-sdk/client-sns');

export interface ChatTopicOutputOptions {
  /** The SNS topic AWS Chatbot reads: `arn:aws:sns:<region>:<account>:<name>`. */
  readonly topicArn: string;
  /** @default the topic ARN's region */
  readonly region?: string | undefined;
  /** @default a client made on the first send, with bounded timeouts */
  readonly client?: SNSClient | undefined;
  /** @default 10 */
  readonly batchSize?: number | undefined;
}

/** Publish errors about this message: the next item may still go. */
const PERMANENT_MESSAGE = new Set([
  'InvalidParameterException',
  'InvalidParameterValueException',
  'ValidationException',
]);

/** Publish errors about the topic: no later item can go either (no permission, topic or KMS key gone). */
const PERMANENT_TOPIC = new Set([
  'AuthorizationErrorException',
  'InvalidSecurityException',
  'NotFoundException',
]);

function regionOfTopicArn(arn: string): string | undefined {
  return /^arn:[a-z-]+:sns:([a-z0-9-]+):/.exec(arn)?.[1];
}

export class ChatTopicOutput implements AlertOutput {
  readonly name = 'chat' as const;
  readonly batchSize: number;
  private loading: Promise<{ sdk: Sdk; client: SNSClient }> | undefined;

  constructor(private readonly options: ChatTopicOutputOptions) {
    if (!regionOfTopicArn(options.topicArn)) {
      throw new Error('ChatTopicOutput needs a topic ARN of the form arn:aws:sns:<region>:<account>:<name>');
    }
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? OUTPUT_BATCH_SIZES.chat));
  }

  private ready(): Promise<{ sdk: Sdk; client: SNSClient }> {
    this.loading ??= import('@aws-sdk/client-sns').then(
      (sdk) => ({
        sdk,
        client:
          this.options.client ??
          new sdk.SNSClient({
            region: this.options.region ?? regionOfTopicArn(this.options.topicArn),
            ...CLIENT_SETTINGS,
          }),
      }),
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading;
  }

  async send(items: readonly ForwardItem[]): Promise<ForwardResult[]> {
    const results: (ForwardResult | undefined)[] = new Array(items.length).fill(undefined);
    const documents = items.map((item, index) => {
      try {
        return parseDocument(item.document);
      } catch (error) {
        results[index] = { ok: false, permanent: true, reason: reasonText(documentProblem(error)) };
        return undefined;
      }
    });
    const messages = chatMessages(documents);
    if (messages.every((m) => m === undefined)) return complete(results);
    const { sdk, client } = await this.ready();
    let answered = false;
    for (let index = 0; index < items.length; index++) {
      const message = messages[index];
      if (typeof message !== 'string') continue;
      try {
        const out = await client.send(
          new sdk.PublishCommand({ TopicArn: this.options.topicArn, Message: message }),
        );
        answered = true;
        results[index] = out.MessageId
          ? { ok: true }
          : { ok: false, permanent: false, reason: 'SNS accepted the message but returned no MessageId' };
      } catch (error) {
        const code = errorCode(error);
        const reason = errorReason(error);
        if (PERMANENT_MESSAGE.has(code)) {
          answered = true;
          results[index] = { ok: false, permanent: true, reason };
          continue;
        }
        const permanent = PERMANENT_TOPIC.has(code) || isPermanentKms(code);
        // Nothing published yet: the whole send failed and is retried as one.
        if (!permanent && !answered) throw error;
        for (let rest = index; rest < items.length; rest++) {
          if (typeof messages[rest] !== 'string') continue;
          results[rest] = {
            ok: false,
            permanent,
            reason:
              rest === index ? reason : reasonText(`not sent after an earlier publish failed: ${reason}`),
          };
        }
        break;
      }
    }
    // The alerts folded into a burst's message share its outcome.
    for (const [index, carrier] of messages.entries()) {
      if (typeof carrier === 'number') results[index] = results[carrier];
    }
    return complete(results);
  }
}
