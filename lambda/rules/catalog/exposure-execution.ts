// Rules of this part of the catalogue; lambda/rules/index.ts merges every part.
// Exposure and exfiltration, credential access and discovery, execution.
import type { Rule } from '../../core/rule';
import codebuildProjectMadePublic from '../codebuild-project-made-public';
import ec2AmiShared from '../ec2-ami-shared';
import ec2InstanceConnectKeySent from '../ec2-instance-connect-key-sent';
import ec2PasswordDataRead from '../ec2-password-data-read';
import ec2SecurityGroupOpenedToWorld from '../ec2-security-group-opened-to-world';
import ec2SerialConsoleAccess from '../ec2-serial-console-access';
import ec2SnapshotShared from '../ec2-snapshot-shared';
import ec2TrafficMirroringChanged from '../ec2-traffic-mirroring-changed';
import ec2UserDataModified from '../ec2-user-data-modified';
import ec2UserDataRead from '../ec2-user-data-read';
import rdsDataRemovedOrExported from '../rds-data-removed-or-exported';
import rdsDatabaseExposedOrUnprotected from '../rds-database-exposed-or-unprotected';
import rdsSnapshotShared from '../rds-snapshot-shared';
import s3BucketProtectionRemoved from '../s3-bucket-protection-removed';
import s3PublicAccessBlockRemoved from '../s3-public-access-block-removed';
import secretsmanagerSecretRead from '../secretsmanager-secret-read';
import ssmCommandSent from '../ssm-command-sent';
import ssmSecureParameterRead from '../ssm-secure-parameter-read';
import ssmSessionStarted from '../ssm-session-started';
import stsCredentialsCheckedByScanner from '../sts-credentials-checked-by-scanner';

export const RULES: readonly Rule[] = [
  codebuildProjectMadePublic,
  ec2AmiShared,
  ec2InstanceConnectKeySent,
  ec2PasswordDataRead,
  ec2SecurityGroupOpenedToWorld,
  ec2SerialConsoleAccess,
  ec2SnapshotShared,
  ec2TrafficMirroringChanged,
  ec2UserDataModified,
  ec2UserDataRead,
  rdsDataRemovedOrExported,
  rdsDatabaseExposedOrUnprotected,
  rdsSnapshotShared,
  s3BucketProtectionRemoved,
  s3PublicAccessBlockRemoved,
  secretsmanagerSecretRead,
  ssmCommandSent,
  ssmSecureParameterRead,
  ssmSessionStarted,
  stsCredentialsCheckedByScanner,
];
