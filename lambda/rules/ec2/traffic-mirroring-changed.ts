// VPC traffic mirroring copies an interface's packets to another interface or load balancer:
// a wiretap. A session or a target is the tap itself; filters and deletions are its setup and
// clean-up.
import { obj, str } from '../../core/event';
import { defineRule } from '../../core/rule';
import type { Severity, TrailEvent } from '../../core/types';
import { actorLabel, viaAwsService } from '../common/actors';
import { failed } from '../common/outcome';
import { lower } from '../common/severity';
import { dedup, origin, outcome, show } from '../common/text';

/** The calls that start or redirect a copy of traffic. */
const TAPS = new Set([
  'CreateTrafficMirrorSession',
  'ModifyTrafficMirrorSession',
  'CreateTrafficMirrorTarget',
]);

const CALLS = [
  ...TAPS,
  'CreateTrafficMirrorFilter',
  'CreateTrafficMirrorFilterRule',
  'ModifyTrafficMirrorFilterRule',
  'ModifyTrafficMirrorFilterNetworkServices',
  'DeleteTrafficMirrorSession',
  'DeleteTrafficMirrorTarget',
  'DeleteTrafficMirrorFilter',
  'DeleteTrafficMirrorFilterRule',
];

/** EC2 wraps the parameters in `<EventName>Request`. */
function request(e: TrailEvent) {
  return obj(e.requestParameters[`${e.eventName}Request`]);
}

/** The interface whose traffic is copied, or the one that receives it. */
function subject(e: TrailEvent): string {
  const r = request(e);
  return (
    str(r.NetworkInterfaceId) ||
    str(r.TrafficMirrorSessionId) ||
    str(r.TrafficMirrorTargetId) ||
    str(r.TrafficMirrorFilterId) ||
    str(r.NetworkLoadBalancerArn)
  );
}

function severity(e: TrailEvent): Severity {
  const base: Severity = TAPS.has(e.eventName)
    ? failed(e)
      ? 'medium'
      : 'high'
    : failed(e)
      ? 'low'
      : 'medium';
  return viaAwsService(e) ? lower(base) : base;
}

export default defineRule({
  id: 'ec2.traffic-mirroring-changed',
  title: 'VPC traffic mirroring set up or changed',
  description:
    'A principal created or modified a traffic mirror session or created a mirror target (high; ' +
    'medium when the call failed), or created, changed or deleted mirror filters, filter rules, ' +
    'sessions or targets (medium; low when failed). One step lower when an AWS service made the call.',
  whyItMatters:
    'A mirror session sends a copy of every packet of an instance to an interface or load balancer ' +
    'the caller chooses: credentials and data in clear-text protocols leave without a trace in the ' +
    'instance itself.',
  runbook:
    'Confirm with the network owner that the mirroring is planned (a packet-capture appliance). If ' +
    'not, delete the session, target and filters, find where the target interface or load balancer ' +
    'sends the traffic, and review the principal for other network changes.',
  reference: 'https://docs.aws.amazon.com/vpc/latest/mirroring/what-is-traffic-mirroring.html',
  mitre: ['TA0009:T1040', 'TA0010:T1020'],
  eventNames: CALLS,
  eventSources: ['ec2.amazonaws.com'],
  severity,
  matches: () => true,
  explain: (e) =>
    `${actorLabel(e)} called ${show(e.eventName, 48)}` +
    `${subject(e) ? ` on ${show(subject(e), 96)}` : ''} ${origin(e)}${outcome(e)}.`,
  dedupKey: (e) => dedup('ec2.traffic-mirroring-changed', e.recipientAccountId, e.actor.arn, e.eventName),
});
