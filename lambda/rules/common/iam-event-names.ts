// IAM's event names, grouped by what they do, for the rules that watch IAM by purpose.

/**
 * The IAM writes that give or keep access: users, access keys and other credentials, console
 * passwords, MFA, policies and their versions, roles and their trust, groups, boundaries and
 * instance profiles. Reads and tagging are left out.
 */
export const IAM_WRITES: readonly string[] = [
  // users and their credentials
  'CreateUser',
  'UpdateUser',
  'DeleteUser',
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'DeleteLoginProfile',
  'CreateServiceSpecificCredential',
  'UploadSSHPublicKey',
  'UploadSigningCertificate',
  // MFA
  'CreateVirtualMFADevice',
  'EnableMFADevice',
  'DeactivateMFADevice',
  'DeleteVirtualMFADevice',
  // policies
  'AttachUserPolicy',
  'DetachUserPolicy',
  'PutUserPolicy',
  'DeleteUserPolicy',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'PutRolePolicy',
  'DeleteRolePolicy',
  'AttachGroupPolicy',
  'DetachGroupPolicy',
  'PutGroupPolicy',
  'DeleteGroupPolicy',
  'CreatePolicy',
  'CreatePolicyVersion',
  'SetDefaultPolicyVersion',
  'DeletePolicy',
  'PutUserPermissionsBoundary',
  'DeleteUserPermissionsBoundary',
  'PutRolePermissionsBoundary',
  'DeleteRolePermissionsBoundary',
  // roles and trust
  'CreateRole',
  'UpdateRole',
  'UpdateAssumeRolePolicy',
  'DeleteRole',
  'AddRoleToInstanceProfile',
  // groups
  'CreateGroup',
  'AddUserToGroup',
  'RemoveUserFromGroup',
];

/**
 * The IAM reads that map an account for an intruder: who exists, what they may do, which keys and
 * MFA devices there are. Routine lookups of one known role (GetRole) are left out.
 */
export const IAM_RECON_READS: readonly string[] = [
  'GetAccountAuthorizationDetails',
  'GetAccountSummary',
  'ListAccountAliases',
  'ListUsers',
  'ListRoles',
  'ListGroups',
  'ListPolicies',
  'ListAccessKeys',
  'ListMFADevices',
  'ListVirtualMFADevices',
  'ListAttachedUserPolicies',
  'ListUserPolicies',
  'ListGroupsForUser',
  'ListAttachedRolePolicies',
  'ListRolePolicies',
  'ListEntitiesForPolicy',
  'GetUser',
  'GetLoginProfile',
  'GetCredentialReport',
];
