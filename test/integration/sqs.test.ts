// The local SQS through the real SQSClient (its JSON protocol, error mapping, MD5 checks and
// retries), and the local driver of Lambda's SQS event source mapping on top of it.
import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  type ReceiveMessageCommandInput,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type SQSServiceException,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { type LocalSqs, md5OfMessageAttributes, startLocalSqs } from '../../local/sqs';
import {
  InvalidParameterValueException,
  type SqsEventSource,
  startSqsEventSource,
} from '../../local/sqs-lambda';

const REGION = 'eu-west-1';
const CREDENTIALS = { accessKeyId: 'AKIDLOCALSQS', secretAccessKey: 'local' };
const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function clientFor(server: LocalSqs, maxAttempts = 3): SQSClient {
  return new SQSClient({ region: REGION, endpoint: server.endpoint, credentials: CREDENTIALS, maxAttempts });
}

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<SQSServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as SQSServiceException;
  }
  throw new Error('expected a rejection');
}

describe('local SQS', () => {
  const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
  let now = T0;
  let server: LocalSqs;
  let sqs: SQSClient;
  let counter = 0;

  const advance = (ms: number): void => {
    now += ms;
  };
  /** A fresh queue per test, so tests do not share messages. */
  const createQueue = async (attributes: Record<string, string> = {}, prefix = 'q'): Promise<string> => {
    counter += 1;
    const out = await sqs.send(
      new CreateQueueCommand({ QueueName: `${prefix}-${counter}`, Attributes: attributes }),
    );
    return out.QueueUrl!;
  };
  const nameOf = (url: string): string => url.split('/').pop()!;
  const receive = async (url: string, extra: Partial<ReceiveMessageCommandInput> = {}) =>
    (
      await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          ...extra,
        }),
      )
    ).Messages ?? [];
  const counts = async (url: string) => {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return {
      visible: Number(out.Attributes?.ApproximateNumberOfMessages),
      inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible),
      delayed: Number(out.Attributes?.ApproximateNumberOfMessagesDelayed),
    };
  };

  beforeAll(async () => {
    server = await startLocalSqs({ region: REGION, now: () => now, maxWaitMs: 300 });
    sqs = clientFor(server);
  });
  afterAll(async () => {
    sqs.destroy();
    await server.close();
  });

  describe('queues', () => {
    it('creates a queue at http://127.0.0.1:<port>/<account>/<name> with its ARN and default attributes', async () => {
      const url = await createQueue({ VisibilityTimeout: '45' });
      const name = nameOf(url);
      expect(url).toBe(`http://127.0.0.1:${server.port}/123456789012/${name}`);
      expect((await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl).toBe(url);
      const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
      expect(out.Attributes).toMatchObject({
        QueueArn: `arn:aws:sqs:${REGION}:123456789012:${name}`,
        VisibilityTimeout: '45',
        MessageRetentionPeriod: '345600',
        MaximumMessageSize: '1048576',
        DelaySeconds: '0',
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
        CreatedTimestamp: String(Math.floor(now / 1000)),
      });
      expect(out.Attributes).not.toHaveProperty('RedrivePolicy');
    });

    it('is idempotent for the same attributes and refuses different ones with QueueNameExists', async () => {
      const url = await createQueue({ VisibilityTimeout: '10' });
      const name = nameOf(url);
      const again = await sqs.send(
        new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '10' } }),
      );
      expect(again.QueueUrl).toBe(url);
      const error = await rejection(
        sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '11' } })),
      );
      expect(error.name).toBe('QueueNameExists');
    });

    it('names attribute errors as the SDK models them', async () => {
      const unknown = await rejection(
        sqs.send(
          new CreateQueueCommand({
            QueueName: 'bad-1',
            Attributes: { Colour: 'blue' } as Record<string, string>,
          }),
        ),
      );
      expect(unknown.name).toBe('InvalidAttributeName');
      const tooLong = await rejection(
        sqs.send(new CreateQueueCommand({ QueueName: 'bad-2', Attributes: { VisibilityTimeout: '43201' } })),
      );
      expect(tooLong.name).toBe('InvalidAttributeValue');
      const noTarget = await rejection(
        sqs.send(
          new CreateQueueCommand({
            QueueName: 'bad-3',
            Attributes: {
              RedrivePolicy: JSON.stringify({
                deadLetterTargetArn: `arn:aws:sqs:${REGION}:123456789012:nowhere`,
                maxReceiveCount: 3,
              }),
            },
          }),
        ),
      );
      expect(noTarget.name).toBe('InvalidAttributeValue');
      expect(noTarget.message).toMatch(/Dead letter target does not exist/);
      const badName = await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'has space' })));
      expect(badName.name).toBe('InvalidParameterValue');
    });

    it('answers an unknown queue with QueueDoesNotExist, carrying the query code AWS.SimpleQueueService.NonExistentQueue', async () => {
      const error = await rejection(sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })));
      expect(error).toBeInstanceOf(QueueDoesNotExist);
      expect(error.name).toBe('QueueDoesNotExist');
      expect((error as unknown as { Code: string }).Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
      expect(error.$fault).toBe('client');
      expect(error.$metadata.httpStatusCode).toBe(400);
      const byUrl = await rejection(
        sqs.send(new SendMessageCommand({ QueueUrl: server.queueUrl('no-such-queue'), MessageBody: 'x' })),
      );
      expect(byUrl.name).toBe('QueueDoesNotExist');
    });

    it('says which operations it does not implement', async () => {
      const error = await rejection(sqs.send(new ListQueuesCommand({})));
      expect(error.name).toBe('UnsupportedOperation');
    });
  });

  describe('sending', () => {
    it('answers the body MD5 the SDK checks, for any Unicode body', async () => {
      const url = await createQueue();
      const body = 'façade — 日本語 — 🚨 alert';
      const out = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
      expect(out.MD5OfMessageBody).toBe(md5(body));
      const [message] = await receive(url);
      expect(message).toMatchObject({ MessageId: out.MessageId, Body: body, MD5OfBody: md5(body) });
    });

    it('computes MD5OfMessageAttributes as SQS does (published reference digests)', async () => {
      // Digests published for the AWS algorithm (string pair, binary, number + string).
      expect(
        md5OfMessageAttributes({
          test_attribute_name_2: { DataType: 'String', StringValue: 'test_attribute_value_2' },
          test_attribute_name_1: { DataType: 'String', StringValue: 'test_attribute_value_1' },
        }),
      ).toBe('d53f3b558fe951154770f25cb63dbba9');
      expect(
        md5OfMessageAttributes({
          test_attribute_name: {
            DataType: 'Binary',
            BinaryValue: Buffer.from('test_attribute_value').toString('base64'),
          },
        }),
      ).toBe('23f6bd27ea87aab7dfeadcc9aebee495');
      const url = await createQueue();
      const out = await sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'with attributes',
          MessageAttributes: {
            ordinal: { DataType: 'Number', StringValue: '1' },
            category: { DataType: 'String', StringValue: 'test' },
          },
        }),
      );
      expect(out.MD5OfMessageAttributes).toBe('d21ae90c49061e927f57df5f5d72be1f');
      const [message] = await receive(url);
      expect(message?.MD5OfMessageAttributes).toBe('d21ae90c49061e927f57df5f5d72be1f');
      expect(message?.MessageAttributes).toEqual({
        ordinal: { DataType: 'Number', StringValue: '1' },
        category: { DataType: 'String', StringValue: 'test' },
      });
    });

    it('is caught by the SDK when an MD5 is wrong', async () => {
      const url = await createQueue();
      server.corruptNextMd5(1);
      await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }))).rejects.toThrow(
        'InvalidChecksumError',
      );
      server.corruptNextMd5(1);
      await expect(
        sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'two' }] })),
      ).rejects.toThrow(/Invalid MD5 checksum/);
      server.corruptNextMd5(1);
      await expect(receive(url)).rejects.toThrow(/Invalid MD5 checksum on messages/);
    });

    it('refuses characters outside the XML set and messages over the queue limit', async () => {
      const url = await createQueue({ MaximumMessageSize: '1024' });
      const contents = await rejection(
        sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'bell \u0007' })),
      );
      expect(contents.name).toBe('InvalidMessageContents');
      const large = await rejection(
        sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1025) })),
      );
      expect(large.name).toBe('InvalidParameterValue');
      expect(large.message).toMatch(/shorter than 1024 bytes/);
      // Attributes count against the limit too.
      const withAttribute = await rejection(
        sqs.send(
          new SendMessageCommand({
            QueueUrl: url,
            MessageBody: 'x'.repeat(1000),
            MessageAttributes: { note: { DataType: 'String', StringValue: 'y'.repeat(30) } },
          }),
        ),
      );
      expect(withAttribute.name).toBe('InvalidParameterValue');
      expect(server.messages(nameOf(url))).toHaveLength(0);
    });

    it('sends a batch entry by entry: successes with their MD5s, failures with their codes', async () => {
      const url = await createQueue();
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'ok-1', MessageBody: 'first' },
            { Id: 'bad', MessageBody: 'nul \u0000 inside' },
            { Id: 'ok-2', MessageBody: 'second', DelaySeconds: 5 },
            { Id: 'no-value', MessageBody: 'attr', MessageAttributes: { kind: { DataType: 'String' } } },
          ],
        }),
      );
      expect(out.Successful?.map((s) => [s.Id, s.MD5OfMessageBody])).toEqual([
        ['ok-1', md5('first')],
        ['ok-2', md5('second')],
      ]);
      expect(out.Failed).toEqual([
        { Id: 'bad', SenderFault: true, Code: 'InvalidMessageContents', Message: expect.any(String) },
        { Id: 'no-value', SenderFault: true, Code: 'InvalidParameterValue', Message: expect.any(String) },
      ]);
      expect(await counts(url)).toEqual({ visible: 1, inFlight: 0, delayed: 1 });
    });

    it('refuses whole batches that break the batch rules, naming each error', async () => {
      const url = await createQueue();
      const entries = (n: number) =>
        Array.from({ length: n }, (_, i) => ({ Id: `m${i}`, MessageBody: `b${i}` }));
      const cases: Array<[string, SendMessageBatchCommand]> = [
        [
          'TooManyEntriesInBatchRequest',
          new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(11) }),
        ],
        ['EmptyBatchRequest', new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })],
        [
          'BatchEntryIdsNotDistinct',
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: [
              { Id: 'same', MessageBody: 'a' },
              { Id: 'same', MessageBody: 'b' },
            ],
          }),
        ],
        [
          'InvalidBatchEntryId',
          new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'not ok!', MessageBody: 'a' }] }),
        ],
        [
          'BatchRequestTooLong',
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: [
              { Id: 'a', MessageBody: 'a'.repeat(600_000) },
              { Id: 'b', MessageBody: 'b'.repeat(600_000) },
            ],
          }),
        ],
      ];
      for (const [name, command] of cases) {
        const error = await rejection(sqs.send(command));
        expect([name, error.name]).toEqual([name, name]);
      }
      // Ten entries and exactly 1 MiB in all are within the limits.
      const full = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: Array.from({ length: 10 }, (_, i) => ({
            Id: `full-${i}`,
            MessageBody: String(i).repeat(104_857) + (i < 6 ? 'x' : ''),
          })),
        }),
      );
      expect(full.Successful).toHaveLength(10);
      expect(server.messages(nameOf(url))).toHaveLength(10);
    });
  });

  describe('receiving', () => {
    it('refuses MaxNumberOfMessages outside 1..10 and hands out at most that many', async () => {
      const url = await createQueue();
      for (let i = 0; i < 4; i++)
        await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
      const error = await rejection(receive(url, { MaxNumberOfMessages: 11 }));
      expect(error.name).toBe('InvalidParameterValue');
      expect((await receive(url, { MaxNumberOfMessages: 3 })).map((m) => m.Body)).toEqual(['m0', 'm1', 'm2']);
      // Without MaxNumberOfMessages, SQS returns one message.
      const one = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
      expect(one.Messages?.map((m) => m.Body)).toEqual(['m3']);
    });

    it('hides a received message until its visibility timeout ends, then redelivers it counted', async () => {
      const url = await createQueue({ VisibilityTimeout: '30' });
      const sentAt = now;
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'job' }));
      advance(1000);
      const [first] = await receive(url);
      expect(first?.Attributes).toEqual({
        SenderId: CREDENTIALS.accessKeyId,
        SentTimestamp: String(sentAt),
        ApproximateReceiveCount: '1',
        ApproximateFirstReceiveTimestamp: String(sentAt + 1000),
      });
      expect(await receive(url)).toEqual([]);
      expect(await counts(url)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
      advance(29_999);
      expect(await receive(url)).toEqual([]);
      advance(1);
      const [second] = await receive(url);
      expect(second?.MessageId).toBe(first?.MessageId);
      expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
      expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');
      expect(second?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(String(sentAt + 1000));
    });

    it('takes a VisibilityTimeout per receive, and only the attributes asked for', async () => {
      const url = await createQueue({ VisibilityTimeout: '30' });
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'job',
          MessageAttributes: {
            'trace.id': { DataType: 'String', StringValue: 't-1' },
            kind: { DataType: 'String', StringValue: 'k' },
          },
        }),
      );
      const [first] = await sqs
        .send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            VisibilityTimeout: 5,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            MessageAttributeNames: ['trace.*'],
          }),
        )
        .then((o) => o.Messages ?? []);
      expect(first?.Attributes).toEqual({ ApproximateReceiveCount: '1' });
      expect(Object.keys(first?.MessageAttributes ?? {})).toEqual(['trace.id']);
      expect(first?.MD5OfMessageAttributes).toBe(
        md5OfMessageAttributes({ 'trace.id': { DataType: 'String', StringValue: 't-1' } }),
      );
      advance(5000);
      const [again] = await sqs
        .send(new ReceiveMessageCommand({ QueueUrl: url }))
        .then((o) => o.Messages ?? []);
      expect(again?.MessageId).toBe(first?.MessageId);
      expect(again).not.toHaveProperty('Attributes');
      expect(again).not.toHaveProperty('MessageAttributes');
    });

    it('long-polls: answers as soon as a message arrives, and empty when the (capped) wait ends', async () => {
      const url = await createQueue();
      const waiting = receive(url, { WaitTimeSeconds: 20 });
      await sleep(50);
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late' }));
      expect((await waiting).map((m) => m.Body)).toEqual(['late']);
      expect(await receive(url, { WaitTimeSeconds: 20 })).toEqual([]);
    });

    it('delays messages by DelaySeconds', async () => {
      const url = await createQueue({ DelaySeconds: '10' });
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later' }));
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'now', DelaySeconds: 0 }));
      expect((await receive(url)).map((m) => m.Body)).toEqual(['now']);
      expect(await counts(url)).toEqual({ visible: 0, inFlight: 1, delayed: 1 });
      advance(10_000);
      expect((await receive(url)).map((m) => m.Body)).toEqual(['later']);
    });

    it('drops messages past their retention period, in flight or not', async () => {
      const url = await createQueue({ MessageRetentionPeriod: '60' });
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'old' }));
      await receive(url);
      advance(30_000);
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'young' }));
      advance(30_000);
      expect(await counts(url)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
      expect((await receive(url)).map((m) => m.Body)).toEqual(['young']);
    });
  });

  describe('deleting and changing visibility', () => {
    it('deletes by the latest receipt handle; an earlier one succeeds but deletes nothing', async () => {
      const url = await createQueue({ VisibilityTimeout: '10' });
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'job' }));
      const [first] = await receive(url);
      advance(10_000);
      const [second] = await receive(url);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first!.ReceiptHandle }));
      expect(server.messages(nameOf(url))).toHaveLength(1);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second!.ReceiptHandle }));
      expect(server.messages(nameOf(url))).toHaveLength(0);
      // Deleting again is not an error.
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second!.ReceiptHandle }));
      const invalid = await rejection(
        sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'not-a-handle' })),
      );
      expect(invalid.name).toBe('ReceiptHandleIsInvalid');
    });

    it('deletes a batch entry by entry', async () => {
      const url = await createQueue();
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'a', MessageBody: 'a' },
            { Id: 'b', MessageBody: 'b' },
          ],
        }),
      );
      const messages = await receive(url);
      const out = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'first', ReceiptHandle: messages[0]!.ReceiptHandle },
            { Id: 'forged', ReceiptHandle: `${messages[1]!.ReceiptHandle}x` },
          ],
        }),
      );
      expect(out.Successful).toEqual([{ Id: 'first' }]);
      expect(out.Failed).toEqual([
        { Id: 'forged', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: expect.any(String) },
      ]);
      expect(server.messages(nameOf(url)).map((m) => m.body)).toEqual(['b']);
      const empty = await rejection(sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [] })));
      expect(empty.name).toBe('EmptyBatchRequest');
    });

    it('extends, shortens and refuses visibility changes as SQS does', async () => {
      const url = await createQueue({ VisibilityTimeout: '10' });
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'job' }));
      const [first] = await receive(url);
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: first!.ReceiptHandle,
          VisibilityTimeout: 60,
        }),
      );
      advance(59_000);
      expect(await receive(url)).toEqual([]);
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: first!.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      const [second] = await receive(url);
      expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');
      // The first handle belongs to an earlier receive.
      const stale = await rejection(
        sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: first!.ReceiptHandle,
            VisibilityTimeout: 5,
          }),
        ),
      );
      expect(stale.name).toBe('InvalidParameterValue');
      advance(10_000);
      const notInFlight = await rejection(
        sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: second!.ReceiptHandle,
            VisibilityTimeout: 5,
          }),
        ),
      );
      expect(notInFlight.name).toBe('MessageNotInflight');
    });

    it('purges a queue, at most once a minute', async () => {
      const url = await createQueue();
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
      await receive(url);
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'b' }));
      await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
      expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      const again = await rejection(sqs.send(new PurgeQueueCommand({ QueueUrl: url })));
      expect(again.name).toBe('PurgeQueueInProgress');
      advance(60_000);
      await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    });
  });

  describe('redrive to a dead-letter queue', () => {
    it('moves a message received maxReceiveCount times on the next receive, keeping id, sent time and count', async () => {
      const dlqUrl = await createQueue({}, 'dlq');
      const dlqArn = server.queueArn(nameOf(dlqUrl));
      const url = await createQueue({
        VisibilityTimeout: '5',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
      });
      const sentAt = now;
      const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
      const receives: string[] = [];
      for (let i = 0; i < 2; i++) {
        const [m] = await receive(url);
        receives.push(m!.Attributes!.ApproximateReceiveCount!);
        advance(5000);
      }
      expect(receives).toEqual(['1', '2']);
      expect(await receive(url)).toEqual([]);
      expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      const [dead] = await receive(dlqUrl);
      expect(dead).toMatchObject({ MessageId: sent.MessageId, Body: 'poison' });
      expect(dead?.Attributes).toMatchObject({
        SentTimestamp: String(sentAt),
        ApproximateReceiveCount: '3',
        DeadLetterQueueSourceArn: server.queueArn(nameOf(url)),
      });
    });

    it('counts retention in the dead-letter queue from the first enqueue', async () => {
      const dlqUrl = await createQueue({ MessageRetentionPeriod: '120' }, 'dlq');
      const url = await createQueue({
        VisibilityTimeout: '60',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: server.queueArn(nameOf(dlqUrl)),
          maxReceiveCount: '1',
        }),
      });
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'old news' }));
      await receive(url);
      advance(60_000);
      expect(await receive(url)).toEqual([]);
      expect(server.messages(nameOf(dlqUrl))).toHaveLength(1);
      advance(60_000);
      expect(server.messages(nameOf(dlqUrl))).toHaveLength(0);
    });
  });

  describe('faults and signatures', () => {
    it('rides out throttling and a server error with the SDK’s retries', async () => {
      const url = await createQueue();
      const before = server.calls.length;
      server.throttleNext(1, 'SendMessage');
      server.failNext(1, 'InternalError', 'SendMessage');
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'eventually' }));
      expect(server.calls.slice(before)).toEqual(['SendMessage', 'SendMessage', 'SendMessage']);
      expect(server.messages(nameOf(url))).toHaveLength(1);
    });

    it('surfaces RequestThrottled once the retries run out', async () => {
      const impatient = clientFor(server, 2);
      try {
        server.throttleNext(2, 'GetQueueUrl');
        const error = await rejection(impatient.send(new GetQueueUrlCommand({ QueueName: 'whatever' })));
        expect(error.name).toBe('RequestThrottled');
        expect(error.$metadata.attempts).toBe(2);
      } finally {
        impatient.destroy();
      }
    });

    it('refuses unsigned requests and requests signed for another region', async () => {
      const response = await fetch(server.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' },
        body: '{}',
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('x-amzn-query-error')).toBe('MissingAuthenticationToken;Sender');
      const elsewhere = new SQSClient({
        region: 'us-west-2',
        endpoint: server.endpoint,
        credentials: CREDENTIALS,
      });
      try {
        const error = await rejection(elsewhere.send(new GetQueueUrlCommand({ QueueName: 'x' })));
        expect(error.name).toBe('SignatureDoesNotMatch');
      } finally {
        elsewhere.destroy();
      }
    });
  });
});

describe('Lambda SQS event source (local driver)', () => {
  let server: LocalSqs;
  let sqs: SQSClient;
  let source: SqsEventSource | undefined;
  let counter = 0;

  /** A queue on the wall clock; failed messages come back after `visibility` seconds. */
  const createQueue = async (attributes: Record<string, string> = {}) => {
    counter += 1;
    const name = `fn-${counter}`;
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })))
      .QueueUrl!;
    return { url, arn: server.queueArn(name), name };
  };
  const sendAll = async (url: string, bodies: readonly string[]): Promise<Map<string, string>> => {
    const ids = new Map<string, string>();
    for (let i = 0; i < bodies.length; i += 10) {
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: `e${i + j}`, MessageBody: body })),
        }),
      );
      for (const entry of out.Successful ?? [])
        ids.set(entry.MessageId!, bodies[Number(entry.Id!.slice(1))]!);
    }
    return ids;
  };

  beforeAll(async () => {
    server = await startLocalSqs({ region: REGION, maxWaitMs: 200 });
    sqs = clientFor(server);
  });
  afterEach(async () => {
    await source?.stop();
    source = undefined;
  });
  afterAll(async () => {
    sqs.destroy();
    await server.close();
  });

  it('builds real-shaped SQS events and a Lambda context', async () => {
    const queue = await createQueue();
    const events: SQSEvent[] = [];
    const contexts: Array<{ remaining: number; requestId: string; arn: string }> = [];
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"eventName":"StopLogging"}',
        MessageAttributes: {
          source: { DataType: 'String', StringValue: 'trailwatch' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    source = await startSqsEventSource({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: REGION,
      functionTimeoutMs: 2000,
      handler: async (event: SQSEvent, context: Context) => {
        events.push(event);
        contexts.push({
          remaining: context.getRemainingTimeInMillis(),
          requestId: context.awsRequestId,
          arn: context.invokedFunctionArn,
        });
      },
    });
    await source.drain();
    expect(events).toHaveLength(1);
    const [record] = events[0]!.Records;
    expect(record).toEqual({
      messageId: sent.MessageId,
      receiptHandle: expect.any(String),
      body: '{"eventName":"StopLogging"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        SenderId: CREDENTIALS.accessKeyId,
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      },
      messageAttributes: {
        source: { stringValue: 'trailwatch', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
      md5OfBody: md5('{"eventName":"StopLogging"}'),
      md5OfMessageAttributes: sent.MD5OfMessageAttributes,
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: REGION,
    });
    expect(contexts[0]!.remaining).toBeGreaterThan(0);
    expect(contexts[0]!.remaining).toBeLessThanOrEqual(2000);
    expect(contexts[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(contexts[0]!.arn).toBe(`arn:aws:lambda:${REGION}:123456789012:function:local-function`);
    expect(source.stats).toMatchObject({ invocations: 1, messagesDeleted: 1, failures: 0 });
  });

  it('never runs more than maximumConcurrency invocations at once, and handles each message once', async () => {
    const queue = await createQueue();
    const ids = await sendAll(
      queue.url,
      Array.from({ length: 40 }, (_, i) => `job-${i}`),
    );
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    source = await startSqsEventSource({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: REGION,
      batchSize: 2,
      maximumConcurrency: 3,
      handler: async (event: SQSEvent) => {
        running += 1;
        peak = Math.max(peak, running);
        // Hold until three run together (or a while passes), so a driver allowing more would show it.
        for (let i = 0; i < 30 && running < 3; i++) await sleep(10);
        await sleep(10);
        seen.push(...event.Records.map((r) => r.messageId));
        running -= 1;
      },
    });
    await source.drain();
    expect(peak).toBe(3);
    expect(source.stats.peakConcurrency).toBe(3);
    expect(source.stats.invocations).toBe(20);
    expect([...seen].sort()).toEqual([...ids.keys()].sort());
    expect(source.stats.messagesDeleted).toBe(40);
    expect(server.messages(queue.name)).toEqual([]);
  });

  it('with ReportBatchItemFailures, deletes the successes and redelivers only the failed items', async () => {
    const queue = await createQueue({ VisibilityTimeout: '1' });
    const ids = await sendAll(
      queue.url,
      Array.from({ length: 6 }, (_, i) => `item-${i}`),
    );
    const deliveries = new Map<string, string[]>();
    source = await startSqsEventSource({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: REGION,
      reportBatchItemFailures: true,
      functionTimeoutMs: 1000,
      handler: async (event: SQSEvent) => {
        const failures: Array<{ itemIdentifier: string }> = [];
        for (const record of event.Records) {
          const counts = deliveries.get(record.body) ?? [];
          counts.push(record.attributes.ApproximateReceiveCount);
          deliveries.set(record.body, counts);
          // Odd items fail on their first delivery.
          if (Number(record.body.slice(5)) % 2 === 1 && counts.length === 1) {
            failures.push({ itemIdentifier: record.messageId });
          }
        }
        return { batchItemFailures: failures };
      },
    });
    await source.drain();
    expect(Object.fromEntries(deliveries)).toEqual({
      'item-0': ['1'],
      'item-1': ['1', '2'],
      'item-2': ['1'],
      'item-3': ['1', '2'],
      'item-4': ['1'],
      'item-5': ['1', '2'],
    });
    expect(source.stats).toMatchObject({ itemFailures: 3, failures: 0, messagesDeleted: 6 });
    expect(ids.size).toBe(6);
  });

  it('treats a batch response naming an unknown item as a failure of the whole batch', async () => {
    const queue = await createQueue({ VisibilityTimeout: '1' });
    await sendAll(queue.url, ['a', 'b', 'c']);
    const deliveries: string[] = [];
    source = await startSqsEventSource({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: REGION,
      reportBatchItemFailures: true,
      functionTimeoutMs: 1000,
      handler: async (event: SQSEvent) => {
        deliveries.push(...event.Records.map((r) => r.body));
        const first = event.Records[0]!.attributes.ApproximateReceiveCount === '1';
        return first ? { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] } : {};
      },
    });
    await source.drain();
    expect(deliveries.sort()).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
    expect(source.stats.failures).toBe(1);
  });

  it('without ReportBatchItemFailures, ignores a batch response and deletes the whole batch', async () => {
    const queue = await createQueue({ VisibilityTimeout: '1' });
    await sendAll(queue.url, ['a', 'b']);
    let invocations = 0;
    source = await startSqsEventSource({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: REGION,
      functionTimeoutMs: 1000,
      handler: async (event: SQSEvent) => {
        invocations += 1;
        return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    await source.drain();
    expect(invocations).toBe(1);
    expect(source.stats).toMatchObject({ messagesDeleted: 2, itemFailures: 0 });
  });

  it('redelivers a throwing batch whole until the redrive policy dead-letters it', async () => {
    const dlq = await createQueue();
    const queue = await createQueue({
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    const ids = await sendAll(queue.url, ['x', 'y', 'z']);
    const deliveries = new Map<string, number>();
    source = await startSqsEventSource({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: REGION,
      // Even with partial responses on, a thrown error fails every message of the batch.
      reportBatchItemFailures: true,
      functionTimeoutMs: 1000,
      handler: async (event: SQSEvent) => {
        for (const r of event.Records) deliveries.set(r.body, (deliveries.get(r.body) ?? 0) + 1);
        throw new Error('downstream is down');
      },
    });
    await source.drain();
    expect(Object.fromEntries(deliveries)).toEqual({ x: 2, y: 2, z: 2 });
    expect(source.stats.messagesDeleted).toBe(0);
    expect(source.stats.failures).toBeGreaterThanOrEqual(2);
    const dead = server.messages(dlq.name);
    expect(dead.map((m) => m.messageId).sort()).toEqual([...ids.keys()].sort());
    expect(dead.every((m) => m.receiveCount === 2 && m.deadLetterQueueSourceArn === queue.arn)).toBe(true);
  });

  it('fails an invocation that runs past the function timeout and redelivers its batch', async () => {
    const queue = await createQueue({ VisibilityTimeout: '1' });
    await sendAll(queue.url, ['slow']);
    const counts: string[] = [];
    source = await startSqsEventSource({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: REGION,
      functionTimeoutMs: 100,
      handler: async (event: SQSEvent) => {
        const count = event.Records[0]!.attributes.ApproximateReceiveCount;
        counts.push(count);
        if (count === '1') await sleep(400);
      },
    });
    await source.drain();
    expect(counts).toEqual(['1', '2']);
    expect(source.stats).toMatchObject({ timeouts: 1, failures: 1, messagesDeleted: 1 });
  });

  it('refuses a mapping Lambda would refuse', async () => {
    const queue = await createQueue({ VisibilityTimeout: '2' });
    const base = { sqs, queueUrl: queue.url, queueArn: queue.arn, region: REGION, handler: async () => {} };
    await expect(startSqsEventSource({ ...base, maximumConcurrency: 1 })).rejects.toThrow(
      InvalidParameterValueException,
    );
    await expect(startSqsEventSource({ ...base, batchSize: 11 })).rejects.toThrow(/BatchSize/);
    await expect(startSqsEventSource({ ...base, functionTimeoutMs: 3000 })).rejects.toThrow(
      'Queue visibility timeout: 2 seconds is less than Function timeout: 3 seconds',
    );
    await expect(startSqsEventSource({ ...base, queueArn: `${queue.arn}-other` })).rejects.toThrow(
      /is not the ARN/,
    );
  });

  it('stops polling on stop(): messages sent afterwards stay in the queue', async () => {
    const queue = await createQueue();
    let invocations = 0;
    source = await startSqsEventSource({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: REGION,
      handler: async () => {
        invocations += 1;
      },
    });
    await sendAll(queue.url, ['before']);
    await source.drain();
    await source.stop();
    await sleep(50);
    await sendAll(queue.url, ['after']);
    await sleep(100);
    expect(invocations).toBe(1);
    expect(server.messages(queue.name).map((m) => [m.body, m.state])).toEqual([['after', 'visible']]);
    await expect(source.drain()).rejects.toThrow(/stopped/);
  });
});
