// The Security Hub output: each alert as ASFF findings imported with BatchImportFindings into the
// configured product (the account's default product). The SDK package is loaded on the first send,
// so a detector without Security Hub never evaluates it.
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { reasonText } from '../../core/outputs/limits';
import { type ImportTarget, parseProductArn } from '../../core/outputs/security-hub';
import {
  importResults,
  isTransientImportError,
  type PlannedFinding,
  planImports,
} from '../../core/outputs/security-hub-imports';
import { type AlertOutput, type ForwardItem, type ForwardResult, OUTPUT_BATCH_SIZES } from '../../core/ports';
import { CLIENT_SETTINGS, complete, errorCode, isPermanentKms, sendInOrder } from './errors';

type Sdk = typeof import('@aws-sdk/client-securityhub');

export interface SecurityHubOutputOptions {
  /** `arn:aws:securityhub:<region>:<account>:product/<account>/default`: the account's own product. */
  readonly productArn: string;
  /** @default the product ARN's region (findings must be imported where the product is) */
  readonly region?: string | undefined;
  /** @default a client made on the first send, with bounded timeouts */
  readonly client?: SecurityHubClient | undefined;
  /** The clock for a finding whose event has no time. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/**
 * BatchImportFindings errors for the whole call that sending again cannot fix: Security Hub not
 * enabled or not subscribed (InvalidAccessException), no permission, input it refuses, a KMS key
 * missing. Throttling (LimitExceededException) and internal errors are retried.
 */
const PERMANENT_CALL = new Set([
  'AccessDeniedException',
  'InvalidAccessException',
  'InvalidInputException',
  'ResourceNotFoundException',
  'ValidationException',
]);

export class SecurityHubOutput implements AlertOutput {
  readonly name = 'securityHub' as const;
  /** One request's worth of alerts; a digest's findings may take the send past one request. */
  readonly batchSize = OUTPUT_BATCH_SIZES.securityHub;
  private readonly target: ImportTarget;
  private loading: Promise<{ sdk: Sdk; client: SecurityHubClient }> | undefined;

  constructor(private readonly options: SecurityHubOutputOptions) {
    this.target = parseProductArn(options.productArn);
  }

  private ready(): Promise<{ sdk: Sdk; client: SecurityHubClient }> {
    this.loading ??= import('@aws-sdk/client-securityhub').then(
      (sdk) => ({
        sdk,
        client:
          this.options.client ??
          new sdk.SecurityHubClient({
            region: this.options.region ?? this.target.region,
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
    const plan = planImports(items, this.target, (this.options.now ?? Date.now)());
    const outcomes = new Map<string, ForwardResult>();
    if (plan.requests.length > 0) {
      const { sdk, client } = await this.ready();
      // Outcomes are per finding Id; sendInOrder records a failed request against item indexes,
      // so give it one slot per finding of the plan and read them back by Id.
      const slots: (ForwardResult | undefined)[] = [];
      const slotOf = new Map<string, number>();
      for (const f of plan.requests.flat()) slotOf.set(f.id, slotOf.size);
      await sendInOrder(
        plan.requests,
        (request) => request.map((f) => slotOf.get(f.id)!),
        async (request: PlannedFinding[]) => {
          const out = await client.send(
            new sdk.BatchImportFindingsCommand({ Findings: request.map((f) => f.finding) }),
          );
          const failed = new Map((out.FailedFindings ?? []).map((f) => [f.Id ?? '', f]));
          for (const f of request) {
            const failure = failed.get(f.id);
            slots[slotOf.get(f.id)!] = failure
              ? {
                  ok: false,
                  permanent: !isTransientImportError(failure.ErrorCode ?? ''),
                  reason: reasonText(`${failure.ErrorCode ?? 'failed'}: ${failure.ErrorMessage ?? ''}`),
                }
              : { ok: true };
          }
        },
        (error) => {
          const code = errorCode(error);
          return PERMANENT_CALL.has(code) || isPermanentKms(code);
        },
        slots,
      );
      for (const [id, slot] of slotOf) {
        const outcome = slots[slot];
        if (outcome) outcomes.set(id, outcome);
      }
    }
    return complete(importResults(items.length, plan, outcomes));
  }
}
