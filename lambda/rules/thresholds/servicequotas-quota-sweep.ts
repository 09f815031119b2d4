// EC2 quotas read in many regions by one principal: how much compute can be started, and where.
import { principalKey } from '../../core/principal';
import { defineThresholdRule } from '../../core/threshold';
import type { TrailEvent } from '../../core/types';
import { isServiceCaller } from '../common/actors';
import { req } from '../common/json';

/** Service Quotas reads: one quota, all of a service's quotas, and their AWS defaults. */
const QUOTA_READS = [
  'GetServiceQuota',
  'ListServiceQuotas',
  'GetAWSDefaultServiceQuota',
  'ListAWSDefaultServiceQuotas',
];

const asksEc2 = (e: TrailEvent): boolean => req(e, 'serviceCode').trim().toLowerCase() === 'ec2';

export const servicequotasQuotaSweep = defineThresholdRule({
  id: 'servicequotas.quota-sweep',
  title: 'EC2 quotas read in many regions by one principal',
  description:
    'One principal read EC2 service quotas (GetServiceQuota, ListServiceQuotas, GetAWSDefaultServiceQuota, ' +
    'ListAWSDefaultServiceQuotas with serviceCode ec2) in at least 10 distinct regions within a 5-minute ' +
    'window (a role counts once, whatever its session names). Refused reads count too. Low: capacity ' +
    'planning tools do this as well, so the sweep is recorded and shown beside the principal’s other ' +
    'alerts. Calls by AWS services are not counted.',
  whyItMatters:
    'Before launching miners, intruders check how many vCPUs and GPU instances each region allows, to ' +
    'start as many as the quotas permit where nobody looks; the check across regions is often the only ' +
    'sign before the launches.',
  runbook:
    'Identify the principal. If the sweep is not expected, revoke its sessions or deactivate its key, and ' +
    'look for RunInstances, quota increase requests (RequestServiceQuotaIncrease) and new regions enabled ' +
    'by the same principal.',
  reference: 'https://docs.aws.amazon.com/servicequotas/latest/userguide/logging-using-cloudtrail.html',
  mitre: ['TA0007:T1580', 'TA0040:T1496'],
  eventNames: QUOTA_READS,
  eventSources: ['servicequotas.amazonaws.com'],
  severity: 'low',
  threshold: 10,
  windowMs: 5 * 60_000,
  counting: 'regions whose EC2 quotas were read',
  keyLabel: 'by',
  matches: (e) => asksEc2(e) && !isServiceCaller(e),
  key: principalKey,
  distinct: (e) => e.awsRegion,
});
