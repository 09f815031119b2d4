// The one test that really runs esbuild: the asset in the assembly must export `handler`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TrailwatchStack } from '../../lib/trailwatch-stack';

const HANDLER_SOURCE = path.join(__dirname, '..', '..', 'lambda', 'handler.ts');

describe('the bundled detector asset', () => {
  let outdir: string;
  let bundle: string;

  beforeAll(() => {
    // Prepare: a clear message instead of a stack trace when the Lambda side is missing.
    if (!fs.existsSync(HANDLER_SOURCE))
      throw new Error(`bundling needs ${HANDLER_SOURCE}, which does not exist yet`);
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailwatch-bundle-'));
    // Act: no bundling-stacks override, so NodejsFunction runs the local esbuild.
    const app = new App({ outdir });
    const stack = new TrailwatchStack(app, 'Trailwatch');
    app.synth();
    const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    const assetHash = String(fn?.Properties.Code.S3Key).replace(/\.zip$/, '');
    bundle = path.join(outdir, `asset.${assetHash}`, 'index.js');
  });

  afterAll(() => {
    if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('exports a handler function', () => {
    // Assess: load the bundle in this process, as the Lambda runtime would.
    const loaded: unknown = require(bundle);
    expect(typeof (loaded as { handler?: unknown }).handler).toBe('function');
  });

  it('bundles the AWS SDK clients instead of relying on the runtime copy', () => {
    const code = fs.readFileSync(bundle, 'utf8');
    expect(code).not.toMatch(/require\(["']@aws-sdk\/client-/);
  });

  it('ships no source map', () => {
    const files = fs.readdirSync(path.dirname(bundle));
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(fs.readFileSync(bundle, 'utf8')).not.toContain('sourceMappingURL');
  });
});

describe('the bundled assets in organization mode', () => {
  let outdir: string;
  const bundles: Record<string, string> = {};

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailwatch-bundle-org-'));
    const app = new App({
      outdir,
      context: { organization: 'true', organizationId: 'o-abcdefghij', organizationRootId: 'r-ab12' },
    });
    const stack = new TrailwatchStack(app, 'Trailwatch');
    app.synth();
    for (const fn of Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))) {
      const name = String(fn.Properties.FunctionName ?? 'detector');
      const assetHash = String(fn.Properties.Code?.S3Key).replace(/\.zip$/, '');
      const file = path.join(outdir, `asset.${assetHash}`, 'index.js');
      if (fs.existsSync(file)) bundles[name.replace(/^Trailwatch-org-/, '')] = file;
    }
  }, 120_000);

  afterAll(() => {
    if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('builds a dispatcher and a worker that export their handlers', () => {
    expect(Object.keys(bundles).sort()).toEqual(expect.arrayContaining(['dispatcher', 'worker']));
    for (const name of ['dispatcher', 'worker']) {
      const loaded = require(bundles[name]!) as { handler?: unknown };
      expect(typeof loaded.handler).toBe('function');
    }
  });

  it("keeps the clients of organization mode out of the detector's bundle (its cold start)", () => {
    const detector = Object.entries(bundles).find(([name]) => !['dispatcher', 'worker'].includes(name));
    expect(detector).toBeDefined();
    const code = fs.readFileSync(detector![1], 'utf8');
    expect(code).not.toContain('AWSOrganizationsV20161128');
    expect(code).not.toContain('AmazonSQS');
    expect(fs.readFileSync(bundles.dispatcher!, 'utf8')).toContain('AWSOrganizationsV20161128');
    expect(fs.readFileSync(bundles.worker!, 'utf8')).not.toContain('AWSOrganizationsV20161128');
  });
});
