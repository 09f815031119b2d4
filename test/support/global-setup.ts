// jest globalSetup: one DynamoDB Local for the whole run. Runs in jest's parent process, so the
// environment variable set here is inherited by every worker.
import { DYNAMODB_ENDPOINT_ENV, type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb';

/** Where the handle lives between setup and teardown (both run in jest's parent process). */
export const GLOBAL_HANDLE_KEY = '__trailwatchDynamoDbLocal';

/** The slot on `globalThis` that holds the running DynamoDB Local. */
export type GlobalWithDynamoDb = typeof globalThis & { [GLOBAL_HANDLE_KEY]?: DynamoDbLocal };

/**
 * Starts DynamoDB Local and exports its endpoint as `TRAILWATCH_TEST_DYNAMODB_ENDPOINT`.
 * If that variable is already set (an externally run instance), nothing is started.
 */
export default async function globalSetup(): Promise<void> {
  // Node 20 is supported here; the SDK's warning about it would only clutter the test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (process.env[DYNAMODB_ENDPOINT_ENV]) return;
  const local = await startDynamoDbLocal();
  (globalThis as GlobalWithDynamoDb)[GLOBAL_HANDLE_KEY] = local;
  process.env[DYNAMODB_ENDPOINT_ENV] = local.endpoint;
}
