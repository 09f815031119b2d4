// StateStores over the detector's one DynamoDB table (pk, sk; TTL attribute `expiresAt`): the
// run's lease and cursors, the alert ledger, the threshold counters and the profiles, each in its
// own file, over one client and codec (table.ts).
import type { StateStores } from '../../core/ports';
import { DynamoCounters } from './counters';
import { DynamoAlertLedger } from './ledger';
import { DynamoPairs } from './pairs';
import { DynamoProfiles } from './profiles';
import { DynamoRunState } from './run-state';
import { type DynamoDbStateOptions, DynamoTable } from './table';

export { type DynamoDbStateOptions, ItemTooLargeError, itemBytes, MAX_ITEM_BYTES } from './table';

export function dynamoDbState(options: DynamoDbStateOptions): StateStores {
  const table = new DynamoTable(options);
  return {
    runs: new DynamoRunState(table),
    ledger: new DynamoAlertLedger(table),
    counters: new DynamoCounters(table),
    profiles: new DynamoProfiles(table),
  };
}

/** The watched pairs of an organization, in the same table (`pk=pair`). */
export function dynamoDbPairs(options: DynamoDbStateOptions): DynamoPairs {
  return new DynamoPairs(new DynamoTable(options));
}
