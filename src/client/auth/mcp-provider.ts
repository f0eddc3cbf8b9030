import { randomBytes } from 'node:crypto';
import {
  auth,
  type FetchLike,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { z } from 'zod';
import { presentAuthorizationUrl, startLoopback, type Loopback } from './loopback.js';
import { AuthError, type AuthOptions } from './types.js';
import type { TokenCache } from './token-cache.js';

/** What `mcp` mode keeps per endpoint: the registered client, the tokens, and where discovery led. */
const mcpStateSchema = z.object({
  clientInformation: z.record(z.string(), z.unknown()).optional(),
  tokens: z.record(z.string(), z.unknown()).optional(),
  expiresAt: z.number().optional(),
  discoveryState: z.record(z.string(), z.unknown()).optional(),
});
type McpState = z.infer<typeof mcpStateSchema>;

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

  state(): string {
    return this.pendingState;
  }

  clientInformation(): StoredOAuthClientInformation | undefined {
    if (this.options.clientId) return { client_id: this.options.clientId, ...(this.options.clientSecret ? { client_secret: this.options.clientSecret } : {}) };
    return this.stored.clientInformation as StoredOAuthClientInformation | undefined;
  }

  async saveClientInformation(clientInformation: StoredOAuthClientInformation): Promise<void> {
    this.stored.clientInformation = clientInformation as Record<string, unknown>;
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
    if (!this.verifier) throw new AuthError('login_failed', 'no PKCE code verifier for this sign-in: start the login again');
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
    if (scope === 'all' || scope === 'client') delete this.stored.clientInformation;
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
    return { accessToken: tokens.access_token, ...(this.stored.expiresAt !== undefined ? { expiresAt: this.stored.expiresAt } : {}), ...(tokens.issuer ? { issuer: tokens.issuer } : {}) };
  }

  /**
   * Runs the SDK's `auth()`: refresh when a refresh token is stored, otherwise discovery, registration and a browser
   * sign-in whose code the loopback server catches, then the code exchange.
   */
  async authorize(challenge: { resourceMetadataUrl?: URL; scope?: string; fetchFn?: FetchLike } = {}): Promise<void> {
    await this.load();
    this.pendingState = randomBytes(16).toString('base64url');
    this.loopback = await startLoopback(this.options.redirectUri, this.pendingState);
    try {
      const scope = this.options.scope ?? challenge.scope;
      const base = {
        serverUrl: this.serverUrl,
        ...(challenge.resourceMetadataUrl ? { resourceMetadataUrl: challenge.resourceMetadataUrl } : {}),
        ...(scope ? { scope } : {}),
        ...(challenge.fetchFn ?? this.options.fetch ? { fetchFn: (challenge.fetchFn ?? this.options.fetch) as FetchLike } : {}),
      };
      let result = await auth(this, base);
      if (result === 'REDIRECT') {
        const callback = await this.loopback.waitForCode(this.options.loginTimeoutMs);
        result = await auth(this, { ...base, authorizationCode: callback.code, ...(callback.iss ? { iss: callback.iss } : {}) });
      }
      if (result !== 'AUTHORIZED') throw new AuthError('login_failed', `the authorization server of ${this.serverUrl.origin} did not issue a token`);
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
