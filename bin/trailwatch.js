#!/usr/bin/env node
// The `trailwatch` command. An installed package runs the CLI prebuilt into dist/cli/cli.js.
// In this repository the CLI is TypeScript (cli/); rather than asking users to
// remember a build, the first run bundles it with esbuild into node_modules/.cache/trailwatch
// (about a quarter of a second) and later runs load that bundle. The bundle is rebuilt when any
// file that went into it changes size or modification time. If the cache cannot be written, the
// TypeScript is loaded through tsx instead (slower to start, same behaviour).
// Worker threads of `scan` start this same file; it then runs the worker entry point.

const fs = require('node:fs');
const path = require('node:path');
const { isMainThread } = require('node:worker_threads');

const ROOT = path.resolve(__dirname, '..');
const ENTRY = path.join(ROOT, 'cli', 'main.ts');
/** What an installed package carries instead of the sources (bin/build-package.ts). */
const PREBUILT = path.join(ROOT, 'dist', 'cli', 'cli.js');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'trailwatch');
const BUNDLE = path.join(CACHE, 'cli.js');
const MANIFEST = path.join(CACHE, 'cli.manifest.json');
/** Bump when the build options below change, so old bundles are not reused. */
const BUILD_ID = 1;

function bundleIsFresh() {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  } catch {
    return false;
  }
  if (manifest.buildId !== BUILD_ID || !fs.existsSync(BUNDLE)) return false;
  for (const [file, [size, mtimeMs]] of Object.entries(manifest.inputs)) {
    let stat;
    try {
      stat = fs.statSync(path.join(ROOT, file));
    } catch {
      return false;
    }
    if (stat.size !== size || stat.mtimeMs !== mtimeMs) return false;
  }
  return true;
}

function build() {
  const esbuild = require('esbuild');
  const result = esbuild.buildSync({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Dependencies (the AWS SDK) load from node_modules at run time, and only when a command needs them.
    packages: 'external',
    metafile: true,
    write: false,
    outfile: BUNDLE,
    logLevel: 'silent',
    absWorkingDir: ROOT,
  });
  const inputs = {};
  for (const file of Object.keys(result.metafile.inputs)) {
    const stat = fs.statSync(path.join(ROOT, file));
    inputs[file] = [stat.size, stat.mtimeMs];
  }
  const code = result.outputFiles[0].contents;
  fs.mkdirSync(CACHE, { recursive: true });
  // Written under a temporary name and renamed: concurrent first runs never see half a file.
  const suffix = `.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(BUNDLE + suffix, code);
  fs.renameSync(BUNDLE + suffix, BUNDLE);
  fs.writeFileSync(MANIFEST + suffix, JSON.stringify({ buildId: BUILD_ID, inputs }));
  fs.renameSync(MANIFEST + suffix, MANIFEST);
}

function load() {
  // An installed package has no sources: it runs the CLI it was packed with.
  if (!fs.existsSync(ENTRY)) return require(PREBUILT);
  if (process.env.TRAILWATCH_CLI_LOADER !== 'tsx') {
    try {
      if (!bundleIsFresh()) build();
      return require(BUNDLE);
    } catch (error) {
      if (error && Array.isArray(error.errors) && error.errors.length > 0) {
        // A compile error in the sources: tsx would fail the same way, so say it now.
        const first = error.errors[0];
        const where = first.location ? `${first.location.file}:${first.location.line}: ` : '';
        process.stderr.write(`trailwatch: cannot build the CLI: ${where}${first.text}\n`);
        process.exit(2);
      }
      // Cache not writable, or esbuild missing: fall through to tsx.
    }
  }
  require('tsx/cjs/api').register();
  return require(ENTRY);
}

let cli;
try {
  cli = load();
} catch (error) {
  process.stderr.write(
    `trailwatch: cannot load the CLI (${error?.message}). Run \`npm ci\` in ${ROOT} first.\n`,
  );
  process.exit(2);
}

if (isMainThread) {
  // `trailwatch scan ... | head` closes stdout early: stop quietly.
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  cli
    .main(process.argv.slice(2), {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      workerScript: __filename,
      nowMs: () => Date.now(),
    })
    .then((code) => {
      process.exitCode = code;
    });
} else {
  cli.worker();
}
