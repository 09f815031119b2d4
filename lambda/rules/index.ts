// The rule catalogue: every event rule once, by id, from its file `<service>/<name>.ts` (id
// `<service>.<name>`). A new rule is registered here and nowhere else; the registry test checks
// that each rule file is listed, and that each rule has its fixtures.
import { byId, type Rule, type RuleMetadata } from '../core/rule';
import accountContactDetailsRead from './account/contact-details-read';
import accountRootActivity from './account/root-activity';
import { firstSeen } from './anomalies/first-seen';
import { writeVolume } from './anomalies/write-volume';
import bedrockSafeguardsRemoved from './bedrock/safeguards-removed';
import cloudtrailLoggingStopped from './cloudtrail/logging-stopped';
import cloudtrailTrailChanged from './cloudtrail/trail-changed';
import cloudtrailTrailDeleted from './cloudtrail/trail-deleted';
import cloudwatchAlarmsDisabled from './cloudwatch/alarms-disabled';
import cloudwatchLogsDeleted from './cloudwatch/logs-deleted';
import codebuildProjectMadePublic from './codebuild/project-made-public';
import configRecorderChanged from './config/recorder-changed';
import ec2AmiShared from './ec2/ami-shared';
import ec2EbsDefaultEncryptionDisabled from './ec2/ebs-default-encryption-disabled';
import ec2FlowLogsDeleted from './ec2/flow-logs-deleted';
import ec2ImageCreated from './ec2/image-created';
import ec2InstanceConnectKeySent from './ec2/instance-connect-key-sent';
import ec2InstancesLaunched from './ec2/instances-launched';
import ec2InstancesStopped from './ec2/instances-stopped';
import ec2NetworkAclChanged from './ec2/network-acl-changed';
import ec2NetworkGatewayChanged from './ec2/network-gateway-changed';
import ec2PasswordDataRead from './ec2/password-data-read';
import ec2RouteTableChanged from './ec2/route-table-changed';
import ec2SecurityGroupChanged from './ec2/security-group-changed';
import ec2SecurityGroupOpenedToWorld from './ec2/security-group-opened-to-world';
import ec2SerialConsoleAccess from './ec2/serial-console-access';
import ec2SnapshotShared from './ec2/snapshot-shared';
import ec2TrafficMirroringChanged from './ec2/traffic-mirroring-changed';
import ec2UserDataModified from './ec2/user-data-modified';
import ec2UserDataRead from './ec2/user-data-read';
import ec2VpcChanged from './ec2/vpc-changed';
import eventsRuleDisabledOrDeleted from './events/rule-disabled-or-deleted';
import guarddutyDetectorDeletedOrDisabled from './guardduty/detector-deleted-or-disabled';
import guarddutyFindingsSuppressed from './guardduty/findings-suppressed';
import iamAccessKeyCreated from './iam/access-key-created';
import iamAccessKeyQuarantined from './iam/access-key-quarantined';
import iamIdentityProviderAdded from './iam/identity-provider-added';
import iamLoginProfileCreated from './iam/login-profile-created';
import iamPolicyChanged from './iam/policy-changed';
import iamRoleCreated from './iam/role-created';
import iamRoleTrustOpened from './iam/role-trust-opened';
import iamUserAddedToAdminGroup from './iam/user-added-to-admin-group';
import iamUserCreated from './iam/user-created';
import iamUserPolicyAttached from './iam/user-policy-attached';
import kmsKeyDisabledOrScheduledForDeletion from './kms/key-disabled-or-scheduled-for-deletion';
import kmsKeyPolicyChanged from './kms/key-policy-changed';
import lambdaCodeOrLayersChanged from './lambda/code-or-layers-changed';
import lambdaFunctionMadePublic from './lambda/function-made-public';
import lambdaFunctionUrlPublic from './lambda/function-url-public';
import macieDisabledOrPaused from './macie/disabled-or-paused';
import organizationsChanged from './organizations/changed';
import organizationsLeftOrganization from './organizations/left-organization';
import rdsDataRemovedOrExported from './rds/data-removed-or-exported';
import rdsDatabaseExposedOrUnprotected from './rds/database-exposed-or-unprotected';
import rdsFailoverOrReboot from './rds/failover-or-reboot';
import rdsLogFileDownloaded from './rds/log-file-downloaded';
import rdsSnapshotCreated from './rds/snapshot-created';
import rdsSnapshotShared from './rds/snapshot-shared';
import rdsSnapshotsEnumerated from './rds/snapshots-enumerated';
import resourcePolicyMadePublic from './resource-policy/made-public';
import rolesanywhereTrustAnchorChanged from './rolesanywhere/trust-anchor-changed';
import route53resolverQueryLoggingDeleted from './route53resolver/query-logging-deleted';
import s3BucketAclChanged from './s3/bucket-acl-changed';
import s3BucketConfigChanged from './s3/bucket-config-changed';
import s3BucketDeleted from './s3/bucket-deleted';
import s3BucketPolicyChanged from './s3/bucket-policy-changed';
import s3BucketProtectionRemoved from './s3/bucket-protection-removed';
import s3PublicAccessBlockRemoved from './s3/public-access-block-removed';
import secretsmanagerSecretRead from './secretsmanager/secret-read';
import securityhubDisabled from './securityhub/disabled';
import securityhubFindingsSuppressed from './securityhub/findings-suppressed';
import sesSendingDiscovery from './ses/sending-discovery';
import signinConsoleLogin from './signin/console-login';
import signinConsoleSessionFromKeys from './signin/console-session-from-keys';
import ssmCommandSent from './ssm/command-sent';
import ssmSecureParameterRead from './ssm/secure-parameter-read';
import ssmSessionStarted from './ssm/session-started';
import ssoDeviceTokenCreated from './sso/device-token-created';
import stsCredentialsCheckedByScanner from './sts/credentials-checked-by-scanner';
import stsFederationToken from './sts/federation-token';
import stsRoleAssumed from './sts/role-assumed';
import stsSessionTokenIssued from './sts/session-token-issued';
import { THRESHOLD_RULES } from './thresholds';
import trailwatchSelfTamper from './trailwatch/self-tamper';
import wafWebAclDisassociated from './waf/web-acl-disassociated';

export { firstSeen, THRESHOLD_RULES, writeVolume };

/** The event rules, in id order (code-unit order, as `byId` sorts). */
export const RULES: readonly Rule[] = Object.freeze(
  [
    accountContactDetailsRead,
    accountRootActivity,
    bedrockSafeguardsRemoved,
    cloudtrailLoggingStopped,
    cloudtrailTrailChanged,
    cloudtrailTrailDeleted,
    cloudwatchAlarmsDisabled,
    cloudwatchLogsDeleted,
    codebuildProjectMadePublic,
    configRecorderChanged,
    ec2AmiShared,
    ec2EbsDefaultEncryptionDisabled,
    ec2FlowLogsDeleted,
    ec2ImageCreated,
    ec2InstanceConnectKeySent,
    ec2InstancesLaunched,
    ec2InstancesStopped,
    ec2NetworkAclChanged,
    ec2NetworkGatewayChanged,
    ec2PasswordDataRead,
    ec2RouteTableChanged,
    ec2SecurityGroupChanged,
    ec2SecurityGroupOpenedToWorld,
    ec2SerialConsoleAccess,
    ec2SnapshotShared,
    ec2TrafficMirroringChanged,
    ec2UserDataModified,
    ec2UserDataRead,
    ec2VpcChanged,
    eventsRuleDisabledOrDeleted,
    guarddutyDetectorDeletedOrDisabled,
    guarddutyFindingsSuppressed,
    iamAccessKeyCreated,
    iamAccessKeyQuarantined,
    iamIdentityProviderAdded,
    iamLoginProfileCreated,
    iamPolicyChanged,
    iamRoleCreated,
    iamRoleTrustOpened,
    iamUserAddedToAdminGroup,
    iamUserCreated,
    iamUserPolicyAttached,
    kmsKeyDisabledOrScheduledForDeletion,
    kmsKeyPolicyChanged,
    lambdaCodeOrLayersChanged,
    lambdaFunctionMadePublic,
    lambdaFunctionUrlPublic,
    macieDisabledOrPaused,
    organizationsChanged,
    organizationsLeftOrganization,
    rdsDataRemovedOrExported,
    rdsDatabaseExposedOrUnprotected,
    rdsFailoverOrReboot,
    rdsLogFileDownloaded,
    rdsSnapshotCreated,
    rdsSnapshotShared,
    rdsSnapshotsEnumerated,
    resourcePolicyMadePublic,
    rolesanywhereTrustAnchorChanged,
    route53resolverQueryLoggingDeleted,
    s3BucketAclChanged,
    s3BucketConfigChanged,
    s3BucketDeleted,
    s3BucketPolicyChanged,
    s3BucketProtectionRemoved,
    s3PublicAccessBlockRemoved,
    secretsmanagerSecretRead,
    securityhubDisabled,
    securityhubFindingsSuppressed,
    sesSendingDiscovery,
    signinConsoleLogin,
    signinConsoleSessionFromKeys,
    ssmCommandSent,
    ssmSecureParameterRead,
    ssmSessionStarted,
    ssoDeviceTokenCreated,
    stsCredentialsCheckedByScanner,
    stsFederationToken,
    stsRoleAssumed,
    stsSessionTokenIssued,
    trailwatchSelfTamper,
    wafWebAclDisassociated,
  ].sort(byId),
);

/**
 * Every detection's metadata: the event rules, the threshold rules and the two anomaly checks.
 * What alerts can name, and what suppressions may name.
 */
export const DETECTIONS: readonly RuleMetadata[] = Object.freeze([
  ...RULES,
  ...THRESHOLD_RULES,
  firstSeen,
  writeVolume,
]);
