// Rules of this part of the catalogue; lambda/rules/index.ts merges every part.
// The CIS AWS Foundations monitoring controls (Security Hub CloudWatch.1 to .14) and AWS
// Organizations changes. CloudWatch.2, .3 and .6 live elsewhere: unauthorized API calls need
// thresholds, and console sign-ins without MFA or failing are signin.console-login.
import type { Rule } from '../../core/rule';
import accountRootActivity from '../account-root-activity';
import cloudtrailTrailChanged from '../cloudtrail-trail-changed';
import configRecorderChanged from '../config-recorder-changed';
import ec2NetworkAclChanged from '../ec2-network-acl-changed';
import ec2NetworkGatewayChanged from '../ec2-network-gateway-changed';
import ec2RouteTableChanged from '../ec2-route-table-changed';
import ec2SecurityGroupChanged from '../ec2-security-group-changed';
import ec2VpcChanged from '../ec2-vpc-changed';
import iamPolicyChanged from '../iam-policy-changed';
import kmsKeyDisabledOrScheduledForDeletion from '../kms-key-disabled-or-scheduled-for-deletion';
import kmsKeyPolicyChanged from '../kms-key-policy-changed';
import organizationsChanged from '../organizations-changed';
import s3BucketAclChanged from '../s3-bucket-acl-changed';
import s3BucketConfigChanged from '../s3-bucket-config-changed';

export const RULES: readonly Rule[] = [
  accountRootActivity, // CloudWatch.1
  iamPolicyChanged, // CloudWatch.4
  cloudtrailTrailChanged, // CloudWatch.5
  kmsKeyDisabledOrScheduledForDeletion, // CloudWatch.7
  kmsKeyPolicyChanged,
  s3BucketAclChanged, // CloudWatch.8
  s3BucketConfigChanged, // CloudWatch.8
  configRecorderChanged, // CloudWatch.9
  ec2SecurityGroupChanged, // CloudWatch.10
  ec2NetworkAclChanged, // CloudWatch.11
  ec2NetworkGatewayChanged, // CloudWatch.12
  ec2RouteTableChanged, // CloudWatch.13
  ec2VpcChanged, // CloudWatch.14
  organizationsChanged,
];
