import type { FetchLike } from '@modelcontextprotocol/client';
import type { TokenCache } from './token-cache.js';

/** How a client proves who it is to an MCP endpoint. */
export const AUTH_MODES = ['none', 'bearer', 'oauth', 'mcp', 'm2m', 'password', 'sigv4'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** Everything any auth mode may need; each mode reads only its own fields. */
export interface AuthOptions {
  mode: AuthMode;
  /** bearer: the token itself. */
  token?: string;
  /** oauth, m2m, password (and mcp when the client is pre-registered). */
  clientId?: string;
  clientSecret?: string;
  /** Space-separated scopes, e.g. `gateway/read gateway/write`. */
  scope?: string;
  /** OpenID/OAuth discovery document URL (`…/.well-known/openid-configuration`). */
  discoveryUrl?: string;
  /** m2m without discovery: the token endpoint itself. */
  tokenUrl?: string;
  /** RFC 8707 resource indicator sent with token requests. */
  resource?: string;
  /** password: Cognito user. */
  username?: string;
  password?: string;
  /** password: Cognito API endpoint (Toolport's `{server}/identity/cognito`, or a VPC endpoint). */
  cognitoEndpoint?: string;
  /** password, sigv4: AWS region when the discovery URL or target does not name one. */
  region?: string;
  /** oauth, mcp: loopback redirect, e.g. `http://127.0.0.1:3000/callback` for a client registered with that URI. */
  redirectUri?: string;
  /**
   * mcp: an HTTPS URL serving this client's metadata document (SEP-991), used as the client id by authorization
   * servers that advertise `client_id_metadata_document_supported` instead of registering dynamically. The document
   * must list the loopback redirect URI.
   */
  clientMetadataUrl?: string;
  /** oauth, mcp: open the system browser (default true); the URL is always printed too. */
  openBrowser?: boolean;
  /** oauth, mcp: where the authorization URL is shown (default: stderr). */
  onAuthorizationUrl?: (url: URL) => void;
  /** oauth, mcp: how long to wait for the browser to come back (default 5 minutes). */
  loginTimeoutMs?: number;
  /** Token cache; `false` keeps tokens in memory only. Default: the on-disk cache under `$TOOLPORT_HOME`. */
  cache?: TokenCache | false;
  /** Fetch used for OAuth requests (tests inject; default global fetch). */
  fetch?: FetchLike;
  /** Clock for expiry decisions (tests inject). */
  now?: () => number;
}

/** A client-side auth failure (signing in to an endpoint) with a stable code; the message names the cause and the fix. */
export class ClientAuthError extends Error {
  constructor(
    readonly code: 'missing_option' | 'discovery_failed' | 'token_request_failed' | 'login_failed' | 'login_timeout' | 'challenge_required' | 'unsupported',
    message: string,
  ) {
    super(message);
    this.name = 'ClientAuthError';
  }
}

/** Fails with the flag to pass when a mode's required option is missing. */
export function required<T>(value: T | undefined, what: string, mode: AuthMode): T {
  if (value === undefined || value === '') throw new ClientAuthError('missing_option', `--auth ${mode} needs ${what}`);
  return value;
}
