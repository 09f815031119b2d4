// Systems Manager inventory read or gathered: the software, patches and files of every managed node.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isKeyHolderOrRoot, isServiceCaller } from '../common/actors';
import { req } from '../common/json';
import { failed } from '../common/outcome';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'ssm.inventory-enumerated';

/** The reads of what the managed nodes run: inventory data, its schema, and missing patches. */
const READS = ['GetInventory', 'GetInventorySchema', 'ListInventoryEntries', 'DescribeInstancePatches'];

/** The AWS-managed document that collects software, files and settings from every node it targets. */
const GATHER_INVENTORY = 'AWS-GatherSoftwareInventory';

const gathersInventory = (e: TrailEvent): boolean =>
  e.eventName === 'CreateAssociation' && req(e, 'name').trim() === GATHER_INVENTORY;

/**
 * Reads: medium for a long-term key or root, low otherwise (Fleet Manager and patch dashboards read
 * inventory all day). Turning inventory collection on: medium for a long-term key or root, low otherwise.
 */
const severity = (e: TrailEvent): Severity => (isKeyHolderOrRoot(e) ? 'medium' : 'low');

function explain(e: TrailEvent): string {
  if (gathersInventory(e)) {
    return (
      `${actorLabel(e)} ${failed(e) ? 'tried to associate' : 'associated'} ${GATHER_INVENTORY} with managed ` +
      `nodes (association ${show(req(e, 'associationName'), 80, 'unnamed')}) ${origin(e)}${outcome(e)}.`
    );
  }
  const node = req(e, 'instanceId');
  const on = node !== '' ? ` for managed node ${show(node, 40)}` : '';
  return (
    `${actorLabel(e)} ${failed(e) ? 'tried to call' : 'called'} ${show(e.eventName, 48)}${on} ` +
    `${origin(e)}${outcome(e)}.`
  );
}

export default defineRule({
  id: ID,
  title: 'Systems Manager inventory enumerated',
  description:
    'A principal read what the managed nodes run (GetInventory, GetInventorySchema, ListInventoryEntries, ' +
    'DescribeInstancePatches), or started collecting it (CreateAssociation of AWS-GatherSoftwareInventory). ' +
    'Medium when the caller is an IAM user’s long-term key or root, low otherwise: Fleet Manager, patch ' +
    'dashboards and asset tools read inventory all day. Refused calls are rated the same (a refused ' +
    'enumeration by a stolen key is as telling). Calls by AWS services are not matched. ListCommands is ' +
    'left out: tools poll it after every SendCommand.',
  whyItMatters:
    'Inventory lists the software, versions, missing patches, network settings and files of every managed ' +
    'node: an intruder’s map of which hosts to exploit and where SSM can run their commands next.',
  runbook:
    'Ask the principal why it read the inventory. If it is not expected, review its credentials and its ' +
    'other Systems Manager calls (SendCommand, StartSession, CreateAssociation), and delete an ' +
    'association it created.',
  reference: 'https://docs.aws.amazon.com/systems-manager/latest/userguide/systems-manager-inventory.html',
  mitre: ['TA0007:T1082', 'TA0007:T1518'],
  eventNames: [...READS, 'CreateAssociation'],
  eventSources: ['ssm.amazonaws.com'],
  severity,
  matches: (e) => !isServiceCaller(e) && (e.eventName !== 'CreateAssociation' || gathersInventory(e)),
  explain,
  dedupKey: (e) =>
    dedup(ID, e.recipientAccountId, e.awsRegion, e.actor.arn || e.actor.principalId, e.eventName),
});
