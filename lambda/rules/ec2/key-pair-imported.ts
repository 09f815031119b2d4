// ImportKeyPair: a public key brought in from outside, to be put on instances for SSH.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, viaAwsService } from '../common/actors';
import { param, path } from '../common/json';
import { failed } from '../common/outcome';
import { byOutcome, lowerFor } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const keyName = (e: TrailEvent): string => param(e, 'keyName') || path(e.responseElements, 'keyName');

/** Medium; a failed attempt low; one step lower when an AWS service made the call for the principal. */
const severity = (e: TrailEvent): Severity => lowerFor(byOutcome(e, 'medium'), viaAwsService(e));

export default defineRule({
  id: 'ec2.key-pair-imported',
  title: 'EC2 key pair imported',
  description:
    'A principal imported a public key as an EC2 key pair (ImportKeyPair). Medium; a failed attempt is ' +
    'low, a call an AWS service made for the principal one step lower, and calls by AWS itself are not ' +
    'matched. Key pairs that EC2 generates (CreateKeyPair) are not matched: their private key never ' +
    'leaves AWS but through the caller.',
  whyItMatters:
    'An imported key is one whose private half someone already holds outside AWS. An intruder imports ' +
    'their own key and launches or rebuilds instances with it to get SSH access that survives the loss ' +
    'of the credentials they came in with.',
  runbook:
    'Ask the caller where the private key is kept and why it was imported. If it is not expected, ' +
    'delete the key pair (DeleteKeyPair), find instances launched with it (DescribeInstances filtered ' +
    'by key name) and remove the key from their authorized_keys, and rotate the caller credentials.',
  reference: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImportKeyPair.html',
  mitre: ['TA0003:T1098.004'],
  eventNames: ['ImportKeyPair'],
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const fingerprint = path(e.responseElements, 'keyFingerprint');
    const fp = fingerprint === '' ? '' : ` (fingerprint ${show(fingerprint, 100)})`;
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to import' : 'imported'} key pair ${show(keyName(e), 100)}${fp} ` +
      `${origin(e)}${outcome(e)}.`
    );
  },
  dedupKey: (e) => dedup('ec2.key-pair-imported', e.recipientAccountId, e.awsRegion, keyName(e)),
});
