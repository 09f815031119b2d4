// Rules of this part of the catalogue; lambda/rules/index.ts merges every part.
// Persistence and privilege escalation: new identities, credentials, trusts and backdoored functions.
import type { Rule } from '../../core/rule';
import iamIdentityProviderAdded from '../iam-identity-provider-added';
import iamLoginProfileCreated from '../iam-login-profile-created';
import iamRoleCreated from '../iam-role-created';
import iamRoleTrustOpened from '../iam-role-trust-opened';
import iamUserAddedToAdminGroup from '../iam-user-added-to-admin-group';
import iamUserCreated from '../iam-user-created';
import lambdaCodeOrLayersChanged from '../lambda-code-or-layers-changed';
import lambdaFunctionMadePublic from '../lambda-function-made-public';
import lambdaFunctionUrlPublic from '../lambda-function-url-public';
import rolesanywhereTrustAnchorChanged from '../rolesanywhere-trust-anchor-changed';
import signinConsoleSessionFromKeys from '../signin-console-session-from-keys';
import stsFederationToken from '../sts-federation-token';
import stsSessionTokenIssued from '../sts-session-token-issued';

export const RULES: readonly Rule[] = [
  iamIdentityProviderAdded,
  iamLoginProfileCreated,
  iamRoleCreated,
  iamRoleTrustOpened,
  iamUserAddedToAdminGroup,
  iamUserCreated,
  lambdaCodeOrLayersChanged,
  lambdaFunctionMadePublic,
  lambdaFunctionUrlPublic,
  rolesanywhereTrustAnchorChanged,
  signinConsoleSessionFromKeys,
  stsFederationToken,
  stsSessionTokenIssued,
];
