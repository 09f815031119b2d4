// The package's entry point: the construct with its props, and the stack `cdk deploy` uses.
export {
  type AlertSubscriber,
  atOrAbove,
  type OrganizationCallAs,
  type OrganizationWatchProps,
  TrailwatchDetector,
  type TrailwatchDetectorProps,
} from './detector';
export { TrailwatchStack } from './trailwatch-stack';
