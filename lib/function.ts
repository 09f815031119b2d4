// One trailwatch Lambda function with its own log group and a role that may write only to it: the
// detector function and the organization's dispatcher and worker are all built here, alike.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** The Lambda sources, one directory up from lib/. */
export const LAMBDA_DIR = path.join(__dirname, '..', 'lambda');

/**
 * Prebuilt handler bundles, one directory per entry (`assets/<entry without .ts>/index.js`), which
 * the installed package carries beside its compiled lib/ (`dist/assets`, made by
 * `bin/build-package.ts`). In this repository there are none, and the handlers are bundled from
 * source at synth; an installed package needs no esbuild.
 */
export const PREBUILT_DIR = path.join(__dirname, '..', 'assets');

/** The directory of an entry's prebuilt bundle, when the package carries one. */
export function prebuiltAsset(entry: string): string | undefined {
  const dir = path.join(PREBUILT_DIR, entry.replace(/\.ts$/, ''));
  return fs.existsSync(path.join(dir, 'index.js')) ? dir : undefined;
}

/** esbuild's options for every handler, at synth here and in `bin/build-package.ts` alike. */
export const HANDLER_BUNDLING = {
  minify: true,
  target: 'node22',
  sourceMap: false,
  // Bundle the SDK clients we pin instead of relying on the runtime's copy.
  externalModules: [] as string[],
} as const;

/**
 * The outputs' adapters and SDK clients (EventBridge, Security Hub, chat), bundled apart into
 * `outputs-impl.js` beside each handler's `index.js`: the handler loads it at an output's first
 * send, so a detector with no output on never parses it (see lambda/outputs.ts).
 */
export const OUTPUTS_MODULE_ENTRY = 'outputs-impl.ts';

/** The esbuild command that writes the outputs' module into a bundled function's asset. */
function outputsModuleCommand(outputDir: string): string {
  // Resolved only when bundling from source: an installed package ships prebuilt assets.
  const esbuild = require.resolve('esbuild/bin/esbuild');
  const args = [
    path.join(LAMBDA_DIR, OUTPUTS_MODULE_ENTRY),
    '--bundle',
    '--platform=node',
    '--format=cjs',
    `--target=${HANDLER_BUNDLING.target}`,
    ...(HANDLER_BUNDLING.minify ? ['--minify'] : []),
    '--log-level=warning',
    `--outfile=${path.join(outputDir, 'outputs-impl.js')}`,
  ];
  return [esbuild, ...args].map((arg) => `"${arg}"`).join(' ');
}

export interface TrailwatchFunctionOptions {
  /** Construct ids: the log group, the role and the function, all created in `scope`. */
  readonly ids: { readonly logGroup: string; readonly role: string; readonly function: string };
  /** The handler source, relative to lambda/. */
  readonly entry: string;
  readonly description: string;
  readonly roleDescription: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly environment: Record<string, string>;
  /** Everything the role may do besides writing its own logs, granted before the function exists. */
  readonly grant: (role: iam.Role) => void;
  /** @default - a name CloudFormation generates */
  readonly functionName?: string;
  /** Asynchronous invocations given up land here (an EventBridge target's function). @default - none */
  readonly deadLetterQueue?: sqs.IQueue;
  /** @default - none reserved */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The function, its log group and its role. A role of our own instead of AWSLambdaBasicExecutionRole:
 * log writing limited to this log group.
 */
export function trailwatchFunction(
  scope: Construct,
  options: TrailwatchFunctionOptions,
): { fn: lambda.Function; role: iam.Role; logGroup: logs.LogGroup } {
  const logGroup = new logs.LogGroup(scope, options.ids.logGroup, {
    retention: options.logRetention,
    removalPolicy: options.removalPolicy,
  });
  const role = new iam.Role(scope, options.ids.role, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: options.roleDescription,
    inlinePolicies: {
      WriteOwnLogs: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [logGroup.logGroupArn],
          }),
        ],
      }),
    },
  });
  options.grant(role);
  const common: lambda.FunctionOptions = {
    functionName: options.functionName,
    architecture: lambda.Architecture.ARM_64,
    memorySize: options.memorySize,
    timeout: Duration.seconds(options.timeoutSeconds),
    role,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    ...(options.deadLetterQueue
      ? { deadLetterQueue: options.deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.hours(1) }
      : {}),
    reservedConcurrentExecutions: options.reservedConcurrentExecutions,
    description: options.description,
    environment: options.environment,
  };
  const prebuilt = prebuiltAsset(options.entry);
  // The same function either way: Handler index.handler, the runtime and settings above.
  const fn = prebuilt
    ? new lambda.Function(scope, options.ids.function, {
        ...common,
        code: lambda.Code.fromAsset(prebuilt),
        handler: 'index.handler',
        runtime: lambda.Runtime.NODEJS_24_X,
      })
    : new nodejs.NodejsFunction(scope, options.ids.function, {
        ...common,
        runtime: lambda.Runtime.NODEJS_24_X,
        entry: path.join(LAMBDA_DIR, options.entry),
        handler: 'handler',
        bundling: {
          ...HANDLER_BUNDLING,
          forceDockerBundling: false,
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_inputDir: string, outputDir: string) => [outputsModuleCommand(outputDir)],
          },
        },
      });
  return { fn, role, logGroup };
}
