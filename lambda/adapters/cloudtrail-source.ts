// EventSource over CloudTrail LookupEvents: one client and one pacer per region.
import {
  CloudTrailClient,
  LookupEventsCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-cloudtrail';
import type { AwsCredentialIdentityProvider, FinalizeRequestMiddleware } from '@smithy/types';
import type { EventSource, LookupPage, LookupQuery } from '../core/ports';
import { Pacer, type PacerTime, realTime } from './pacer';
import { UnmeteredRetryStrategy } from './retry';

/** LookupEvents returns at most 50 events a page. */
export const PAGE_SIZE = 50;

export interface CloudTrailSourceOptions {
  /** Per region; CloudTrail's limit is 2. */
  readonly requestsPerSecond?: number;
  /**
   * SDK attempts per call: throttling and 5xx are retried with backoff, without the SDK's
   * client-wide retry quota (see retry.ts). @default 8
   */
  readonly maxAttempts?: number;
  /** Whose history is read: a member account's role session (organization mode). Default: the SDK's chain. */
  readonly credentials?: AwsCredentialIdentityProvider;
  /** For tests: build the client yourself. Default: SDK defaults (env credentials and endpoints). */
  readonly clientFor?: (region: string) => CloudTrailClient;
  readonly time?: PacerTime;
}

export class CloudTrailEventSource implements EventSource {
  private readonly clients = new Map<string, CloudTrailClient>();
  private readonly rps: number;
  private readonly maxAttempts: number;
  private readonly time: PacerTime;

  constructor(private readonly options: CloudTrailSourceOptions = {}) {
    this.rps = options.requestsPerSecond ?? 2;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.time = options.time ?? realTime;
  }

  async lookupPage(region: string, query: LookupQuery): Promise<LookupPage> {
    const output = await this.client(region).send(
      new LookupEventsCommand({
        StartTime: new Date(query.startMs),
        EndTime: new Date(query.endMs),
        MaxResults: PAGE_SIZE,
        NextToken: query.nextToken,
      }),
    );
    return {
      events: (output.Events ?? []).map((e) => ({
        eventId: e.EventId,
        eventName: e.EventName,
        eventSource: e.EventSource,
        eventTimeMs: e.EventTime?.getTime(),
        readOnly: e.ReadOnly === 'true' ? true : e.ReadOnly === 'false' ? false : undefined,
        body: e.CloudTrailEvent,
      })),
      nextToken: output.NextToken || undefined,
    };
  }

  private client(region: string): CloudTrailClient {
    let client = this.clients.get(region);
    if (client === undefined) {
      client =
        this.options.clientFor?.(region) ??
        new CloudTrailClient({
          region,
          ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
          maxAttempts: this.maxAttempts,
          retryStrategy: new UnmeteredRetryStrategy(this.maxAttempts),
        });
      const pacer = new Pacer(this.rps, this.time);
      const paced: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> =
        (next) => async (args) => {
          await pacer.take();
          try {
            return await next(args);
          } catch (error) {
            if ((error as { name?: string }).name === 'ThrottlingException') pacer.backOff(1000);
            throw error;
          }
        };
      client.middlewareStack.addRelativeTo(paced, {
        name: 'trailwatchPacer',
        relation: 'before',
        toMiddleware: 'httpSigningMiddleware',
        override: true,
      });
      this.clients.set(region, client);
    }
    return client;
  }
}
