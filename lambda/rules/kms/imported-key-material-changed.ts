// Imported key material of a KMS key replaced or deleted: whoever holds the material decides
// whether the data encrypted under the key can ever be read again.
import { defineRule, type RuleContext } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, viaAwsService } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { kmsKeyId, targetsOwnKey } from '../common/resources';
import { lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'kms.imported-key-material-changed';

const DELETE = 'DeleteImportedKeyMaterial';

/** The imported material expires (`KEY_MATERIAL_EXPIRES`): the key stops working on its own at `validTo`. */
const expires = (e: TrailEvent): boolean =>
  req(e, 'expirationModel').toUpperCase() === 'KEY_MATERIAL_EXPIRES';

/**
 * Deleting the material makes the key unusable at once (high); importing material is medium.
 * Critical when the key is trailwatch's own, attempts included. Otherwise one step lower when an
 * AWS service made the call, and low when the call failed.
 */
function severity(e: TrailEvent, context: RuleContext): Severity {
  if (targetsOwnKey(e, context)) return 'critical';
  if (failed(e)) return 'low';
  const base: Severity = e.eventName === DELETE ? 'high' : 'medium';
  return viaAwsService(e) ? lower(base) : base;
}

export default defineRule({
  id: ID,
  title: 'KMS imported key material deleted or imported',
  description:
    'A principal deleted the imported key material of a KMS key (DeleteImportedKeyMaterial: high, ' +
    'the key and everything encrypted under it become unusable until the same material is imported ' +
    'again) or imported key material into a key (ImportKeyMaterial: medium; the alert says when the ' +
    "material is set to expire). Critical when the key is trailwatch's own, attempts included. One " +
    'step lower when an AWS service made the call; failed calls on other keys are low.',
  whyItMatters:
    'For a key with imported material, AWS cannot recreate the material: whoever deleted it, and ' +
    'holds the only copy, can hold the data to ransom, and without any copy the data is destroyed. ' +
    'Importing material that expires, or replacing it, sets up the same outcome later.',
  runbook:
    'Ask the key owner whether the change is planned. If not: find the copy of the key material ' +
    'kept outside AWS and import it again (GetParametersForImport, ImportKeyMaterial), list what ' +
    'the key encrypts (CloudTrail Decrypt and GenerateDataKey calls, or the services that name it), ' +
    "restrict the caller's kms:DeleteImportedKeyMaterial and kms:ImportKeyMaterial rights with the " +
    'key policy, and review its other calls.',
  reference: 'https://docs.aws.amazon.com/kms/latest/developerguide/importing-keys-delete-key-material.html',
  mitre: ['TA0040:T1485', 'TA0040:T1486'],
  eventNames: ['ImportKeyMaterial', DELETE],
  eventSources: ['kms.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e, context) => {
    const own = targetsOwnKey(e, context) ? "trailwatch's own KMS key" : 'KMS key';
    const key = show(req(e, 'keyId'), 140);
    const validTo = req(e, 'validTo');
    const expiry = expires(e) ? `, set to expire${validTo ? ` at ${show(validTo, 40)}` : ''}` : '';
    const what =
      e.eventName === DELETE
        ? `${failed(e) ? 'tried to delete' : 'deleted'} the imported key material of ${own} ${key}`
        : `${failed(e) ? 'tried to import' : 'imported'} key material into ${own} ${key}${expiry}`;
    return `${actorLabel(e)} ${what} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, kmsKeyId(e), e.eventName),
});
