// Rules of this part of the catalogue; lambda/rules/index.ts merges every part.
// Exposure and exfiltration, credential access and discovery, execution, and impact (data and
// services removed or stopped).
import type { Rule } from '../../core/rule';
import accountContactDetailsRead from '../account-contact-details-read';
import codebuildProjectMadePublic from '../codebuild-project-made-public';
import ec2AmiShared from '../ec2-ami-shared';
import ec2ImageCreated from '../ec2-image-created';
import ec2InstanceConnectKeySent from '../ec2-instance-connect-key-sent';
import ec2InstancesStopped from '../ec2-instances-stopped';
import ec2PasswordDataRead from '../ec2-password-data-read';
import ec2SecurityGroupOpenedToWorld from '../ec2-security-group-opened-to-world';
import ec2SerialConsoleAccess from '../ec2-serial-console-access';
import ec2SnapshotShared from '../ec2-snapshot-shared';
import ec2TrafficMirroringChanged from '../ec2-traffic-mirroring-changed';
import ec2UserDataModified from '../ec2-user-data-modified';
import ec2UserDataRead from '../ec2-user-data-read';
import iamAccessKeyQuarantined from '../iam-access-key-quarantined';
import rdsDataRemovedOrExported from '../rds-data-removed-or-exported';
import rdsDatabaseExposedOrUnprotected from '../rds-database-exposed-or-unprotected';
import rdsFailoverOrReboot from '../rds-failover-or-reboot';
import rdsLogFileDownloaded from '../rds-log-file-downloaded';
import rdsSnapshotCreated from '../rds-snapshot-created';
import rdsSnapshotShared from '../rds-snapshot-shared';
import rdsSnapshotsEnumerated from '../rds-snapshots-enumerated';
import resourcePolicyMadePublic from '../resource-policy-made-public';
import s3BucketDeleted from '../s3-bucket-deleted';
import s3BucketProtectionRemoved from '../s3-bucket-protection-removed';
import s3PublicAccessBlockRemoved from '../s3-public-access-block-removed';
import secretsmanagerSecretRead from '../secretsmanager-secret-read';
import sesSendingDiscovery from '../ses-sending-discovery';
import ssmCommandSent from '../ssm-command-sent';
import ssmSecureParameterRead from '../ssm-secure-parameter-read';
import ssmSessionStarted from '../ssm-session-started';
import ssoDeviceTokenCreated from '../sso-device-token-created';
import stsCredentialsCheckedByScanner from '../sts-credentials-checked-by-scanner';

export const RULES: readonly Rule[] = [
  accountContactDetailsRead,
  codebuildProjectMadePublic,
  ec2AmiShared,
  ec2ImageCreated,
  ec2InstanceConnectKeySent,
  ec2InstancesStopped,
  ec2PasswordDataRead,
  ec2SecurityGroupOpenedToWorld,
  ec2SerialConsoleAccess,
  ec2SnapshotShared,
  ec2TrafficMirroringChanged,
  ec2UserDataModified,
  ec2UserDataRead,
  iamAccessKeyQuarantined,
  rdsDataRemovedOrExported,
  rdsDatabaseExposedOrUnprotected,
  rdsFailoverOrReboot,
  rdsLogFileDownloaded,
  rdsSnapshotCreated,
  rdsSnapshotsEnumerated,
  rdsSnapshotShared,
  resourcePolicyMadePublic,
  s3BucketDeleted,
  s3BucketProtectionRemoved,
  s3PublicAccessBlockRemoved,
  secretsmanagerSecretRead,
  sesSendingDiscovery,
  ssmCommandSent,
  ssmSecureParameterRead,
  ssmSessionStarted,
  ssoDeviceTokenCreated,
  stsCredentialsCheckedByScanner,
];
