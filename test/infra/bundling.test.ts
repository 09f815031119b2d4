// The function's asset as `cdk synth` bundles it from source with the local esbuild: the handler,
// and beside it the outputs' module it loads only when an output is on.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { TrailwatchStack } from '../../lib/trailwatch-stack';

jest.setTimeout(120_000);

describe('the bundled function asset', () => {
  it('holds the handler and, apart from it, the outputs module with their SDK clients', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailwatch-bundle-'));
    try {
      const app = new App({ outdir });
      new TrailwatchStack(app, 'Trailwatch');
      const assembly = app.synth();
      const template = assembly.getStackByName('Trailwatch').template as {
        Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
      };
      const keys = Object.values(template.Resources)
        .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Code?.S3Key)
        .map((r) => String(r.Properties.Code!.S3Key).replace(/\.zip$/, ''));
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        const dir = path.join(outdir, `asset.${key}`);
        expect(fs.readdirSync(dir).sort()).toEqual(['index.js', 'outputs-impl.js']);
        expect(fs.readFileSync(path.join(dir, 'index.js'), 'utf8')).not.toContain('PutEventsCommand');
        expect(fs.readFileSync(path.join(dir, 'outputs-impl.js'), 'utf8')).toContain('PutEventsCommand');
        const outputs = require(
          path.join(dir, 'outputs-impl.js'),
        ) as typeof import('../../lambda/outputs-impl');
        expect(
          outputs.createOutput(
            'securityHub',
            'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default',
          ).name,
        ).toBe('securityHub');
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
