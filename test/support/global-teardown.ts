// jest globalTeardown: stops the DynamoDB Local that globalSetup started (not an external one).
import { DYNAMODB_ENDPOINT_ENV } from '../../local/dynamodb';
import { GLOBAL_HANDLE_KEY, type GlobalWithDynamoDb } from './global-setup';

/** Stops the run's DynamoDB Local, if this run started one, and clears the endpoint variable. */
export default async function globalTeardown(): Promise<void> {
  const slot = globalThis as GlobalWithDynamoDb;
  const local = slot[GLOBAL_HANDLE_KEY];
  if (!local) return;
  delete slot[GLOBAL_HANDLE_KEY];
  delete process.env[DYNAMODB_ENDPOINT_ENV];
  await local.stop();
}
