// Small helpers shared by the local AWS stand-ins: ports, bodies, SigV4 scope, a seeded PRNG.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The only interface the local servers bind to: nothing is reachable from outside the machine. */
export const LOOPBACK = '127.0.0.1';

/**
 * Asks the OS for a port that is free right now on 127.0.0.1.
 * Another process may take it before the caller binds it; callers that spawn a child on it retry.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, 0);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `server` on 127.0.0.1 (`port` 0 = any free port) and resolves with the bound port. */
export function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, LOOPBACK, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Stops `server` and drops its keep-alive sockets at once: the SDK keeps connections open,
 * and a plain `close()` would wait for them (and keep jest alive).
 */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Thrown by {@link readBody} when a request body exceeds the limit. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** Reads a whole request body, refusing more than `limitBytes` (the caller answers 413). */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep draining so the client sees our answer rather than a reset socket.
      if (size > limitBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(new BodyTooLargeError(`request body larger than ${limitBytes} bytes`));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/**
 * Reads the region from a SigV4 `Authorization` header's credential scope
 * (`Credential=AKID/20261127/eu-west-1/cloudtrail/aws4_request`). Undefined when absent or malformed.
 */
export function regionFromAuthorization(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/[a-z0-9-]+\/aws4_request/.exec(authorization);
  return match?.[1];
}

/**
 * mulberry32: a tiny, fast, seedable PRNG. Returns floats in [0, 1).
 * Same seed, same sequence: fault injection and generated data are reproducible.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A UUID-shaped id derived from `namespace` and `counter` (SHA-256, version nibble 4).
 * Deterministic, so request and message ids repeat from run to run without using the fault PRNG.
 */
export function deterministicUuid(namespace: string, counter: number): string {
  const hex = createHash('sha256').update(`${namespace}:${counter}`).digest('hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Reads a whole request body; one larger than `limitBytes` becomes the server's own error
 * (`tooLarge`, given the message), as each service answers it in its protocol.
 */
export async function readBodyOr(
  req: IncomingMessage,
  limitBytes: number,
  tooLarge: (message: string) => Error,
): Promise<Buffer> {
  try {
    return await readBody(req, limitBytes);
  } catch (error) {
    throw error instanceof BodyTooLargeError ? tooLarge(error.message) : error;
  }
}

/**
 * Answers in AWS's JSON protocols (JSON 1.0/1.1, REST-JSON): the body, its length, a request id,
 * and an error's type in `x-amzn-errortype`.
 */
export function sendAwsJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  answer: {
    readonly contentType: string;
    readonly requestId: string;
    readonly errorType?: string | undefined;
  },
): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': answer.contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': answer.requestId,
  };
  if (answer.errorType) headers['x-amzn-errortype'] = answer.errorType;
  res.writeHead(status, headers);
  res.end(text);
}
