// The package as a user gets it: `npm pack` (which builds dist/ first), installed offline into an
// empty folder, with its peers (aws-cdk-lib, constructs) linked from this repository's own install. There is no esbuild and no
// TypeScript tooling in that folder: a CDK app in plain JavaScript that uses TrailwatchDetector
// synthesizes with the prebuilt handlers, and the installed CLI scans a gzipped trail file.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRecordFactory, stopLoggingRecord } from '../../local/cloudtrail';
import { version } from '../../package.json';

const ROOT = path.join(__dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' };

let work: string;
let app: string;
let tarball: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'trailwatch-package-'));
  const packed = execFileSync(NPM, ['pack', '--json', '--pack-destination', work], {
    cwd: ROOT,
    env: npmEnv,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(packed.slice(packed.indexOf('['))) as Array<{ filename: string }>;
  tarball = path.join(work, info!.filename);
  app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'host-app', private: true }));
  // The package alone, offline and with no peers resolved by npm: its tarball carries everything.
  execFileSync(
    NPM,
    ['install', '--offline', '--no-audit', '--ignore-scripts', '--legacy-peer-deps', tarball],
    {
      cwd: app,
      env: npmEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // Its peers, as this repository installed them: npm's offline resolver would need registry
  // metadata that `npm ci` does not keep. Linked, not copied: aws-cdk-lib is large.
  for (const peer of ['aws-cdk-lib', 'constructs']) {
    fs.symlinkSync(path.join(ROOT, 'node_modules', peer), path.join(app, 'node_modules', peer), 'dir');
  }
}, 300_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const node = (args: string[], cwd = app) =>
  spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });

describe('the packed package', () => {
  it('ships compiled JavaScript, type declarations, prebuilt handlers and CLI, and no TypeScript source', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const wanted of [
      'package/dist/lib/index.js',
      'package/dist/lib/index.d.ts',
      'package/dist/assets/handler/index.js',
      'package/dist/assets/organization/dispatcher/index.js',
      'package/dist/assets/organization/worker/index.js',
      'package/dist/assets/handler/outputs-impl.js',
      'package/dist/assets/organization/dispatcher/outputs-impl.js',
      'package/dist/assets/organization/worker/outputs-impl.js',
      'package/dist/cli/cli.js',
      'package/bin/trailwatch.js',
      'package/schema/alert-v1.schema.json',
      'package/schema/finding-v1.schema.json',
      'package/LICENSE',
    ]) {
      expect(files).toContain(wanted);
    }
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /^package\/(test|local|bench)\//.test(f))).toEqual([]);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(app, 'node_modules', 'trailwatch', 'package.json'), 'utf8'),
    );
    expect(manifest.peerDependencies).toEqual({
      'aws-cdk-lib': expect.any(String),
      constructs: expect.any(String),
    });
    expect(manifest.dependencies).toBeUndefined();
  });

  it('installs without esbuild, TypeScript or tsx', () => {
    for (const tool of ['esbuild', 'typescript', 'tsx']) {
      expect(node(['-e', `require.resolve(${JSON.stringify(tool)})`]).status).not.toBe(0);
    }
  });

  it('synthesizes a host app that uses TrailwatchDetector, with the prebuilt handlers as assets', () => {
    fs.writeFileSync(
      path.join(app, 'app.js'),
      [
        "const { App, Stack } = require('aws-cdk-lib');",
        "const { TrailwatchDetector } = require('trailwatch');",
        "const app = new App({ outdir: 'cdk.out' });",
        "const stack = new Stack(app, 'Host', { env: { account: '111122223333', region: 'eu-west-1' } });",
        "new TrailwatchDetector(stack, 'Trailwatch', { alertEmails: [{ endpoint: 'ops@example.com' }] });",
        'app.synth();',
      ].join('\n'),
    );
    const synth = node(['app.js']);
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    const template = JSON.parse(fs.readFileSync(path.join(app, 'cdk.out', 'Host.template.json'), 'utf8'));
    const functions = Object.values(
      template.Resources as Record<
        string,
        { Type: string; Properties: { Handler?: string; Code: { S3Key: string } } }
      >,
    ).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler');
    expect(functions).toHaveLength(1);
    const asset = String(functions[0]!.Properties.Code.S3Key).replace(/\.zip$/, '');
    const bundle = path.join(app, 'cdk.out', `asset.${asset}`, 'index.js');
    expect(fs.existsSync(bundle)).toBe(true);
    const loaded = node(['-e', `process.stdout.write(typeof require(${JSON.stringify(bundle)}).handler)`]);
    expect(loaded.stdout).toBe('function');
    // The outputs' module sits beside the handler, where lambda/outputs.ts loads it from; the
    // handler's own bundle holds none of its SDK clients.
    const outputs = path.join(path.dirname(bundle), 'outputs-impl.js');
    const made = node([
      '-e',
      `process.stdout.write(require(${JSON.stringify(outputs)}).createOutput('eventBus', 'default').name)`,
    ]);
    expect(made.stdout).toBe('eventBus');
    expect(fs.readFileSync(bundle, 'utf8')).not.toContain('PutEventsCommand');
  });

  it('runs the installed CLI on a gzipped trail file', () => {
    const make = createRecordFactory(3);
    const file = path.join(work, '111122223333_CloudTrail_eu-west-1_20261201T0000Z_test.json.gz');
    fs.writeFileSync(
      file,
      gzipSync(JSON.stringify({ Records: [stopLoggingRecord(make, Date.UTC(2026, 11, 1))] })),
    );
    const cli = path.join(app, 'node_modules', '.bin', 'trailwatch');
    const versionRun = spawnSync(cli, ['--version'], { cwd: app, encoding: 'utf8' });
    expect(versionRun.stdout.trim()).toBe(version);
    const scan = spawnSync(cli, ['scan', '--fail-on', 'high', file], { cwd: app, encoding: 'utf8' });
    expect(scan.stdout).toContain('cloudtrail.logging-stopped');
    expect(scan.status).toBe(1);
  });
});
