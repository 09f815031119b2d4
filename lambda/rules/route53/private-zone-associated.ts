// A private hosted zone made to answer in another VPC, or another account's VPC authorised to join it.
import { defineRule } from '../../core/rule';
import type { TrailEvent } from '../../core/types';
import { actorLabel, isAwsItself } from '../common/actors';
import { child, path, req } from '../common/json';
import { failed } from '../common/outcome';
import { judgeChange } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

const ID = 'route53.private-zone-associated';

/** The zone id, without the `/hostedzone/` prefix some clients send. */
const zone = (e: TrailEvent): string => req(e, 'hostedZoneId', 'id').replace(/^\/?hostedzone\//, '');

/** The VPC named in the request (`vPC` as CloudTrail spells it, `VPC` in the API). */
const vpc = (e: TrailEvent): string => {
  const v = child(e.requestParameters, 'vPC', 'VPC');
  const id = path(v, 'vPCId') || path(v, 'VPCId') || path(v, 'vpcId');
  const region = path(v, 'vPCRegion') || path(v, 'VPCRegion') || path(v, 'vpcRegion');
  return region !== '' ? `${id} (${region})` : id;
};

export default defineRule({
  id: ID,
  title: 'Route 53 private hosted zone associated with a VPC',
  description:
    'A principal associated a VPC with a private hosted zone (AssociateVPCWithHostedZone), or authorised ' +
    'a VPC of another account to be associated with one of this account’s zones ' +
    '(CreateVPCAssociationAuthorization). Medium: the zone’s names then resolve, or could resolve, inside ' +
    'that VPC. One step lower when an AWS service made the call for a principal (CloudFormation); low ' +
    'when it failed. Calls by AWS itself are not matched. The VPC’s owner is not in the record: an ' +
    'authorisation always concerns another account’s VPC, an association may.',
  whyItMatters:
    'A private zone maps internal names to addresses. Attaching it to a VPC an intruder controls lets ' +
    'them map the internal network; attaching an intruder’s zone to a production VPC lets them answer ' +
    'for internal names and redirect the traffic that uses them.',
  runbook:
    'Check the zone and the VPC (GetHostedZone lists the associated VPCs, ListVPCAssociationAuthorizations ' +
    'the pending ones) against the infrastructure code. If the change is not expected, disassociate the ' +
    'VPC (DisassociateVPCFromHostedZone) or delete the authorisation, and review the records of the zone ' +
    'for names that shadow internal services.',
  reference: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_AssociateVPCWithHostedZone.html',
  mitre: ['TA0003:T1098', 'TA0007:T1016'],
  eventNames: ['AssociateVPCWithHostedZone', 'CreateVPCAssociationAuthorization'],
  eventSources: ['route53.amazonaws.com'],
  severity: (e) => judgeChange(e, 'medium'),
  matches: (e) => !isAwsItself(e),
  explain: (e) => {
    const authorise = e.eventName === 'CreateVPCAssociationAuthorization';
    const verb = authorise
      ? `${failed(e) ? 'tried to authorise' : 'authorised'} VPC ${show(vpc(e), 80)} to be associated with`
      : `${failed(e) ? 'tried to associate' : 'associated'} VPC ${show(vpc(e), 80)} with`;
    return `${actorLabel(e)} ${verb} private hosted zone ${show(zone(e), 48)} ${origin(e)}${outcome(e)}.`;
  },
  dedupKey: (e) => dedup(ID, e.recipientAccountId, zone(e), vpc(e)),
});
