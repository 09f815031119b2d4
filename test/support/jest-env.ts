// Tests never reach AWS: dummy credentials, no Node-version nag from the SDK.
process.env.AWS_ACCESS_KEY_ID ??= 'AKIATESTTESTTESTTEST';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test-secret';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.CDK_DISABLE_VERSION_CHECK = 'true';
// The handler's JSON logs would bury test output; tests assert on the returned report instead.
process.env.AWS_LAMBDA_LOG_LEVEL ??= 'FATAL';
process.env.TRAILWATCH_METRICS ??= 'off';
