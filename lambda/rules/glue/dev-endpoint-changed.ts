// Glue development endpoints: a long-running host with an IAM role that its creator can SSH into.
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself, isKeyHolderOrRoot, viaAwsService } from '../common/actors';
import { child, req, stringsOf } from '../common/json';
import { failed } from '../common/outcome';
import { failedSeverity, lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'glue.dev-endpoint-changed';

const endpoint = (e: TrailEvent): string => req(e, 'endpointName');

const roleArn = (e: TrailEvent): string => req(e, 'roleArn');

/** SSH public keys the call installs: `publicKey`, `publicKeys` (create) or `addPublicKeys` (update). */
const keysAdded = (e: TrailEvent): number => {
  const p = e.requestParameters;
  const single = req(e, 'publicKey') === '' ? 0 : 1;
  return single + stringsOf(child(p, 'publicKeys')).length + stringsOf(child(p, 'addPublicKeys')).length;
};

/**
 * CreateDevEndpoint passing a role: medium, high for a long-term key or root (iam:PassRole to a host the
 * caller can log in to is a known privilege escalation). UpdateDevEndpoint adding SSH keys: high (a way
 * into a running endpoint and its role). Other updates and deletions: low.
 */
function base(e: TrailEvent): Severity {
  switch (e.eventName) {
    case 'CreateDevEndpoint':
      if (roleArn(e) === '') return 'low';
      return isKeyHolderOrRoot(e) ? 'high' : 'medium';
    case 'UpdateDevEndpoint':
      return keysAdded(e) > 0 ? 'high' : 'low';
    default:
      return 'low';
  }
}

function severity(e: TrailEvent): Severity {
  const level = base(e);
  if (failed(e)) return failedSeverity(level);
  return viaAwsService(e) ? lower(level) : level;
}

function explain(e: TrailEvent): string {
  const name = show(endpoint(e), 80);
  const keys = keysAdded(e);
  // create, update, delete: each takes a "d" in the past tense.
  const act = (verb: string): string => (failed(e) ? `tried to ${verb}` : `${verb}d`);
  const what =
    e.eventName === 'CreateDevEndpoint'
      ? `${act('create')} Glue development endpoint ${name} with role ${show(roleArn(e), 120, 'none')}` +
        (keys > 0 ? ` and ${keys} SSH public key(s)` : '')
      : e.eventName === 'UpdateDevEndpoint'
        ? `${act('update')} Glue development endpoint ${name}` +
          (keys > 0 ? `, adding ${keys} SSH public key(s)` : '')
        : `${act('delete')} Glue development endpoint ${name}`;
  return `${actorLabel(e)} ${what} ${origin(e)}${outcome(e)}.`;
}

export default defineRule({
  id: ID,
  title: 'Glue development endpoint created, given SSH keys or deleted',
  description:
    'CreateDevEndpoint passing an IAM role (roleArn): medium, high when the caller is an IAM user’s ' +
    'long-term key or root, since passing a role to an endpoint the caller can reach over SSH hands it ' +
    'that role’s credentials (iam:PassRole privilege escalation). UpdateDevEndpoint that adds SSH public ' +
    'keys (publicKey, addPublicKeys): high, a way into a running endpoint and its role. Other updates and ' +
    'DeleteDevEndpoint: low. A failed call is medium when the success would be high, low otherwise; one ' +
    'step lower when an AWS service made the call for a principal; calls by AWS itself are not matched. ' +
    'Development endpoints are a legacy Glue feature, so any use is unusual.',
  whyItMatters:
    'A development endpoint is a host that runs with an IAM role and accepts the SSH keys its creator ' +
    'supplies: anyone who can create one, or add a key to one, can log in and take the role’s credentials ' +
    'from its metadata service, whatever their own permissions.',
  runbook:
    'Check who owns the endpoint and whether it is expected (GetDevEndpoint shows its role and keys). If ' +
    'not: remove the keys (UpdateDevEndpoint deletePublicKeys) or delete the endpoint, revoke the ' +
    'sessions of the role it ran with, and review what that role did since the change.',
  reference: 'https://docs.aws.amazon.com/glue/latest/webapi/API_CreateDevEndpoint.html',
  mitre: ['TA0004:T1098', 'TA0003:T1098.004'],
  eventNames: ['CreateDevEndpoint', 'UpdateDevEndpoint', 'DeleteDevEndpoint'],
  eventSources: ['glue.amazonaws.com'],
  severity,
  matches: (e) => !isAwsItself(e),
  explain,
  dedupKey: (e) => dedup(ID, e.recipientAccountId, e.awsRegion, endpoint(e)),
});
