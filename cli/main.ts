// The `trailwatch` command line: dispatch to a command, turn errors into exit codes.
// Commands are loaded on demand so that `scan` or `--version` do not pay for the AWS SDK.
import { version } from '../package.json';
import { UsageError } from './args';
import { type CliIo, EXIT_ERROR, EXIT_OK } from './io';

export const MAIN_HELP = `Usage: trailwatch <command> [options]

Runs trailwatch's CloudTrail detection rules from the command line.

Commands:
  scan PATH... | -     scan trail log files, lookup-events output or JSON lines
  poll                 run the detector once against a live account (read-only by default)
  rules                list the detection rules

Options:
  -h, --help           help (also: trailwatch <command> --help)
  -V, --version        the version

Examples:
  trailwatch scan ./AWSLogs/
  trailwatch poll --regions us-east-1,eu-west-1 --since 24h
  trailwatch rules --json

Exit codes: 0 done, 1 findings at or above --fail-on, 2 usage, input or internal error.
`;

const COMMANDS = ['scan', 'poll', 'rules'];

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'scan':
        return await load<typeof import('./scan')>('./scan').scanCommand(rest, io);
      case 'poll':
        return await load<typeof import('./poll')>('./poll').pollCommand(rest, io);
      case 'rules':
        return load<typeof import('./rules')>('./rules').rulesCommand(rest, io);
      case '--version':
      case '-V':
      case 'version':
        io.stdout.write(`${version}\n`);
        return EXIT_OK;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(MAIN_HELP);
        return command === undefined ? EXIT_ERROR : EXIT_OK;
      default:
        throw new UsageError(`unknown command "${command.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const about = error.command ?? (COMMANDS.includes(command ?? '') ? command : undefined);
      const help = about ? `trailwatch ${about} --help` : 'trailwatch --help';
      io.stderr.write(`trailwatch: ${error.message}\nSee '${help}'.\n`);
      return EXIT_ERROR;
    }
    io.stderr.write(
      `trailwatch: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_ERROR;
  }
}

/** Entry point of a scan worker thread (the same script as the command, started by `scan`). */
export function worker(): void {
  load<typeof import('./scan-worker')>('./scan-worker').runScanWorker();
}

/**
 * A command's module, loaded when it runs. require() rather than import(): the bundle and the
 * tsx fallback both resolve it synchronously (tsx's CommonJS hook does not see import()).
 */
function load<T>(path: './scan' | './poll' | './rules' | './scan-worker'): T {
  switch (path) {
    case './scan':
      return require('./scan');
    case './poll':
      return require('./poll');
    case './rules':
      return require('./rules');
    case './scan-worker':
      return require('./scan-worker');
  }
}
