// One trailwatch Lambda function with its own log group and a role that may write only to it: the
// detector function and the organization's dispatcher and worker are all built here, alike.
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
): { fn: nodejs.NodejsFunction; role: iam.Role; logGroup: logs.LogGroup } {
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
  const fn = new nodejs.NodejsFunction(scope, options.ids.function, {
    entry: path.join(LAMBDA_DIR, options.entry),
    handler: 'handler',
    functionName: options.functionName,
    runtime: lambda.Runtime.NODEJS_24_X,
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
    bundling: {
      forceDockerBundling: false,
      minify: true,
      target: 'node22',
      sourceMap: false,
      // Bundle the SDK clients we pin instead of relying on the runtime's copy.
      externalModules: [],
    },
    environment: options.environment,
  });
  return { fn, role, logGroup };
}
