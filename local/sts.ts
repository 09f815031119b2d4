// A local stand-in for STS `AssumeRole` (the query protocol: a form body, an XML answer), faithful
// enough for the real STSClient. Roles are registered per account with whom they trust; the
// credentials it issues name their account in the access key id (`ASIA` + the 12 digits + a
// counter), so that other local servers can tell which account a call comes from. Node built-ins only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BodyTooLargeError, closeServer, deterministicUuid, LOOPBACK, listen, readBody } from './net';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export interface LocalRole {
  readonly account: string;
  readonly name: string;
  /** Access key ids allowed to assume it (the callers' credentials); any caller when absent. */
  readonly trustedKeys?: readonly string[];
  /** The external id the trust policy requires, if any. */
  readonly externalId?: string;
}

export interface AssumedSession {
  readonly accessKeyId: string;
  readonly account: string;
  readonly roleName: string;
  readonly sessionName: string;
  readonly expiresAtMs: number;
}

export interface LocalSts {
  readonly endpoint: string;
  addRole(role: LocalRole): void;
  /** Deletes a role, as a member account's administrator might: assuming it is refused from then on. */
  removeRole(account: string, name: string): void;
  /** The session behind an access key id this server issued. */
  sessionOf(accessKeyId: string): AssumedSession | undefined;
  /** Every AssumeRole asked: role ARN and whether it was granted. */
  readonly calls: Array<{ roleArn: string; granted: boolean }>;
  close(): Promise<void>;
}

/** The account a key issued by this server belongs to, from the key alone. */
export function accountOfLocalKey(accessKeyId: string): string | undefined {
  const match = /^ASIA(\d{12})/.exec(accessKeyId);
  return match?.[1];
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export async function startLocalSts(
  options: { port?: number; nowMs?: () => number } = {},
): Promise<LocalSts> {
  const now = options.nowMs ?? Date.now;
  const roles = new Map<string, LocalRole>();
  const sessions = new Map<string, AssumedSession>();
  const calls: Array<{ roleArn: string; granted: boolean }> = [];
  let counter = 0;

  const send = (res: ServerResponse, status: number, xml: string): void => {
    res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
    res.end(xml);
  };
  const fail = (res: ServerResponse, status: number, code: string, message: string): void =>
    send(
      res,
      status,
      `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code>` +
        `<Message>${escapeXml(message)}</Message></Error><RequestId>${deterministicUuid('sts', ++counter)}</RequestId></ErrorResponse>`,
    );

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let raw: Buffer;
    try {
      raw = await readBody(req, 64 * 1024);
    } catch (error) {
      fail(
        res,
        400,
        'MalformedInput',
        error instanceof BodyTooLargeError ? error.message : 'unreadable body',
      );
      return;
    }
    const form = new URLSearchParams(raw.toString('utf8'));
    const callerKey = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!callerKey)
      return fail(res, 403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    if (form.get('Action') !== 'AssumeRole') {
      return fail(res, 400, 'InvalidAction', `Could not find operation ${form.get('Action') ?? ''}`);
    }
    const roleArn = form.get('RoleArn') ?? '';
    const sessionName = form.get('RoleSessionName') ?? '';
    const match = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]{1,64})$/.exec(roleArn);
    const role = match ? roles.get(`${match[1]}/${match[2]}`) : undefined;
    const trusted =
      role !== undefined &&
      (role.trustedKeys === undefined || role.trustedKeys.includes(callerKey)) &&
      (role.externalId === undefined || role.externalId === form.get('ExternalId'));
    calls.push({ roleArn, granted: trusted });
    if (!role || !trusted || !/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
      return fail(
        res,
        403,
        'AccessDenied',
        `User: ${callerKey} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }
    const duration = Number(form.get('DurationSeconds') ?? 3600);
    const expiresAtMs = now() + duration * 1000;
    counter += 1;
    const accessKeyId = `ASIA${role.account}${String(counter).padStart(4, '0')}`;
    sessions.set(accessKeyId, {
      accessKeyId,
      account: role.account,
      roleName: role.name,
      sessionName,
      expiresAtMs,
    });
    send(
      res,
      200,
      `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult><AssumedRoleUser>` +
        `<AssumedRoleId>AROALOCAL${counter}:${escapeXml(sessionName)}</AssumedRoleId>` +
        `<Arn>arn:aws:sts::${role.account}:assumed-role/${escapeXml(role.name)}/${escapeXml(sessionName)}</Arn>` +
        `</AssumedRoleUser><Credentials><AccessKeyId>${accessKeyId}</AccessKeyId>` +
        `<SecretAccessKey>local-secret-${counter}</SecretAccessKey><SessionToken>local-token-${counter}</SessionToken>` +
        `<Expiration>${new Date(expiresAtMs).toISOString()}</Expiration></Credentials></AssumeRoleResult>` +
        `<ResponseMetadata><RequestId>${deterministicUuid('sts', counter)}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  const port = await listen(server, options.port ?? 0);
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    addRole(role) {
      roles.set(`${role.account}/${role.name}`, role);
    },
    removeRole(account, name) {
      roles.delete(`${account}/${name}`);
    },
    sessionOf: (key) => sessions.get(key),
    calls,
    close: () => closeServer(server),
  };
}
