// Imported first: the SDK reads this when it loads. Node 20 is supported here; the warning is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
