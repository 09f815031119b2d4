// Lambda's CloudTrail event names carry the API version they were called with.

/** The API versions Lambda appends to its CloudTrail event names, per operation family. */
const LAMBDA_VERSIONS = {
  /** The 2015-03-31 API: `UpdateFunctionCode20150331v2`, and `...20150331` in older records. */
  functions: ['20150331', '20150331v2'],
  /** Function URLs, added with the 2021-10-31 API: `CreateFunctionUrlConfig20211031`. */
  urls: ['20211031'],
  /** Layers, of the 2018-10-31 API: `PublishLayerVersion20181031`. */
  layers: ['20181031'],
} as const;

/**
 * Every name CloudTrail may record for these Lambda operations: the versioned names (the engine
 * indexes rules by exact event name, so each must be listed) and the bare name, which some tools
 * and older records show. Compare names with `baseEventName`.
 */
export function lambdaEventNames(family: keyof typeof LAMBDA_VERSIONS, ...operations: string[]): string[] {
  return operations.flatMap((op) => [op, ...LAMBDA_VERSIONS[family].map((version) => `${op}${version}`)]);
}

/** `name` with a trailing run of digits and v-suffixes removed: `DeleteFunction20150331` -> `DeleteFunction`. */
export function baseEventName(eventName: string): string {
  return eventName.replace(/\d{8}(v\d+)?$/, '');
}
