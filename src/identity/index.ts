/** Identity: inbound authorizers for runtimes (and, later, the authorization server and credential vault). */
export { JwtAuthorizer } from './jwt-authorizer.js';
export type { JwtAuthorizerConfig, JwtAuthorizerOptions, Principal } from './jwt-authorizer.js';
export { AuthError } from './errors.js';
export type { AuthErrorCode } from './errors.js';
export { sendAuthChallenge, bearerToken } from './challenge.js';
export { InboundAuth } from './inbound.js';
export type { InboundAuthSpec, InboundAuthorizer, InboundRequest } from './inbound.js';
export { loadMasterKey, seal, open, MASTER_KEY_ENV, MASTER_KEY_FILE } from './master-key.js';
