/** Identity's vault of outbound credentials: providers, cached tokens, user federation, the workload endpoint. */
export { Vault } from './vault.js';
export type { AccessTokenRequest, CredentialRef, VaultOptions } from './vault.js';
export type { OutboundCredentials } from './outbound.js';
export type { CredentialProviderInfo } from './providers.js';
export { VaultError } from './errors.js';
export type { VaultErrorCode } from './errors.js';
export { startWorkloadEndpoint } from './workload.js';
export type { WorkloadEndpoint } from './workload.js';
export { credentialRoutes, handleVaultCallback, VAULT_CALLBACK_PATH } from './routes.js';
