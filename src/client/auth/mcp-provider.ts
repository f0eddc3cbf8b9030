import { randomBytes } from 'node:crypto';
import {
  auth,
  computeScopeUnion,
  extractWWWAuthenticateParams,
  isStrictScopeSuperset,
  type OAuthClientInformationContext,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { z } from 'zod';
import { presentAuthorizationUrl, startLoopback, type Loopback } from './loopback.js';
import { ClientAuthError, type AuthOptions } from './types.js';
import type { TokenCache } from './token-cache.js';

/**
 * What `mcp` mode keeps per endpoint: the client registered with each authorization server (keyed by issuer, so a
 * server that moves to another one gets a registration of its own: SEP-2352), the tokens (stamped with their issuer),
 * the scope last asked for, and where discovery led.
 */
const mcpStateSchema = z.object({
  clients: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  tokens: z.record(z.string(), z.unknown()).optional(),
  expiresAt: z.number().optional(),
  scope: z.string().optional(),
  discoveryState: z.record(z.string(), z.unknown()).optional(),
});
type McpState = z.infer<typeof mcpStateSchema>;

/** What a 401 or 403 challenge (RFC 6750 §3) tells the client: where the metadata is and which scope is missing. */
export interface Challenge {
  resourceMetadataUrl?: URL;
  scope?: string;
}

/** The challenge in a 401/403 response's `WWW-Authenticate` header, with its `error` code. */
export function challengeFrom(response: Response): Challenge & { error?: string } {
  const { resourceMetadataUrl, scope, error } = extractWWWAuthenticateParams(response);
  return { ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}), ...(scope ? { scope } : {}), ...(error ? { error } : {}) };
}

/** One issuer spelled with or without its trailing slash is one authorization server (the SDK compares the same way). */
const issuerKey = (issuer: string): string => issuer.replace(/\/$/, '');

/**
 * The MCP authorization spec's client (401 → RFC 9728 protected-resource metadata → RFC 8414 authorization-server
 * metadata → RFC 7591 dynamic registration → authorization code + PKCE), as an `OAuthClientProvider` for the SDK's
 * own `auth()` orchestrator. Toolport adds persistence (the token cache) and the loopback redirect.
 */
export class McpOAuthProvider implements OAuthClientProvider {
  private stored: McpState = {};
  private loaded = false;
  private verifier: string | undefined;
  private loopback: Loopback | undefined;
  private pendingState = '';

  constructor(
    private readonly options: AuthOptions,
    private readonly serverUrl: URL,
    private readonly cache: TokenCache | undefined,
    private readonly cacheKey: string,
    private readonly now: () => number,
  ) {}

  get redirectUrl(): string {
    return this.loopback?.redirectUrl ?? this.options.redirectUri ?? 'http://127.0.0.1/callback';
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Toolport CLI',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: this.options.clientSecret ? 'client_secret_basic' : 'none',
      ...(this.options.scope ? { scope: this.options.scope } : {}),
    };
  }

  /** A URL-based client id (SEP-991), used instead of registration where the authorization server supports it. */
  get clientMetadataUrl(): string | undefined {
    return this.options.clientMetadataUrl;
  }

  state(): string {
    return this.pendingState;
  }

  clientInformation(context?: OAuthClientInformationContext): StoredOAuthClientInformation | undefined {
    // A pre-registered client is registered with whichever authorization server the endpoint names.
    if (this.options.clientId)
      return {
        client_id: this.options.clientId,
        ...(this.options.clientSecret ? { client_secret: this.options.clientSecret } : {}),
        ...(context ? { issuer: context.issuer } : {}),
      };
    // The SDK always names the authorization server it resolved; a client of another one is no client here.
    return context ? (this.stored.clients?.[issuerKey(context.issuer)] as StoredOAuthClientInformation | undefined) : undefined;
  }

  async saveClientInformation(clientInformation: StoredOAuthClientInformation, context?: OAuthClientInformationContext): Promise<void> {
    if (this.options.clientId) return;
    const issuer = context?.issuer ?? clientInformation.issuer;
    if (!issuer) throw new ClientAuthError('login_failed', 'a client registration without its authorization server cannot be kept: start the login again');
    this.stored.clients = { ...this.stored.clients, [issuerKey(issuer)]: clientInformation as Record<string, unknown> };
    await this.persist();
  }

  tokens(): StoredOAuthTokens | undefined {
    return this.stored.tokens as StoredOAuthTokens | undefined;
  }

  async saveTokens(tokens: StoredOAuthTokens): Promise<void> {
    this.stored.tokens = tokens as Record<string, unknown>;
    if (tokens.expires_in !== undefined) this.stored.expiresAt = this.now() + tokens.expires_in * 1000;
    else delete this.stored.expiresAt;
    await this.persist();
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    await presentAuthorizationUrl(authorizationUrl, this.options);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new ClientAuthError('login_failed', 'no PKCE code verifier for this sign-in: start the login again');
    return this.verifier;
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    this.stored.discoveryState = state as unknown as Record<string, unknown>;
    await this.persist();
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.stored.discoveryState as OAuthDiscoveryState | undefined;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'all' || scope === 'client') delete this.stored.clients;
    if (scope === 'all' || scope === 'tokens') {
      delete this.stored.tokens;
      delete this.stored.expiresAt;
    }
    if (scope === 'all' || scope === 'discovery') delete this.stored.discoveryState;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
    await this.persist();
  }

  /** Reads the persisted state once. */
  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    this.stored = (await this.cache?.load(this.cacheKey, mcpStateSchema)) ?? {};
  }

  /** The stored access token and when it expires. */
  current(): { accessToken: string; expiresAt?: number; issuer?: string } | undefined {
    const tokens = this.tokens();
    if (!tokens) return undefined;
    return {
      accessToken: tokens.access_token,
      ...(this.stored.expiresAt !== undefined ? { expiresAt: this.stored.expiresAt } : {}),
      ...(tokens.issuer ? { issuer: tokens.issuer } : {}),
    };
  }

  /**
   * The endpoint's own challenge, asked for ahead of a sign-in no request prompted (`toolport login`): an
   * unauthenticated request whose 401 names the protected-resource metadata and scope (MCP authorization §Protected
   * Resource Metadata Discovery Requirements). Anything but a 401 leaves discovery to the well-known locations.
   */
  async probeChallenge(): Promise<Challenge> {
    const fetchFn = this.options.fetch ?? fetch;
    const response = await fetchFn(this.serverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
      signal: AbortSignal.timeout(15_000),
    }).catch(() => undefined);
    if (!response) return {};
    await response.body?.cancel();
    if (response.status !== 401) return {};
    const { error: _ignored, ...challenge } = challengeFrom(response);
    return challenge;
  }

  /** Whether a refresh token is stored (renewal needs no browser). */
  canRefresh(): boolean {
    return Boolean(this.tokens()?.refresh_token);
  }

  /**
   * Signs in after a 401 (or ahead of expiry): the scope is `--scope` when given, else the challenge's, else the one
   * asked for last; without any, the SDK takes the protected-resource metadata's `scopes_supported` (MCP
   * authorization §Scope Selection Strategy).
   */
  async authorize(challenge: Challenge = {}): Promise<void> {
    await this.load();
    await this.run({ ...challenge, scope: this.options.scope ?? challenge.scope ?? this.stored.scope });
  }

  /**
   * Re-authorizes after a 403 `insufficient_scope` (MCP authorization §Scope Challenge Handling): asks for the union
   * of what was asked for before, what the token holds and what the challenge names (SEP-2350), skipping the refresh
   * grant when that union is wider than the token (a refresh cannot widen a grant, RFC 6749 §6).
   */
  async stepUp(challenge: Challenge): Promise<void> {
    await this.load();
    const granted = this.tokens()?.scope;
    const scope = computeScopeUnion(this.stored.scope ?? this.options.scope, granted, challenge.scope);
    await this.run({ ...challenge, ...(scope ? { scope } : {}) }, isStrictScopeSuperset(scope, granted));
  }

  /**
   * Runs the SDK's `auth()`: refresh when a refresh token is stored, otherwise discovery, registration (or the
   * URL-based client id) and a browser sign-in whose code the loopback server catches, then the code exchange.
   */
  private async run(challenge: Challenge, forceReauthorization = false): Promise<void> {
    if (challenge.scope) {
      this.stored.scope = challenge.scope;
      await this.persist();
    }
    this.pendingState = randomBytes(16).toString('base64url');
    this.loopback = await startLoopback(this.options.redirectUri, this.pendingState);
    try {
      const base = {
        serverUrl: this.serverUrl,
        ...(challenge.resourceMetadataUrl ? { resourceMetadataUrl: challenge.resourceMetadataUrl } : {}),
        ...(challenge.scope ? { scope: challenge.scope } : {}),
        ...(this.options.fetch ? { fetchFn: this.options.fetch } : {}),
      };
      let result = await auth(this, { ...base, forceReauthorization });
      if (result === 'REDIRECT') {
        const callback = await this.loopback.waitForCode(this.options.loginTimeoutMs);
        result = await auth(this, { ...base, authorizationCode: callback.code, ...(callback.iss ? { iss: callback.iss } : {}) });
      }
      if (result !== 'AUTHORIZED') throw new ClientAuthError('login_failed', `the authorization server of ${this.serverUrl.origin} did not issue a token`);
    } finally {
      await this.loopback.close();
      this.loopback = undefined;
    }
  }

  /** Forgets everything stored for this endpoint. */
  async forget(): Promise<boolean> {
    this.stored = {};
    return (await this.cache?.remove(this.cacheKey)) ?? false;
  }

  private async persist(): Promise<void> {
    await this.cache?.save(this.cacheKey, this.stored);
  }
}
