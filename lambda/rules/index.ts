// The rule catalogue: every event rule once, by id, from its file `<service>/<name>.ts` (id
// `<service>.<name>`). A new rule is registered here and nowhere else; the registry test checks
// that each rule file is listed, and that each rule has its fixtures.
import { byId, type Rule, type RuleMetadata } from '../core/rule';
import accountClosed from './account/closed';
import accountContactDetailsRead from './account/contact-details-read';
import accountOffensiveToolUsed from './account/offensive-tool-used';
import accountRegionEnabled from './account/region-enabled';
import accountRootActivity from './account/root-activity';
import { firstSeen } from './anomalies/first-seen';
import { writeVolume } from './anomalies/write-volume';
import backupRecoveryDataDeleted from './backup/recovery-data-deleted';
import batchJobCommandOverridden from './batch/job-command-overridden';
import bedrockAgentChanged from './bedrock/agent-changed';
import bedrockAgentCreated from './bedrock/agent-created';
import bedrockAgentcoreRoleOutsideRuntime from './bedrock/agentcore-role-outside-runtime';
import bedrockApiKeyUsedToDelete from './bedrock/api-key-used-to-delete';
import bedrockApiKeyUserOutsideBedrock from './bedrock/api-key-user-outside-bedrock';
import bedrockKnowledgeBaseChanged from './bedrock/knowledge-base-changed';
import bedrockModelAccessRequested from './bedrock/model-access-requested';
import bedrockModelImported from './bedrock/model-imported';
import bedrockProvisionedThroughputChanged from './bedrock/provisioned-throughput-changed';
import bedrockResourcePolicyChanged from './bedrock/resource-policy-changed';
import bedrockSafeguardsRemoved from './bedrock/safeguards-removed';
import cloudformationStackCreated from './cloudformation/stack-created';
import cloudshellEnvironmentCreated from './cloudshell/environment-created';
import cloudtrailLoggingStopped from './cloudtrail/logging-stopped';
import cloudtrailPolicyRequestHidden from './cloudtrail/policy-request-hidden';
import cloudtrailTrailChanged from './cloudtrail/trail-changed';
import cloudtrailTrailDeleted from './cloudtrail/trail-deleted';
import cloudwatchAlarmsDisabled from './cloudwatch/alarms-disabled';
import cloudwatchLogsDeleted from './cloudwatch/logs-deleted';
import codebuildProjectMadePublic from './codebuild/project-made-public';
import cognitoUnauthenticatedCredentialsIssued from './cognito/unauthenticated-credentials-issued';
import configRecorderChanged from './config/recorder-changed';
import dynamodbTableExported from './dynamodb/table-exported';
import ec2AmiShared from './ec2/ami-shared';
import ec2DataExported from './ec2/data-exported';
import ec2DeprecatedImagesListed from './ec2/deprecated-images-listed';
import ec2EbsDefaultEncryptionDisabled from './ec2/ebs-default-encryption-disabled';
import ec2FlowLogsDeleted from './ec2/flow-logs-deleted';
import ec2ImageCreated from './ec2/image-created';
import ec2InstanceConnectKeySent from './ec2/instance-connect-key-sent';
import ec2InstanceCredentialsMisused from './ec2/instance-credentials-misused';
import ec2InstanceProfileAssociated from './ec2/instance-profile-associated';
import ec2InstancesLaunched from './ec2/instances-launched';
import ec2InstancesStopped from './ec2/instances-stopped';
import ec2KeyPairImported from './ec2/key-pair-imported';
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
import ecsTaskCommandOverridden from './ecs/task-command-overridden';
import ecsTaskDefinitionSuspicious from './ecs/task-definition-suspicious';
import efsFileSystemDeleted from './efs/file-system-deleted';
import eksAccessGranted from './eks/access-granted';
import eksClusterCreatedOrDeleted from './eks/cluster-created-or-deleted';
import eksControlPlaneLoggingDisabled from './eks/control-plane-logging-disabled';
import elasticacheSecurityGroupChanged from './elasticache/security-group-changed';
import elbSecurityGroupsChanged from './elb/security-groups-changed';
import eventsRuleDisabledOrDeleted from './events/rule-disabled-or-deleted';
import glueDevEndpointChanged from './glue/dev-endpoint-changed';
import guarddutyDetectorDeletedOrDisabled from './guardduty/detector-deleted-or-disabled';
import guarddutyFindingsSuppressed from './guardduty/findings-suppressed';
import iamAccessKeyCreated from './iam/access-key-created';
import iamAccessKeyQuarantined from './iam/access-key-quarantined';
import iamCalledWithSessionToken from './iam/called-with-session-token';
import iamGroupChanged from './iam/group-changed';
import iamIdentityProviderAdded from './iam/identity-provider-added';
import iamLoginProfileCreated from './iam/login-profile-created';
import iamMfaDeactivated from './iam/mfa-deactivated';
import iamMfaDeviceRegistered from './iam/mfa-device-registered';
import iamPasswordPolicyWeakened from './iam/password-policy-weakened';
import iamPermissionsBoundaryRemoved from './iam/permissions-boundary-removed';
import iamPolicyChanged from './iam/policy-changed';
import iamRoleCreated from './iam/role-created';
import iamRoleTrustChanged from './iam/role-trust-changed';
import iamRoleTrustOpened from './iam/role-trust-opened';
import iamUserAddedToAdminGroup from './iam/user-added-to-admin-group';
import iamUserCreated from './iam/user-created';
import iamUserPolicyAttached from './iam/user-policy-attached';
import iamWriteFromCloudshell from './iam/write-from-cloudshell';
import kmsImportedKeyMaterialChanged from './kms/imported-key-material-changed';
import kmsKeyDisabledOrScheduledForDeletion from './kms/key-disabled-or-scheduled-for-deletion';
import kmsKeyPolicyChanged from './kms/key-policy-changed';
import lambdaCodeOrLayersChanged from './lambda/code-or-layers-changed';
import lambdaEventSourceMappingCreated from './lambda/event-source-mapping-created';
import lambdaFunctionDeleted from './lambda/function-deleted';
import lambdaFunctionMadePublic from './lambda/function-made-public';
import lambdaFunctionUrlPublic from './lambda/function-url-public';
import lambdaLayerPublished from './lambda/layer-published';
import lambdaLayerShared from './lambda/layer-shared';
import macieDisabledOrPaused from './macie/disabled-or-paused';
import organizationsChanged from './organizations/changed';
import organizationsDiscovery from './organizations/discovery';
import organizationsLeftOrganization from './organizations/left-organization';
import rdsDataRemovedOrExported from './rds/data-removed-or-exported';
import rdsDatabaseExposedOrUnprotected from './rds/database-exposed-or-unprotected';
import rdsDatabaseRestored from './rds/database-restored';
import rdsFailoverOrReboot from './rds/failover-or-reboot';
import rdsLogFileDownloaded from './rds/log-file-downloaded';
import rdsSnapshotCreated from './rds/snapshot-created';
import rdsSnapshotShared from './rds/snapshot-shared';
import rdsSnapshotsEnumerated from './rds/snapshots-enumerated';
import resourcePolicyMadePublic from './resource-policy/made-public';
import rolesanywhereTrustAnchorChanged from './rolesanywhere/trust-anchor-changed';
import route53PrivateZoneAssociated from './route53/private-zone-associated';
import route53domainsTransferChanged from './route53domains/transfer-changed';
import route53resolverQueryLoggingDeleted from './route53resolver/query-logging-deleted';
import s3BucketAclChanged from './s3/bucket-acl-changed';
import s3BucketConfigChanged from './s3/bucket-config-changed';
import s3BucketDeleted from './s3/bucket-deleted';
import s3BucketPolicyChanged from './s3/bucket-policy-changed';
import s3BucketProtectionRemoved from './s3/bucket-protection-removed';
import s3BucketsListed from './s3/buckets-listed';
import s3ObjectEncryptedWithCustomerKey from './s3/object-encrypted-with-customer-key';
import s3PublicAccessBlockRemoved from './s3/public-access-block-removed';
import s3UncommonClientUsed from './s3/uncommon-client-used';
import sagemakerLifecycleScriptSuspicious from './sagemaker/lifecycle-script-suspicious';
import sagemakerRolePassed from './sagemaker/role-passed';
import secretsmanagerSecretRead from './secretsmanager/secret-read';
import securityhubDisabled from './securityhub/disabled';
import securityhubFindingsSuppressed from './securityhub/findings-suppressed';
import sesIdentityDeleted from './ses/identity-deleted';
import sesSendingDiscovery from './ses/sending-discovery';
import signinConsoleLogin from './signin/console-login';
import signinConsoleSessionFromKeys from './signin/console-session-from-keys';
import snsSubscriptionAdded from './sns/subscription-added';
import snsTopicCreated from './sns/topic-created';
import sqsQueuePurged from './sqs/queue-purged';
import ssmCommandSent from './ssm/command-sent';
import ssmDocumentChanged from './ssm/document-changed';
import ssmInventoryEnumerated from './ssm/inventory-enumerated';
import ssmSecureParameterRead from './ssm/secure-parameter-read';
import ssmSessionStarted from './ssm/session-started';
import ssoDeviceTokenCreated from './sso/device-token-created';
import ssoIdentityProviderChanged from './sso/identity-provider-changed';
import stsCredentialsCheckedByScanner from './sts/credentials-checked-by-scanner';
import stsFederationToken from './sts/federation-token';
import stsRoleAssumed from './sts/role-assumed';
import stsRootAssumed from './sts/root-assumed';
import stsSessionTokenIssued from './sts/session-token-issued';
import { THRESHOLD_RULES } from './thresholds';
import trailwatchMemberBlind from './trailwatch/member-blind';
import trailwatchSelfTamper from './trailwatch/self-tamper';
import wafRulesDeleted from './waf/rules-deleted';
import wafWebAclDisassociated from './waf/web-acl-disassociated';

export { firstSeen, THRESHOLD_RULES, writeVolume };

/** The event rules, in id order (code-unit order, as `byId` sorts). */
export const RULES: readonly Rule[] = Object.freeze(
  [
    accountClosed,
    accountContactDetailsRead,
    accountOffensiveToolUsed,
    accountRegionEnabled,
    accountRootActivity,
    backupRecoveryDataDeleted,
    batchJobCommandOverridden,
    bedrockAgentChanged,
    bedrockAgentCreated,
    bedrockAgentcoreRoleOutsideRuntime,
    bedrockApiKeyUsedToDelete,
    bedrockApiKeyUserOutsideBedrock,
    bedrockKnowledgeBaseChanged,
    bedrockModelAccessRequested,
    bedrockModelImported,
    bedrockProvisionedThroughputChanged,
    bedrockResourcePolicyChanged,
    bedrockSafeguardsRemoved,
    cloudformationStackCreated,
    cloudshellEnvironmentCreated,
    cloudtrailLoggingStopped,
    cloudtrailPolicyRequestHidden,
    cloudtrailTrailChanged,
    cloudtrailTrailDeleted,
    cloudwatchAlarmsDisabled,
    cloudwatchLogsDeleted,
    codebuildProjectMadePublic,
    cognitoUnauthenticatedCredentialsIssued,
    configRecorderChanged,
    dynamodbTableExported,
    ec2AmiShared,
    ec2DataExported,
    ec2DeprecatedImagesListed,
    ec2EbsDefaultEncryptionDisabled,
    ec2FlowLogsDeleted,
    ec2ImageCreated,
    ec2InstanceConnectKeySent,
    ec2InstanceCredentialsMisused,
    ec2InstanceProfileAssociated,
    ec2InstancesLaunched,
    ec2InstancesStopped,
    ec2KeyPairImported,
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
    ecsTaskCommandOverridden,
    ecsTaskDefinitionSuspicious,
    efsFileSystemDeleted,
    eksAccessGranted,
    eksClusterCreatedOrDeleted,
    eksControlPlaneLoggingDisabled,
    elasticacheSecurityGroupChanged,
    elbSecurityGroupsChanged,
    eventsRuleDisabledOrDeleted,
    glueDevEndpointChanged,
    guarddutyDetectorDeletedOrDisabled,
    guarddutyFindingsSuppressed,
    iamAccessKeyCreated,
    iamAccessKeyQuarantined,
    iamCalledWithSessionToken,
    iamGroupChanged,
    iamIdentityProviderAdded,
    iamLoginProfileCreated,
    iamMfaDeactivated,
    iamMfaDeviceRegistered,
    iamPasswordPolicyWeakened,
    iamPermissionsBoundaryRemoved,
    iamPolicyChanged,
    iamRoleCreated,
    iamRoleTrustChanged,
    iamRoleTrustOpened,
    iamUserAddedToAdminGroup,
    iamUserCreated,
    iamUserPolicyAttached,
    iamWriteFromCloudshell,
    kmsImportedKeyMaterialChanged,
    kmsKeyDisabledOrScheduledForDeletion,
    kmsKeyPolicyChanged,
    lambdaCodeOrLayersChanged,
    lambdaEventSourceMappingCreated,
    lambdaFunctionDeleted,
    lambdaFunctionMadePublic,
    lambdaFunctionUrlPublic,
    lambdaLayerPublished,
    lambdaLayerShared,
    macieDisabledOrPaused,
    organizationsChanged,
    organizationsDiscovery,
    organizationsLeftOrganization,
    rdsDataRemovedOrExported,
    rdsDatabaseExposedOrUnprotected,
    rdsDatabaseRestored,
    rdsFailoverOrReboot,
    rdsLogFileDownloaded,
    rdsSnapshotCreated,
    rdsSnapshotShared,
    rdsSnapshotsEnumerated,
    resourcePolicyMadePublic,
    rolesanywhereTrustAnchorChanged,
    route53PrivateZoneAssociated,
    route53domainsTransferChanged,
    route53resolverQueryLoggingDeleted,
    s3BucketAclChanged,
    s3BucketConfigChanged,
    s3BucketDeleted,
    s3BucketPolicyChanged,
    s3BucketProtectionRemoved,
    s3BucketsListed,
    s3ObjectEncryptedWithCustomerKey,
    s3PublicAccessBlockRemoved,
    s3UncommonClientUsed,
    sagemakerLifecycleScriptSuspicious,
    sagemakerRolePassed,
    secretsmanagerSecretRead,
    securityhubDisabled,
    securityhubFindingsSuppressed,
    sesIdentityDeleted,
    sesSendingDiscovery,
    signinConsoleLogin,
    signinConsoleSessionFromKeys,
    snsSubscriptionAdded,
    snsTopicCreated,
    sqsQueuePurged,
    ssmCommandSent,
    ssmDocumentChanged,
    ssmInventoryEnumerated,
    ssmSecureParameterRead,
    ssmSessionStarted,
    ssoDeviceTokenCreated,
    ssoIdentityProviderChanged,
    stsCredentialsCheckedByScanner,
    stsFederationToken,
    stsRoleAssumed,
    stsRootAssumed,
    stsSessionTokenIssued,
    trailwatchMemberBlind,
    trailwatchSelfTamper,
    wafRulesDeleted,
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
