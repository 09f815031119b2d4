// Renders findings into the per-protocol SNS message (`MessageStructure: 'json'`).
//
// PURE: no SDK, no environment, no clock. Every event field is hostile: it goes through
// `sanitize` (or the GSM-7 / ASCII transliterators for SMS and subjects), and the whole
// publish is shrunk until it fits SNS's 256 KB limit.
export { clipAscii, toGsm7, toPrintableAscii } from '../gsm7';
export { type DigestOptions, type RepeatsOf, renderDigest } from './digest';
export {
  ALERT_SCHEMA_ID,
  DIGEST_SCHEMA_ID,
  MAX_MESSAGE_BYTES,
  MAX_SMS_BYTES,
  MAX_SUBJECT_CHARS,
  renderedBytes,
  utf8Bytes,
} from './fit';
export { type AccountLabel, type AlertDetails, type RenderOptions, renderAlert } from './single';
export { consoleEventUrl, shortAccount } from './text';
