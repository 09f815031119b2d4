// `trailwatch poll --table`: the deployed detector's table as the run's state, on AWS's clock. The
// time is read from the Date header of the table's first answer: a clock more than
// MAX_CLOCK_SKEW_MS away from it is refused (it would move the shared cursor by as much), a
// smaller difference is corrected.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDbState } from '../lambda/adapters/dynamodb';
import { ServerClock } from '../lambda/adapters/server-clock';
import { MAX_CLOCK_SKEW_MS } from '../lambda/core/lease';
import type { StateStores } from '../lambda/core/ports';
import { describe } from '../lambda/core/run';
import { WHOLE_NUMBER_SETTINGS } from '../lambda/core/settings';
import { DAY_MS } from '../lambda/core/window';
import type { CliIo } from './io';

/** The table's state and AWS's clock; undefined (after saying why on stderr) when it cannot be used. */
export async function openSharedTable(
  tableName: string,
  region: string,
  io: CliIo,
): Promise<{ state: StateStores; nowMs: () => number } | undefined> {
  const client = new DynamoDBClient({ maxAttempts: 6 });
  const serverClock = new ServerClock(io.nowMs);
  serverClock.watch(client);
  const state = dynamoDbState({
    tableName,
    alertRetentionMs: WHOLE_NUMBER_SETTINGS.alertRetentionDays.default * DAY_MS,
    client,
  });
  // One read to learn AWS's time before anything is written.
  try {
    await state.runs.getCursor(region);
  } catch (error) {
    io.stderr.write(`trailwatch poll: table ${tableName}: ${describe(error)}\n`);
    return undefined;
  }
  const offset = serverClock.offsetMs();
  if (offset === undefined || Math.abs(offset) > MAX_CLOCK_SKEW_MS) {
    io.stderr.write(
      `trailwatch poll: ${
        offset === undefined
          ? "could not read the time from DynamoDB's answer"
          : `this machine's clock is ${formatSkew(offset)} AWS's (DynamoDB's Date header)`
      }; with --table the run would move the shared cursor by it. Correct the clock (or run without --table).\n`,
    );
    return undefined;
  }
  return { state, nowMs: () => io.nowMs() + offset };
}

/** "3 min 5 s ahead of" / "2 h 0 min behind" (the measure is good to a second or so). */
function formatSkew(offsetMs: number): string {
  const seconds = Math.round(Math.abs(offsetMs) / 1000);
  const minutes = Math.round(seconds / 60);
  const size =
    seconds >= 3600
      ? `${Math.floor(minutes / 60)} h ${minutes % 60} min`
      : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  // Server minus local: a negative offset means the local clock is ahead.
  return `${size} ${offsetMs < 0 ? 'ahead of' : 'behind'}`;
}
