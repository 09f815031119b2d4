// Builds what `npm pack` ships (run by the `prepack` script): the construct compiled to JavaScript
// with type declarations (dist/lib, and the pure parts of dist/lambda it imports), the three Lambda
// handlers prebuilt with the construct's own esbuild options (dist/assets), and the command line
// bundled whole, SDK included (dist/cli/cli.js). An installed package then needs neither
// TypeScript tooling nor esbuild, and no dependency of its own besides the CDK it is used with.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { HANDLER_BUNDLING, OUTPUTS_MODULE_ENTRY } from '../lib/function';

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
/** The handler entries under lambda/, as lib/ names them. */
const HANDLERS = ['handler.ts', 'organization/dispatcher.ts', 'organization/worker.ts'];

fs.rmSync(DIST, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: ROOT,
  stdio: 'inherit',
});

for (const entry of HANDLERS) {
  // Each handler's asset: its bundle, and the outputs' module it loads when an output is on.
  for (const [source, file] of [
    [entry, 'index.js'],
    [OUTPUTS_MODULE_ENTRY, 'outputs-impl.js'],
  ] as const) {
    buildHandler(source, path.join(DIST, 'assets', entry.replace(/\.ts$/, ''), file));
  }
}

function buildHandler(source: string, outfile: string): void {
  buildSync({
    entryPoints: [path.join(ROOT, 'lambda', source)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: HANDLER_BUNDLING.target,
    minify: HANDLER_BUNDLING.minify,
    sourcemap: HANDLER_BUNDLING.sourceMap,
    external: [...HANDLER_BUNDLING.externalModules],
    logLevel: 'warning',
  });
}

buildSync({
  entryPoints: [path.join(ROOT, 'cli', 'main.ts')],
  outfile: path.join(DIST, 'cli', 'cli.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  logLevel: 'warning',
});

const sizes = HANDLERS.map((entry) => {
  const file = path.join(DIST, 'assets', entry.replace(/\.ts$/, ''), 'index.js');
  return `${entry} ${Math.round(fs.statSync(file).size / 1024)} KB`;
});
const cliKb = Math.round(fs.statSync(path.join(DIST, 'cli', 'cli.js')).size / 1024);
process.stderr.write(`trailwatch package built: ${sizes.join(', ')}, cli ${cliKb} KB\n`);
