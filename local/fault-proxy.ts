// An HTTP proxy in front of DynamoDB Local that answers a seeded fraction of requests with the
// throttling error DynamoDB sends under load (the SDK retries those; the proxy proves it does), and
// can move the clock its answers' Date header shows.
import { createServer, request as httpRequest, type Server } from 'node:http';
import { closeServer, LOOPBACK, listen, mulberry32, readBody } from './net';

export interface FaultProxy {
  readonly url: string;
  /** Requests answered with an injected throttle so far. */
  readonly injected: () => number;
  setThrottleRate(rate: number): void;
  /** Requests passed on, by operation (the `X-Amz-Target` after the dot), for the cost figures. */
  forwarded(): Record<string, number>;
  close(): Promise<void>;
}

export async function startFaultProxy(
  target: string,
  /** `dateOffsetMs`: moves the `Date` header of every answer, as a service whose clock differs would. */
  options: { seed?: number; throttleRate?: number; dateOffsetMs?: number } = {},
): Promise<FaultProxy> {
  const rng = mulberry32(options.seed ?? 1);
  let rate = options.throttleRate ?? 0;
  let injected = 0;
  const forwarded: Record<string, number> = {};
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req, 16 * 1024 * 1024);
      if (rate > 0 && rng() < rate) {
        injected += 1;
        res.writeHead(400, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-errortype': 'ThrottlingException',
        });
        res.end(
          JSON.stringify({
            __type: 'com.amazon.coral.availability#ThrottlingException',
            message: 'Rate of requests exceeds the allowed throughput.',
          }),
        );
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.indexOf('.') + 1) || 'unknown';
      forwarded[operation] = (forwarded[operation] ?? 0) + 1;
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          const headers = { ...answer.headers };
          if (options.dateOffsetMs !== undefined) {
            // An answer without a Date header (DynamoDB Local's) gets one, as AWS's always carry it.
            const base = headers.date ? Date.parse(headers.date) : Date.now();
            headers.date = new Date(base + options.dateOffsetMs).toUTCString();
          }
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(body);
    })().catch((error) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  const port = await listen(server);
  return {
    url: `http://${LOOPBACK}:${port}`,
    injected: () => injected,
    forwarded: () => ({ ...forwarded }),
    setThrottleRate: (r) => {
      rate = r;
    },
    close: () => closeServer(server),
  };
}
