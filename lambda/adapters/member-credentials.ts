// Credentials for a member account of an organization: the detector's role assumes the member's
// read-only role with STS `AssumeRole`, and the session is kept until five minutes before it
// expires. One provider per account, handed to that account's CloudTrail client.
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';

export interface MemberCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface MemberRoleOptions {
  readonly account: string;
  /** The member role's name (the same in every account, deployed by the StackSet). */
  readonly roleName: string;
  /** Names the detector in the member account's own CloudTrail. */
  readonly sessionName: string;
  readonly externalId?: string;
  /** @default 3600 */
  readonly durationSeconds?: number;
  readonly nowMs: () => number;
}

/** Renewed this long before it expires, so that a page never goes out with a dying session. */
export const RENEW_BEFORE_MS = 5 * 60_000;

/** A credential provider for the SDK: assumes the member role, and again before the session ends. */
export function memberCredentials(
  sts: STSClient,
  options: MemberRoleOptions,
): () => Promise<MemberCredentials> {
  const roleArn = `arn:aws:iam::${options.account}:role/${options.roleName}`;
  let current: MemberCredentials | undefined;
  let pending: Promise<MemberCredentials> | undefined;
  const assume = async (): Promise<MemberCredentials> => {
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: options.sessionName,
        DurationSeconds: options.durationSeconds ?? 3600,
        ...(options.externalId ? { ExternalId: options.externalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new Error(`AssumeRole of ${roleArn} answered without complete credentials`);
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  };
  return async () => {
    if (current && current.expiration.getTime() - RENEW_BEFORE_MS > options.nowMs()) return current;
    // Pages of several regions may ask at once: one AssumeRole serves them all.
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    current = await pending;
    return current;
  };
}
