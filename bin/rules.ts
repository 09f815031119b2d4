// `npm run rules [-- --json]`: the detection catalogue, as `trailwatch rules` prints it.
import { rulesCommand } from '../cli/rules';

process.exitCode = rulesCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  nowMs: () => Date.now(),
});
