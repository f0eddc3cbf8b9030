/** Identity: the authorization server at /identity, inbound authorizers (JWT, SigV4) for runtimes and gateways, the vault of outbound credentials and the master key. */
export { JwtAuthorizer } from './jwt-authorizer.js';
export type { JwtAuthorizerConfig, JwtAuthorizerOptions, Principal } from './jwt-authorizer.js';
export { AuthError } from './errors.js';
export type { AuthErrorCode } from './errors.js';
export { sendAuthChallenge, bearerToken } from './challenge.js';
export { InboundAuth } from './inbound.js';
export type { InboundAuthSpec, InboundAuthDeps } from './inbound.js';
export type { InboundAuthorizer, InboundRequest } from './authorizer.js';
export { SigV4Authorizer, SIGV4_ISSUER } from './sigv4.js';
export type { SigV4AuthorizerConfig, SigV4Options } from './sigv4.js';
export { AccessKeys } from './access-keys.js';
export type { AccessKeyInfo, AccessKeyLookup, NewAccessKey } from './access-keys.js';
export { Vault, VaultError, VAULT_CALLBACK_PATH, credentialRoutes, handleVaultCallback, startWorkloadEndpoint } from './vault/index.js';
export type {
  AccessTokenRequest,
  CredentialProviderInfo,
  CredentialRef,
  OutboundCredentials,
  VaultErrorCode,
  VaultOptions,
  WorkloadEndpoint,
} from './vault/index.js';
export { loadMasterKey, seal, open, MASTER_KEY_ENV, MASTER_KEY_FILE } from './master-key.js';
export { Identity, IDENTITY_PATH } from './server/identity.js';
export type { IdentityOptions } from './server/identity.js';
export { identityRoutes } from './server/routes.js';
export type { ClientView, ClientGrant } from './server/clients.js';
export type { ResourceServerView } from './server/resource-servers.js';
export type { UserView } from './server/users.js';
export type { ScryptCost } from './server/passwords.js';
