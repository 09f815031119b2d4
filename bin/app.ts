#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { TrailwatchStack } from '../lib/trailwatch-stack';

const app = new App();
try {
  new TrailwatchStack(app, 'Trailwatch', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  // A context mistake is the user's to fix: print the message that names the key, not a stack trace.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
// cdk-nag 3 runs as a policy-validation plugin at synth; findings not acknowledged in the construct fail it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
